"""The versions column goes once every row names its set (0012), in a migration of its own:
on PostgreSQL a table whose rows were just updated under a deferred foreign key cannot be
altered in the same transaction."""

from django.db import migrations, models
from django.db.models.deletion import PROTECT


class Migration(migrations.Migration):
    dependencies = [("benefits", "0012_parameter_sets")]

    operations = [
        migrations.RemoveField(model_name="settlement", name="parameter_versions"),
        migrations.AlterField(
            model_name="settlement",
            name="parameter_set",
            field=models.ForeignKey(db_index=False, on_delete=PROTECT, related_name="+", to="benefits.parameterset",
                                    verbose_name="参数版本"),
        ),
    ]
