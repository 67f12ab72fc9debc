"""Stored snapshots learn which choices mean "posted to the applicant" (catalog 0005).

A choice data element now declares `post_choices` (领卡方式“邮寄到家”), the compiled form field carries
it, and pre-review reads it from the case's snapshot (`prereview.rules_from_snapshot`) to make the
mailing fields (address.*) required. Snapshots compiled before have no `post_choices` in their form
fields, so for those cases and drafts (a draft is a case in status draft) choosing 邮寄到家 would no longer
ask for the address, which it did when pre-review knew that choice from code.

This fills it in from the catalog's data elements: a form field without the key gets the element's
`post_choices` that are among the field's own choices. Only fields that gain a non-empty list are
written (an empty list changes nothing pre-review does), so only the cases whose form has such an element
are rewritten. A field that has the key was compiled with it and is left as it is: running this again
changes nothing. Cases are read and written in batches of ids (SQLite cannot safely write a table while
iterating it). The case's `version` is not bumped: what the snapshot means does not change.
"""

from django.db import migrations
from django.db.models import Q, TextField
from django.db.models.functions import Cast

BATCH = 500


def _declared(apps):
    """Element code → its `post_choices`, for the elements that declare any."""
    DataElement = apps.get_model("catalog", "DataElement")
    rows = DataElement.objects.filter(type="choice").values_list("code", "post_choices")
    return {
        code: list(post_choices)
        for code, post_choices in rows
        if post_choices and isinstance(post_choices, list)
    }


def _fill(snapshot, declared):
    """Add `post_choices` to the snapshot's form fields that lack it; True if any was added."""
    changed = False
    groups = (snapshot.get("form") or []) if isinstance(snapshot, dict) else []
    fields = [f for g in groups if isinstance(g, dict) for f in g.get("fields") or [] if isinstance(f, dict)]
    for field in fields:
        if "post_choices" in field:
            continue
        choices = field.get("choices") or []
        wanted = [c for c in declared.get(field.get("element"), []) if c in choices]
        if wanted:
            field["post_choices"] = wanted
            changed = True
    return changed


def forwards(apps, schema_editor):
    declared = _declared(apps)
    if not declared:
        return
    Case = apps.get_model("cases", "Case")
    # Only snapshots that mention such an element can change (element codes are ASCII, so they appear
    # as written in the JSON text on every database).
    mentions = Q()
    for code in declared:
        mentions |= Q(snapshot_text__contains=f'"{code}"')
    ids = list(
        Case.objects.annotate(snapshot_text=Cast("snapshot", TextField()))
        .filter(mentions)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        cases = list(Case.objects.filter(pk__in=ids[start : start + BATCH]).only("pk", "snapshot"))
        changed = [case for case in cases if _fill(case.snapshot, declared)]
        if changed:
            Case.objects.bulk_update(changed, ["snapshot"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_subcase_ordering_by_case_id"),
        ("catalog", "0005_dataelement_post_choices"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
