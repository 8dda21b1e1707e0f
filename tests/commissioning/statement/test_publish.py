"""Publishing the statement: a frozen, numbered version with its date; later changes to the directory, the criteria
or the draft leave it as it was; twice is once; only the partnership's commissioners write or publish."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from breakthrough.models import AuditEvent, Role
from brokerage.models import EligibilityCriteria, Offer, OfferKind
from commissioning.models import PublishedStatement, StatementDraft
from commissioning.statement import services
from commissioning.statement.selectors import draft_preview, published_version_get
from tests.commissioning.statement.helpers import next_year, publish, ready_draft
from tests.factories import OfferFactory, ProviderFactory, staff

pytestmark = pytest.mark.django_db


def pdf_text(statement) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(statement.pdf))).pages)


@pytest.fixture
def local_provider(x):
    organisation = ProviderFactory(name="Harbour Sitters")
    organisation.partnerships_served.set([x.partnership])
    return organisation


def test_publishing_stores_version_1_with_todays_date_and_what_it_said(x, local_provider):
    OfferFactory(provider=local_provider, locality=x.locality, kind=OfferKind.SITTER, title="Evening sitter")
    statement = publish(x.partnership, x.commissioner, carers_words="It gave me my evenings back.")
    assert (statement.version, statement.published_on) == (1, timezone.localdate())
    assert statement.next_review_on == next_year()
    assert statement.published_by == x.commissioner
    assert statement.content["version"] == 1
    assert statement.content["text"]["carers_words"] == "It gave me my evenings back."
    assert "Harbour Sitters" in statement.body_html
    assert "It gave me my evenings back." in statement.body_html
    assert "Harbour Sitters" in pdf_text(statement)
    event = AuditEvent.objects.get(action="commissioning.statement.published")
    assert (event.actor, event.object_id, event.data) == (x.commissioner, str(statement.pk), {"version": 1})


def test_a_published_version_does_not_change_when_the_directory_criteria_or_draft_change(x, local_provider):
    offer = OfferFactory(provider=local_provider, locality=x.locality, kind=OfferKind.SITTER)
    EligibilityCriteria.objects.create(partnership=x.partnership, text="Caring 20 hours a week or more.")
    first = publish(x.partnership, x.commissioner, purpose="Our first statement.")
    frozen = (first.content, first.body_html, bytes(first.pdf))

    local_provider.name = "Harbour Sitters and Carers"
    local_provider.save()
    Offer.objects.filter(pk=offer.pk).update(kind=OfferKind.DAY)
    OfferFactory(provider=ProviderFactory(name="New Day Centre"), locality=x.locality)
    EligibilityCriteria.objects.create(partnership=x.partnership, text="Anyone caring for someone.")
    services.statement_draft_save(partnership=x.partnership, by=x.commissioner, purpose="Our second statement.")

    again = published_version_get(partnership_slug=x.partnership.slug, version=1)
    again = PublishedStatement.objects.get(pk=again.pk)
    assert (again.content, again.body_html, bytes(again.pdf)) == frozen
    assert "Harbour Sitters and Carers" not in again.body_html
    assert "Caring 20 hours a week or more." in again.body_html
    assert "Our first statement." in pdf_text(again)
    # The draft preview shows the directory and the criteria as they are now...
    preview = draft_preview(fetched_by=x.commissioner)
    assert preview["eligibility"]["text"] == "Anyone caring for someone."
    assert preview["text"]["purpose"] == "Our second statement."
    assert preview["version"] is None
    # ...and so does the next version; the first stays as it was.
    second = services.statement_publish(
        partnership=x.partnership, by=x.commissioner, next_review_on=next_year(), submission_key="second"
    )
    assert second.version == 2
    assert "Harbour Sitters and Carers" in second.body_html
    assert "New Day Centre" in second.body_html
    assert "Our second statement." in pdf_text(second)
    assert PublishedStatement.objects.get(version=1).body_html == frozen[1]


def test_the_same_publish_form_sent_twice_makes_one_version(x):
    ready_draft(x.partnership, x.commissioner)
    first = services.statement_publish(
        partnership=x.partnership, by=x.commissioner, next_review_on=next_year(), submission_key="k1"
    )
    again = services.statement_publish(
        partnership=x.partnership, by=x.commissioner, next_review_on=next_year(), submission_key="k1"
    )
    assert again.pk == first.pk
    assert PublishedStatement.objects.count() == 1
    other = services.statement_publish(
        partnership=x.partnership, by=x.commissioner, next_review_on=next_year(), submission_key="k2"
    )
    assert other.version == 2


def test_the_same_key_in_another_partnership_is_its_own_publish(x, y):
    ready_draft(x.partnership, x.commissioner)
    ready_draft(y.partnership, y.commissioner)
    in_x = services.statement_publish(
        partnership=x.partnership, by=x.commissioner, next_review_on=next_year(), submission_key="same"
    )
    in_y = services.statement_publish(
        partnership=y.partnership, by=y.commissioner, next_review_on=next_year(), submission_key="same"
    )
    assert (in_x.partnership, in_x.version, in_y.partnership, in_y.version) == (x.partnership, 1, y.partnership, 1)


def test_publishing_asks_for_the_department_its_contact_and_the_consultation(x):
    with pytest.raises(ValidationError) as refused:
        services.statement_publish(
            partnership=x.partnership, by=x.commissioner, next_review_on=next_year(), submission_key=None
        )
    assert refused.value.messages == [
        "Enter the department or organisation responsible for the statement",
        "Enter how to contact the department responsible: a phone number, email or address",
        "Say how carers were consulted",
    ]
    services.statement_draft_save(partnership=x.partnership, by=x.commissioner, department_name="Carers Services")
    draft = StatementDraft.objects.get(partnership=x.partnership)
    assert [section for _, section in services.statement_missing(draft)] == ["contacts", "consultation"]
    assert not PublishedStatement.objects.exists()


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (0, "The next review date must be in the future"),
        (-3, "The next review date must be in the future"),
        (366 * 3 + 1, "The next review date must be within 3 years, by"),
    ],
)
def test_the_next_review_date_is_in_the_future_and_within_three_years(x, days, message):
    ready_draft(x.partnership, x.commissioner)
    with pytest.raises(ValidationError) as refused:
        services.statement_publish(
            partnership=x.partnership,
            by=x.commissioner,
            next_review_on=timezone.localdate() + datetime.timedelta(days=days),
            submission_key=None,
        )
    assert refused.value.message_dict["next_review_on"][0].startswith(message)


def test_three_years_to_the_day_is_accepted():
    today = datetime.date(2027, 3, 27)
    services.check_review_date(datetime.date(2030, 3, 27), today=today)
    with pytest.raises(ValidationError):
        services.check_review_date(datetime.date(2030, 3, 28), today=today)
    services.check_review_date(datetime.date(2031, 2, 28), today=datetime.date(2028, 2, 29))


def test_only_the_partnerships_commissioners_write_or_publish(x, y, provider_user, admin_user):
    ready_draft(x.partnership, x.commissioner)
    for outsider in (y.commissioner, x.broker, x.assessor, provider_user, admin_user):
        with pytest.raises(ValidationError):
            services.statement_draft_save(partnership=x.partnership, by=outsider, purpose="Taken over")
        with pytest.raises(ValidationError):
            services.statement_publish(
                partnership=x.partnership, by=outsider, next_review_on=next_year(), submission_key=None
            )
    assert StatementDraft.objects.get(partnership=x.partnership).purpose == ""
    assert not PublishedStatement.objects.exists()
    second = staff(Role.COMMISSIONER, x.commissioner.organisation, email="second@x.example")
    assert services.statement_draft_save(partnership=x.partnership, by=second, purpose="Ours").purpose == "Ours"


def test_the_draft_keeps_stripped_text_and_refuses_too_much(x):
    draft = services.statement_draft_save(partnership=x.partnership, by=x.commissioner, purpose="  Why.  \n")
    assert draft.purpose == "Why."
    with pytest.raises(ValidationError) as refused:
        services.statement_draft_save(partnership=x.partnership, by=x.commissioner, purpose="a" * 5001)
    assert refused.value.message_dict == {
        "purpose": ["Why the partnership publishes this statement must be 5,000 characters or fewer"]
    }
    with pytest.raises(ValidationError) as refused:
        services.statement_draft_save(partnership=x.partnership, by=x.commissioner, department_email="not an email")
    assert "department_email" in refused.value.message_dict
    assert StatementDraft.objects.get(partnership=x.partnership).purpose == "Why."


def test_versions_are_numbered_once_per_partnership_in_the_database(x):
    from django.db import IntegrityError, transaction

    statement = publish(x.partnership, x.commissioner)
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedStatement.objects.create(
            partnership=x.partnership,
            version=1,
            published_on=statement.published_on,
            published_by=x.commissioner,
            next_review_on=statement.next_review_on,
            content={},
            body_html="",
            pdf=b"",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedStatement.objects.filter(pk=statement.pk).update(next_review_on=statement.published_on)
