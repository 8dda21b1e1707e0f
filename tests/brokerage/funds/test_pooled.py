"""A pooled (group) booking keeps every booking rule a single booking keeps: each household's party goes through
bookings.rules (the provider's checks, age, needs level, who the break is for), the booking records who goes
(cared_for, and on each share whether that household's carer goes), and the hub's page offers only the
choices the rules allow, naming who cannot go and why."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brokerage.bookings.rules import Party
from brokerage.funds import wiring
from brokerage.funds.checks import ledger_check
from brokerage.models import Booking, BookingShare, BreakFor, ComplianceDocument, NeedsLevel
from tests.brokerage.funds.factories import personal_fund
from tests.brokerage.funds.wiring_helpers import paid_session
from tests.factories import CaredForPersonFactory, CarerFactory, UserFactory, cares_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _balanced_after_each_test(db):
    yield
    report = ledger_check()
    assert report.ok, report


@pytest.fixture
def households(x):
    """Two households of partnership X with £200 funds: Ailsa cares for Jamie (10), Beth for Rory (16) and
    Iona (40, complex needs)."""
    ailsa = CarerFactory(user=UserFactory(), locality=x.locality, first_name="Ailsa", last_name="Reid")
    beth = CarerFactory(user=UserFactory(), locality=x.locality, first_name="Beth", last_name="Wilson")
    today = timezone.localdate()
    ailsa.jamie = cares_for(
        ailsa, CaredForPersonFactory(first_name="Jamie", date_of_birth=today.replace(year=today.year - 10))
    )
    beth.rory = cares_for(
        beth, CaredForPersonFactory(first_name="Rory", date_of_birth=today.replace(year=today.year - 16))
    )
    beth.iona = cares_for(
        beth,
        CaredForPersonFactory(
            first_name="Iona", date_of_birth=today.replace(year=today.year - 40), needs_level=NeedsLevel.COMPLEX
        ),
    )
    for carer in (ailsa, beth):
        personal_fund(x.broker, carer=carer, amount=20_000)
    return ailsa, beth


def pooled(session, parties, x):
    return wiring.pooled_booking_create(session=session, parties=parties, rule="places", by=x.broker)


def test_cared_for_and_who_goes_from_each_household_are_recorded(x, households):
    ailsa, beth = households
    session = paid_session(price=1_000, break_for=BreakFor.BOTH, supports_complex=True)
    booking = pooled(
        session,
        [Party(ailsa, includes_carer=True, cared_for=(ailsa.jamie,)), Party(beth, True, (beth.rory, beth.iona))],
        x,
    )
    assert set(booking.cared_for.all()) == {ailsa.jamie, beth.rory, beth.iona}
    assert booking.carer == ailsa
    assert booking.includes_carer
    assert booking.places == 5
    shares = {share.fund.carer: (share.places, share.includes_carer) for share in booking.shares.all()}
    assert shares == {ailsa: (2, True), beth: (3, True)}


def test_the_carer_is_not_counted_when_the_break_is_only_for_the_people_cared_for(x, households):
    ailsa, beth = households
    booking = pooled(
        paid_session(price=1_000), [Party(ailsa, False, (ailsa.jamie,)), Party(beth, False, (beth.rory,))], x
    )
    assert not booking.includes_carer
    assert booking.places == 2
    assert set(booking.shares.values_list("includes_carer", flat=True)) == {False}
    assert set(booking.cared_for.all()) == {ailsa.jamie, beth.rory}


def refused(session, parties, x, match):
    with pytest.raises(ValidationError, match=match):
        pooled(session, parties, x)
    assert not Booking.objects.exists()
    session.refresh_from_db()
    assert session.places_taken == 0


def test_a_lapsed_insurance_document_refuses_a_pooled_booking(x, households):
    ailsa, beth = households
    session = paid_session(price=1_000)
    ComplianceDocument.objects.filter(organisation_id=session.offer.provider_id).update(
        expires_on=timezone.localdate() + datetime.timedelta(days=2)  # lapses before the session
    )
    refused(session, [Party(ailsa, False, (ailsa.jamie,)), Party(beth, False, (beth.rory,))], x, "safety checks")


def test_a_person_outside_the_age_range_refuses_a_pooled_booking(x, households):
    ailsa, beth = households
    session = paid_session(price=1_000, min_age=12, max_age=18)
    refused(session, [Party(ailsa, False, (ailsa.jamie,)), Party(beth, False, (beth.rory,))], x, "Jamie is 10")


def test_a_needs_level_the_break_does_not_support_refuses_a_pooled_booking(x, households):
    ailsa, beth = households
    session = paid_session(price=1_000, supports_complex=False)
    refused(
        session,
        [Party(ailsa, False, (ailsa.jamie,)), Party(beth, False, (beth.iona,))],
        x,
        "does not support complex needs",
    )


@pytest.mark.parametrize(
    ("break_for", "beth_goes", "match"),
    [
        (BreakFor.CARED_FOR, True, "for the person cared for, not for the carer"),
        (BreakFor.CARER, False, "for the carer only"),
        (BreakFor.BOTH, False, "for the carer and the person they care for together"),
    ],
)
def test_who_the_break_is_for_refuses_a_pooled_booking(x, households, break_for, beth_goes, match):
    ailsa, beth = households
    session = paid_session(price=1_000, break_for=break_for)
    ailsa_party = {
        BreakFor.CARED_FOR: Party(ailsa, False, (ailsa.jamie,)),
        BreakFor.CARER: Party(ailsa, True, ()),
        BreakFor.BOTH: Party(ailsa, True, (ailsa.jamie,)),
    }[break_for]
    refused(session, [ailsa_party, Party(beth, beth_goes, (beth.rory,))], x, match)


def test_a_person_from_another_household_refuses_a_pooled_booking(x, households):
    ailsa, beth = households
    refused(
        paid_session(price=1_000),
        [Party(ailsa, False, (beth.rory,)), Party(beth, False, (beth.iona,))],
        x,
        "only book for people in your household",
    )


# ----------------------------------------------------------------------------------------------
# The hub's page
# ----------------------------------------------------------------------------------------------


def page_url(session):
    return reverse("brokerage:funds:pooled_book", kwargs={"session_pk": session.pk})


def test_the_page_offers_only_who_the_rules_allow_and_says_why_not(client_for, x, households):
    ailsa, beth = households
    session = paid_session(price=1_000, max_age=18)  # for the cared-for only; Iona is 40
    response = client_for(x.broker).get(page_url(session))
    fields = response.context["form"].fields
    assert [value for value, _ in fields[f"party_{ailsa.pk}"].choices] == [str(ailsa.jamie.pk)]
    assert [value for value, _ in fields[f"party_{beth.pk}"].choices] == [str(beth.rory.pk)]  # not Iona, nor the carer
    page = response.content.decode()
    assert f"{beth.iona.full_name} cannot go: Iona is 40; this is for ages up to 18." in page
    assert 'value="carer"' not in page  # the break is not for carers


def test_the_hub_books_a_session_choosing_who_goes_from_each_household(client_for, x, households):
    ailsa, beth = households
    session = paid_session(price=1_000, break_for=BreakFor.BOTH, supports_complex=True)
    response = client_for(x.broker).post(
        page_url(session),
        {
            "rule": "places",
            f"party_{ailsa.pk}": ["carer", str(ailsa.jamie.pk)],
            f"party_{beth.pk}": ["carer", str(beth.iona.pk)],
        },
    )
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert set(booking.cared_for.all()) == {ailsa.jamie, beth.iona}
    assert booking.places == 4
    assert set(BookingShare.objects.filter(booking=booking).values_list("includes_carer", flat=True)) == {True}


def test_a_choice_the_rules_refuse_is_an_error_by_the_household_and_keeps_what_was_ticked(client_for, x, households):
    ailsa, beth = households
    session = paid_session(price=1_000, break_for=BreakFor.BOTH, supports_complex=True)
    response = client_for(x.broker).post(
        page_url(session),
        {"rule": "equal", f"party_{ailsa.pk}": ["carer"], f"party_{beth.pk}": ["carer", str(beth.rory.pk)]},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "for the carer and the person they care for together" in page
    assert f'id="party_{ailsa.pk}-error"' in page or f"party_{ailsa.pk}" in page
    assert "checked" in page
    assert not Booking.objects.exists()


def test_more_people_than_places_left_is_an_error_on_the_page(client_for, x, households):
    ailsa, beth = households
    session = paid_session(price=1_000, places=2, supports_complex=True)
    response = client_for(x.broker).post(
        page_url(session),
        {
            "rule": "equal",
            f"party_{ailsa.pk}": [str(ailsa.jamie.pk)],
            f"party_{beth.pk}": [str(beth.rory.pk), str(beth.iona.pk)],
        },
    )
    assert "You chose 3 people and the session has 2 places left" in response.content.decode()
    assert not Booking.objects.exists()


def test_the_lead_carer_sees_only_their_own_household_going(client_for, x, households):
    ailsa, beth = households
    booking = pooled(
        paid_session(price=1_000), [Party(ailsa, False, (ailsa.jamie,)), Party(beth, False, (beth.rory,))], x
    )
    page = client_for(ailsa.user).get(reverse("brokerage:bookings:booking_detail", kwargs={"pk": booking.pk}))
    html = page.content.decode()
    assert ailsa.jamie.full_name in html
    assert beth.rory.full_name not in html
    staff_page = client_for(x.broker).get(reverse("brokerage:bookings:booking_detail", kwargs={"pk": booking.pk}))
    assert beth.rory.full_name in staff_page.content.decode()
