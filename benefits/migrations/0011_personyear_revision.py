from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("benefits", "0010_issue10_presets_and_places")]

    operations = [
        migrations.AddField(
            model_name="personyear",
            name="revision",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        # (person, year) becomes (person, year, visit date): the same prefix for a person's year,
        # and the day for the daily cap's lookup of what was already paid that day.
        migrations.RemoveIndex(model_name="settlement", name="settlement_person_year"),
        migrations.AddIndex(
            model_name="settlement",
            index=models.Index(fields=["person", "year", "visit_date"], name="settlement_person_day"),
        ),
    ]
