from django.contrib import admin

from brokerage.models import CaredForPerson, Carer, CaringRelationship, Consent, FeedbackQuestion, FeedbackVersion


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


class FeedbackQuestionInline(admin.TabularInline):
    model = FeedbackQuestion
    extra = 0
    fields = ["asked_of", "position", "code", "text"]

    def has_change_permission(self, request, obj=None):  # a published version never changes: publish a new one
        return False

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FeedbackVersion)
class FeedbackVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are published through brokerage.feedback.services.feedback_version_publish."""

    list_display = ["__str__", "published_at"]
    inlines = [FeedbackQuestionInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
