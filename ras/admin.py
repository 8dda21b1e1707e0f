"""The admin edits a draft questionnaire version's domains, questions and answers (there is no page for that
yet). A published version, a published price scale, an assessment and a panel decision are read-only here:
published versions never change, and assessments and decisions change only through the services."""

from django.contrib import admin

from ras.models import (
    AnswerOption,
    Assessment,
    Domain,
    PanelDecision,
    PriceScale,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    VersionStatus,
)


def _version_of(obj):
    """The questionnaire version (or price scale) that an admin object belongs to."""
    if isinstance(obj, QuestionnaireVersion | PriceScale):
        return obj
    if isinstance(obj, Domain):
        return obj.version
    if isinstance(obj, Question):
        return obj.domain.version
    if isinstance(obj, AnswerOption):
        return obj.question.domain.version
    return None


class DraftOnly:
    """Refuse changes and deletions of anything in a published version: a change is a new version."""

    def _published(self, obj) -> bool:
        version = _version_of(obj) if obj is not None else None
        return version is not None and version.status == VersionStatus.PUBLISHED

    def has_change_permission(self, request, obj=None):
        return not self._published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._published(obj) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request, obj=None):  # inlines pass the parent as obj
        if self._published(obj):
            return False
        return super().has_add_permission(request, obj) if obj is not None else super().has_add_permission(request)


class DomainInline(DraftOnly, admin.StackedInline):
    model = Domain
    extra = 0
    show_change_link = True


class QuestionInline(DraftOnly, admin.StackedInline):
    model = Question
    extra = 0
    show_change_link = True


class AnswerOptionInline(DraftOnly, admin.TabularInline):
    model = AnswerOption
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["name", "partnership"]
    list_filter = ["partnership"]


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(DraftOnly, admin.ModelAdmin):
    list_display = ["questionnaire", "number", "status", "published_at"]
    list_filter = ["status", "questionnaire__partnership"]
    readonly_fields = ["status", "published_at", "published_by"]
    inlines = [DomainInline]


@admin.register(Domain)
class DomainAdmin(DraftOnly, admin.ModelAdmin):
    list_display = ["name", "version", "position"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(DraftOnly, admin.ModelAdmin):
    list_display = ["text", "domain", "position"]
    inlines = [AnswerOptionInline]


@admin.register(PriceScale)
class PriceScaleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "partnership", "status"]
    list_filter = ["status", "partnership"]

    def has_change_permission(self, request, obj=None):
        return False  # scales change through their pages, which refuse published ones

    def has_add_permission(self, request):
        return False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["pk", "carer", "status", "amount_pence", "completed_at"]
    list_filter = ["status", "partnership"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PanelDecision)
class PanelDecisionAdmin(AssessmentAdmin):
    list_display = ["assessment", "outcome", "amount_pence", "decided_by", "decided_at"]
    list_filter = ["outcome"]
