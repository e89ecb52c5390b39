import uuid

from django.db import migrations, models


def give_each_invoice_its_key(apps, schema_editor):
    Invoice = apps.get_model("invoices", "Invoice")
    for invoice in Invoice.objects.filter(idempotency_key__isnull=True).only("pk"):
        Invoice.objects.filter(pk=invoice.pk).update(idempotency_key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("invoices", "0002_pipeline")]

    operations = [
        migrations.RunPython(give_each_invoice_its_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="invoice",
            name="idempotency_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
