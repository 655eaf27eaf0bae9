"""The stand-in fields go once benefits 0015 has turned them into approvals and registrations."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('enrollment', '0008_scheme_names_without_source_keys'),
        ('benefits', '0015_chronic_records_from_standins'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='historicalperson',
            name='chronic_diseases',
        ),
        migrations.RemoveField(
            model_name='historicalperson',
            name='two_diseases_registered',
        ),
        migrations.RemoveField(
            model_name='person',
            name='chronic_diseases',
        ),
        migrations.RemoveField(
            model_name='person',
            name='two_diseases_registered',
        ),
    ]
