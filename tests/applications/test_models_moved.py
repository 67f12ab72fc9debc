"""The drafts moved from the signin app to the applications app with their data (issue 12): the move
changes the migration state only, the tables keep their names, so a draft saved before it is still there."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from onego.applications.models import ApplicationDraft, DraftUpload

# applications 0001 only moves the state; later columns (0002 answered_by) are rolled back with it.
BEFORE = [("signin", "0001_initial"), ("applications", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_a_draft_saved_before_the_move_is_read_after_it() -> None:
    user = get_user_model().objects.create_user(username="before-the-move", password=None)
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)  # back to where the signin app owned the drafts
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    OldDraft = old.get_model("signin", "ApplicationDraft")
    OldUpload = old.get_model("signin", "DraftUpload")
    draft = OldDraft.objects.create(
        user_id=user.pk, subject_kind="person", subject_index="idx", package_code="newborn-birth",
        package_name="新生儿出生", region_code="520102",
    )  # fmt: skip
    OldUpload.objects.create(
        draft=draft, material="birth_certificate_application", name="出生医学证明首次签发申请表",
        file="drafts/x/a.pdf", filename="a.pdf", size=10, sha256="0" * 64,
    )  # fmt: skip

    MigrationExecutor(connection).migrate(leaves)

    moved = ApplicationDraft.objects.get(pk=draft.pk)
    assert (moved.user_id, moved.package_name) == (user.pk, "新生儿出生")
    assert [u.filename for u in DraftUpload.objects.filter(draft=moved)] == ["a.pdf"]
    assert ApplicationDraft._meta.db_table == "signin_applicationdraft"
    assert ApplicationDraft._meta.app_label == "applications"
