from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from brokerage.feedback import services as feedback_services
from brokerage.models import (
    CaredForPerson,
    Carer,
    CaringRelationship,
    Consent,
    FeedbackQuestion,
    FeedbackQuestionSet,
    FeedbackVersion,
)


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


class _DraftFeedbackOnly:
    """A published feedback version and its questions are read-only: a change is a new draft version."""

    def _published(self, obj) -> bool:
        version = obj.version if isinstance(obj, FeedbackQuestion) else obj
        return version is not None and version.is_published

    def has_change_permission(self, request, obj=None):
        return not self._published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._published(obj) and super().has_delete_permission(request, obj)


class FeedbackQuestionInline(_DraftFeedbackOnly, admin.TabularInline):
    model = FeedbackQuestion
    extra = 0
    fields = ["asked_of", "position", "code", "text"]

    def has_add_permission(self, request, obj=None):
        return not self._published(obj) and super().has_add_permission(request, obj)


@admin.register(FeedbackQuestionSet)
class FeedbackQuestionSetAdmin(admin.ModelAdmin):
    list_display = ["partnership", "created_at"]
    actions = ["new_draft"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Start a new draft version from the newest one")
    def new_draft(self, request, queryset):
        for question_set in queryset:
            feedback_services.feedback_draft_new(partnership=question_set.partnership, by=request.user)
        self.message_user(request, "A new draft version was made for each. Edit its questions, then publish it.")


@admin.register(FeedbackVersion)
class FeedbackVersionAdmin(_DraftFeedbackOnly, admin.ModelAdmin):
    """Drafts are edited here; publishing goes through brokerage.feedback.services.feedback_draft_publish."""

    list_display = ["__str__", "published_at"]
    readonly_fields = ["question_set", "number", "published_at", "published_by"]
    inlines = [FeedbackQuestionInline]
    actions = ["publish"]

    def has_add_permission(self, request):
        return False  # a new version starts from the question set's "new draft" action

    @admin.action(description="Publish the chosen drafts")
    def publish(self, request, queryset):
        for version in queryset:
            try:
                feedback_services.feedback_draft_publish(version=version, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{version}: {' '.join(error.messages)}", level=messages.ERROR)
            else:
                self.message_user(request, f"{version} is published.")
