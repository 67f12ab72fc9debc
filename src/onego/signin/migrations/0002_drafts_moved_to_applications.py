"""The drafts (ApplicationDraft, DraftUpload) moved to the applications app (issue 12): removed from this
app's migration state only; the tables stay and are the applications app's now (its 0001, `db_table`)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("signin", "0001_initial"),
        ("applications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="draftupload", name="draft"),
                migrations.DeleteModel(name="ApplicationDraft"),
                migrations.DeleteModel(name="DraftUpload"),
            ],
        ),
    ]
