"""The administrators' standards drift page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from onego.standards.services import implementations_load

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def admin_client(small_catalog: Path, tmp_path: Path) -> Client:
    path = tmp_path / "impl.yaml"
    path.write_text(
        'implementations:\n  - region: "520102"\n    items:\n'
        "      - {item: food_business_permit, promised_limit_days: 9, local_name: 食品经营许可证办理}\n",
        encoding="utf-8",
    )
    implementations_load(path=path)
    admin = get_user_model().objects.create_user("centre-admin", password="x", is_staff=True)
    client = Client()
    client.force_login(admin)
    return client


def test_the_page_lists_the_region_and_the_reasons(admin_client: Client) -> None:
    page = admin_client.get("/workbench/standards/drift/").content.decode()
    assert "南明区（520102）" in page
    assert "食品经营许可证办理" in page
    assert "承诺办结时限比标准长" in page


def test_an_unknown_region_is_a_field_error_in_chinese(admin_client: Client) -> None:
    response = admin_client.get("/workbench/standards/drift/", {"region": "999999"})
    assert response.status_code == 400
    assert "区划代码 999999 不存在" in response.content.decode()


def test_people_who_are_not_administrators_are_sent_away(small_catalog: Path) -> None:
    user = get_user_model().objects.create_user("someone", password="x")
    client = Client()
    client.force_login(user)
    assert client.get("/workbench/standards/drift/").status_code in (302, 403)


def test_pasted_names_are_mapped_and_the_unsure_one_can_be_corrected(admin_client: Client) -> None:
    from onego.standards.models import NameMapping, NameMappingReview

    response = admin_client.post(
        "/workbench/standards/names/", {"names": "食品经营许可（新办）\n开饭馆要办的证\n", "region": ""}
    )
    assert response.status_code == 302
    page = admin_client.get("/workbench/standards/names/").content.decode()
    assert "开饭馆要办的证" in page
    pending = NameMapping.objects.get(local_name="开饭馆要办的证")
    response = admin_client.post(
        f"/workbench/standards/names/{pending.pk}/review/",
        {"decision": "corrected", "item": "food_business_permit", "note": "<script>x</script>"},
    )
    assert response.status_code == 302
    assert NameMappingReview.objects.get().note == "<script>x</script>"  # stored as typed, escaped on output
    page = admin_client.get("/workbench/standards/names/").content.decode()
    assert "没有待复核的名称" in page


def test_an_empty_paste_is_a_chinese_field_error(admin_client: Client) -> None:
    response = admin_client.post("/workbench/standards/names/", {"names": "  \n"})
    assert response.status_code == 400
    assert "请至少填写一个本地事项名称" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_proposals_page_ranks_by_demand_and_shows_the_pairs(admin_client: Client) -> None:
    from onego.catalog.models import ServiceItem
    from onego.core import clock
    from onego.standards.models import ItemCoOccurrence
    from onego.standards.proposals import proposal_submit

    proposal_submit(
        proposer_index="p1",
        proposer_display="王*",
        title="开店时烟草证和执照一起办",
        description="开便利店时先办营业执照，再单独跑烟草专卖局。",
        item_codes=["business_licence", "tobacco_retail_licence"],
    )
    items = {i.code: i for i in ServiceItem.objects.all()}
    ItemCoOccurrence.objects.create(
        item_a=items["business_licence"],
        item_b=items["tobacco_retail_licence"],
        applicants=12,
        window_days=30,
        computed_at=clock.now(),
    )
    page = admin_client.get("/workbench/standards/proposals/", {"by": "demand"}).content.decode()
    assert "开店时烟草证和执照一起办" in page
    assert "办件需求 12 人" in page


def test_refreshing_the_demand_enqueues_the_task(admin_client: Client) -> None:
    from django_tasks_db.models import DBTaskResult

    before = DBTaskResult.objects.count()
    assert admin_client.post("/workbench/standards/proposals/refresh/").status_code == 302
    assert DBTaskResult.objects.filter(task_path__endswith="refresh_co_occurrence").count() == 1
    assert DBTaskResult.objects.count() == before + 1


def test_declining_without_a_reason_is_a_chinese_error(admin_client: Client) -> None:
    from onego.standards.proposals import proposal_submit

    proposal = proposal_submit(
        proposer_index="p1",
        proposer_display="王*",
        title="开店时烟草证和执照一起办",
        description="开便利店时先办营业执照，再单独跑烟草专卖局。",
        item_codes=["business_licence"],
    )
    response = admin_client.post(
        f"/workbench/standards/proposals/{proposal.pk}/decide/", {"status": "declined"}
    )
    assert response.status_code == 400
    assert "暂不采纳时请写明理由" in response.content.decode()


def test_the_drift_page_and_its_reasons_read_in_english(admin_client: Client) -> None:
    from django.conf import settings

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = admin_client.get("/workbench/standards/drift/").content.decode()
    assert "Regional implementations that differ from the provincial standard" in page
    assert "The promised limit is 4 working days longer than the standard" in page
    assert "Longer promised limit" in page


def test_a_supervisor_sees_only_their_region_whatever_the_address_asks(
    admin_client: Client, tmp_path: Path
) -> None:
    from onego.accounts.models import Role
    from tests.cases.factories import make_staff

    path = tmp_path / "more.yaml"
    path.write_text(
        'implementations:\n  - region: "520500"\n    items:\n      - {item: food_business_permit, promised_limit_days: 8}\n',
        encoding="utf-8",
    )
    implementations_load(path=path)
    supervisor = Client()
    supervisor.force_login(make_staff("supervisor", "nm-scjg", Role.SUPERVISOR))
    page = supervisor.get("/workbench/standards/drift/").content.decode()
    assert "南明区（520102）" in page
    assert "毕节市" not in page
    forged = supervisor.get("/workbench/standards/drift/", {"region": "520500"})
    assert forged.status_code == 400
    assert "区划代码 520500 不存在" in forged.content.decode()  # the same answer as an unknown region
    assert "毕节市（520500）" in admin_client.get("/workbench/standards/drift/").content.decode()


def test_an_officer_without_supervision_is_refused(small_catalog: Path) -> None:
    from onego.accounts.models import Role
    from tests.cases.factories import make_staff

    officer = Client()
    officer.force_login(make_staff("officer", "nm-scjg", Role.OFFICER))
    assert officer.get("/workbench/standards/drift/").status_code == 403


def _pairs_in(region_counts: dict[str, int]) -> None:
    from onego.catalog.models import ServiceItem
    from onego.core import clock
    from onego.standards.models import ItemCoOccurrence

    items = {i.code: i for i in ServiceItem.objects.all()}
    for region, n in region_counts.items():
        ItemCoOccurrence.objects.create(
            region_code=region,
            item_a=items["business_licence"],
            item_b=items["tobacco_retail_licence"],
            applicants=n,
            window_days=30,
            computed_at=clock.now(),
        )


def test_an_administrator_sees_the_demand_of_their_own_region_and_no_other(admin_client: Client) -> None:
    from onego.accounts.models import Role
    from onego.standards.proposals import proposal_submit
    from tests.cases.factories import make_staff

    proposal_submit(
        proposer_index="p1",
        proposer_display="王*",
        title="开店时烟草证和执照一起办",
        description="开便利店时先办营业执照，再单独跑烟草专卖局。",
        item_codes=["business_licence", "tobacco_retail_licence"],
    )
    _pairs_in({"": 30, "520100": 12, "520102": 7, "520500": 5})
    # The service centre's own account (no department): the province by default, any region on request.
    province = admin_client.get("/workbench/standards/proposals/", {"by": "demand"}).content.decode()
    assert "办件需求 30 人" in province
    assert "全省" in province
    bijie = admin_client.get("/workbench/standards/proposals/", {"region": "520500"}).content.decode()
    assert "办件需求 5 人" in bijie
    # 南明区's administrator: 南明区's own counts, whatever the province's or 毕节市's are.
    nanming_admin = make_staff("nm-admin", "nm-scjg", Role.ADMIN)
    nanming_admin.is_staff = True
    nanming_admin.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(nanming_admin)
    page = client.get("/workbench/standards/proposals/").content.decode()
    assert "办件需求 7 人" in page
    assert "南明区（520102）" in page
    assert "办件需求 30 人" not in page
    assert client.get("/workbench/standards/proposals/", {"region": "520500"}).status_code == 404
    assert client.get("/workbench/standards/proposals/", {"region": "520100"}).status_code == 404


def test_the_navigation_reads_the_memberships_the_view_already_read(admin_client: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onego.accounts.models import Role
    from tests.cases.factories import make_staff

    # A supervisor who is also a centre administrator: the page (staff_member_required, no request.staff
    # from its decorator) reads the memberships for its region, and the 运行监测 link needs them too.
    user = make_staff("nm-supervisor-admin", "nm-scjg", Role.SUPERVISOR)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/workbench/standards/proposals/")
    assert page.status_code == 200
    assert 'href="/workbench/insight/"' in page.content.decode()  # the tag still answers
    memberships = [q["sql"] for q in queries.captured_queries if "accounts_membership" in q["sql"]]
    assert len(memberships) == 1
