"""PlanSupport.origin: the support a later version's copy came from, so invoices against a support count across
versions. Supports copied before this migration are linked to the support of the previous version with the same
position, kind, offer and description (what plan_new_version copied)."""

import django.db.models.deletion
from django.db import migrations, models


def link_copies(apps, schema_editor):
    PlanSupport = apps.get_model("brokerage", "PlanSupport")
    copies = PlanSupport.objects.filter(plan__previous__isnull=False).select_related("plan").order_by("plan__number")
    for copy in copies:
        source = PlanSupport.objects.filter(
            plan_id=copy.plan.previous_id,
            position=copy.position,
            kind=copy.kind,
            offer_id=copy.offer_id,
            description=copy.description,
        ).first()
        if source is not None:
            copy.origin_id = source.origin_id or source.pk
            copy.save(update_fields=["origin"])


class Migration(migrations.Migration):

    dependencies = [
        ('brokerage', '0015_invoice_plan_support_and_payee'),
    ]

    operations = [
        migrations.AddField(
            model_name='plansupport',
            name='origin',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='copies', to='brokerage.plansupport'),
        ),
        migrations.RunPython(link_copies, migrations.RunPython.noop, elidable=True),
    ]
