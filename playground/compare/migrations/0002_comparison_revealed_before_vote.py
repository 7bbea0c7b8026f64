from django.db import migrations, models


def flag_blind_comparisons_shown_before(apps, schema_editor):
    """Until this change a blind comparison's column chats were listed (and opened) as chats
    naming their model, and the studio listed its image jobs with their model ids. Whether
    the owner looked cannot be known: an owner who has not voted yet may have seen the names,
    so that owner's votes on it are not counted as blind."""
    Comparison = apps.get_model("compare", "Comparison")
    Vote = apps.get_model("compare", "Vote")
    owner_voted = Vote.objects.filter(
        turn__comparison=models.OuterRef("pk"), user=models.OuterRef("owner")
    )
    Comparison.objects.filter(~models.Exists(owner_voted), blind=True).update(
        revealed_before_vote=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("compare", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="comparison",
            name="revealed_before_vote",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(flag_blind_comparisons_shown_before, migrations.RunPython.noop),
    ]
