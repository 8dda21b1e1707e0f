from django.contrib import admin

from audits.models import AuditSettings


@admin.register(AuditSettings)
class AuditSettingsAdmin(admin.ModelAdmin):
    """Each partnership's minimum entitlement, which the access figures measure against."""

    list_display = ["partnership", "minimum_nights"]
