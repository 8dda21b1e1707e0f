from django.contrib import admin

from brokerage.models import CaredForPerson, Carer, CaringRelationship, Consent


class RelationshipInline(admin.TabularInline):
    model = CaringRelationship
    extra = 0
    raw_id_fields = ["cared_for"]


@admin.register(Carer)
class CarerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "partnership", "locality", "carer_type"]
    list_filter = ["partnership", "carer_type"]
    search_fields = ["first_name", "last_name", "postcode"]
    raw_id_fields = ["user"]
    inlines = [RelationshipInline]


@admin.register(CaredForPerson)
class CaredForPersonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "needs_level", "date_of_birth"]
    search_fields = ["first_name", "last_name"]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["carer", "kind", "given", "recorded_at"]
    raw_id_fields = ["carer"]
