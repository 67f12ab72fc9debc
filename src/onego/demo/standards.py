"""Demo proposals for new packages (onego.standards), from the demo identities, once."""

from __future__ import annotations

from onego.core.errors import ValidationFailed
from onego.core.pii import blind_index, mask_name
from onego.registries.demo_identities import DEMO_IDENTITIES
from onego.standards.models import Proposal
from onego.standards.proposals import proposal_submit, proposal_support

PROPOSALS = (
    (
        "开便利店：营业执照和烟草证一起办",
        "开便利店时先办了营业执照，过了一周又单独去烟草专卖局办零售许可证，材料里的执照和身份证又交了一遍。",
        ["business_licence", "tobacco_retail_licence"],
    ),
    (
        "孩子出生后生育津贴和医保一起办",
        "给孩子办完出生登记，又分别去医保窗口申领生育津贴、给孩子参保，希望能在新生儿出生一件事里一起办。",
        ["maternity_benefit", "resident_medical_insurance_enrolment"],
    ),
    (
        "退休时公积金提取和养老金申领一起办",
        "退休核准之后，公积金提取要另外跑公积金中心，希望退休一件事里直接包含。",
        ["housing_fund_withdraw_retirement", "pension_claim"],
    ),
)


def seed_standards_demo() -> str:
    people = [d for d in DEMO_IDENTITIES if d.kind == "person"]
    if len(people) < 3:
        return ""
    made = 0
    for n, (title, description, items) in enumerate(PROPOSALS):
        if Proposal.objects.filter(title=title).exists():
            continue
        who = people[n % len(people)]
        try:
            proposal = proposal_submit(
                proposer_index=blind_index(who.key, kind="person"),
                proposer_display=mask_name(who.name),
                title=title,
                description=description,
                item_codes=items,
            )
        except ValidationFailed:  # the loaded catalog lacks these items (e.g. a small test catalog)
            continue
        for other in people[: len(PROPOSALS) - n]:
            if other is not who:
                proposal_support(
                    proposal_id=proposal.pk, supporter_index=blind_index(other.key, kind="person")
                )
        made += 1
    return f"新一件事建议：新建 {made} 条（/proposals/）"
