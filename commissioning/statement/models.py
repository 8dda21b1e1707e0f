"""The Short Breaks Services Statement (Carers (Scotland) Act 2016 s.35): the text a partnership's commissioners
write (one draft per partnership), and the versions they publish.

A published version is frozen: it stores what it said (the structured content, the page's HTML and the PDF), so
that later changes to the directory, the eligibility criteria or the draft leave it as it was. Versions are
numbered 1, 2, 3... within their partnership, once each, in the database as well as in Python; a publish form
sent twice makes one version (its submission key is unique per partnership, breakthrough/submissions.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from breakthrough.models import Partnership
from breakthrough.submissions import key_field, unique_per
from breakthrough.validators import refuse_bidi_controls

TEXT_LIMIT = 5000

# The draft's text, field by field: (field, label). The statement's sections (commissioning/statement/content.py)
# and the edit pages (forms.py) are built from these names.
TEXT_FIELDS = {
    "purpose": "Why the partnership publishes this statement",
    "what_is_a_break": "What a short break is",
    "adult_carers": "Adult carers",
    "young_carers": "Young carers",
    "eligibility": "How eligibility works",
    "outcomes": "The outcomes breaks are for",
    "breaks_note": "About the breaks on offer",
    "arranging": "How to arrange a break",
    "emergencies": "In an emergency",
    "costs": "Costs and charging",
    "carers_words": "Carers' own words",
    "consultation": "How carers were consulted",
}
CONTACT_FIELDS = (
    "department_name",
    "department_address",
    "department_phone",
    "department_email",
    "hub_phone",
    "hub_email",
    "hub_hours",
)


def _text(label: str) -> models.TextField:
    return models.TextField(label, max_length=TEXT_LIMIT, blank=True)


class StatementDraft(models.Model):
    """What the commissioners have written so far: one per partnership, edited section by section."""

    partnership = models.OneToOneField(Partnership, on_delete=models.PROTECT, related_name="statement_draft")
    purpose = _text(TEXT_FIELDS["purpose"])
    what_is_a_break = _text(TEXT_FIELDS["what_is_a_break"])
    adult_carers = _text(TEXT_FIELDS["adult_carers"])
    young_carers = _text(TEXT_FIELDS["young_carers"])
    eligibility = _text(TEXT_FIELDS["eligibility"])
    outcomes = _text(TEXT_FIELDS["outcomes"])
    breaks_note = _text(TEXT_FIELDS["breaks_note"])
    arranging = _text(TEXT_FIELDS["arranging"])
    emergencies = _text(TEXT_FIELDS["emergencies"])
    costs = _text(TEXT_FIELDS["costs"])
    carers_words = _text(TEXT_FIELDS["carers_words"])
    consultation = _text(TEXT_FIELDS["consultation"])
    # The department or organisation responsible for the statement (the 2018 regulations, regulation 3).
    department_name = models.CharField(
        "department responsible", max_length=200, blank=True, validators=[refuse_bidi_controls]
    )
    department_address = models.TextField("address", max_length=500, blank=True)
    department_phone = models.CharField("phone number", max_length=30, blank=True)
    department_email = models.EmailField("email address", blank=True)
    # How carers reach the partnership's Short Break Hub.
    hub_phone = models.CharField("hub's phone number", max_length=30, blank=True)
    hub_email = models.EmailField("hub's email address", blank=True)
    hub_hours = models.CharField("when the hub is open", max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"Draft statement of {self.partnership}"


class PublishedStatementQuerySet(models.QuerySet):
    def of(self, partnership_slug: str):
        return self.filter(partnership__slug=partnership_slug)


class PublishedStatement(models.Model):
    """One published version, as it was published. Nothing here changes after it is written."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="published_statements")
    version = models.PositiveIntegerField()
    published_on = models.DateField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    next_review_on = models.DateField("next review date")
    # What it said: the content the page and the PDF were made from, the page's HTML and the PDF itself.
    content = models.JSONField()
    body_html = models.TextField()
    pdf = models.BinaryField()
    submission_key = key_field()

    objects = PublishedStatementQuerySet.as_manager()

    class Meta:
        ordering = ["partnership__name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "version"], name="statement_version_once"),
            unique_per("partnership", name="statement_key_once_per_partnership"),
            models.CheckConstraint(condition=Q(version__gte=1), name="statement_version_from_one"),
            models.CheckConstraint(
                condition=Q(next_review_on__gt=F("published_on")), name="statement_review_after_publication"
            ),
        ]

    def __str__(self):
        return f"Short Breaks Services Statement of {self.partnership}, version {self.version}"
