"""Provider portal services: every write validated, audited, and safe to repeat where it says so."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from breakthrough.models import AuditEvent
from brokerage.models import (
    BookingMode,
    BreakFor,
    ComplianceDocument,
    ComplianceKind,
    Night,
    OfferKind,
    PriceUnit,
    ProviderProfile,
    Regulator,
    Session,
    Setting,
)
from brokerage.providers import selectors, services
from tests.factories import ComplianceDocumentFactory, LocalityFactory, NightFactory, OfferFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def _actions():
    return list(AuditEvent.objects.values_list("action", flat=True))


def _offer_data(locality, **overrides):
    data = {
        "title": "Tuesday swim",
        "summary": "A swim and a cup of tea.",
        "description": "",
        "kind": OfferKind.ACTIVITY,
        "break_for": BreakFor.CARER,
        "setting": Setting.COMMUNITY,
        "min_age": 16,
        "max_age": None,
        "supports_low": True,
        "supports_medium": True,
        "supports_high": False,
        "supports_complex": False,
        "locality": locality,
        "postcode": "eh11yz",
        "price_pence": 1250,
        "price_unit": PriceUnit.SESSION,
        "booking_mode": BookingMode.REQUEST,
    }
    return {**data, **overrides}


def _next(weekday: int, after: datetime.date | None = None) -> datetime.date:
    day = (after or timezone.localdate()) + datetime.timedelta(days=1)
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


# --- profile ---------------------------------------------------------------------------------


def test_profile_update_creates_the_profile_and_limits_areas_to_partnerships_served(sunny, provider_user, x, y):
    other = LocalityFactory(name="Elsewhere")
    data = {"summary": "We run clubs.", "regulator": Regulator.CARE_INSPECTORATE, "registration_number": "CS123"}
    profile = services.provider_profile_update(
        organisation=sunny, data=data, localities=[x.locality, y.locality], by=provider_user
    )
    assert profile.registration_number == "CS123"
    assert set(profile.localities.all()) == {x.locality, y.locality}
    assert "brokerage.providerprofile.created" in _actions()
    with pytest.raises(ValidationError) as error:
        services.provider_profile_update(organisation=sunny, data=data, localities=[other], by=provider_user)
    assert "localities" in error.value.message_dict


def test_a_registered_provider_needs_a_registration_number(sunny, provider_user):
    with pytest.raises(ValidationError) as error:
        services.provider_profile_update(
            organisation=sunny,
            data={"regulator": Regulator.CQC, "registration_number": "  "},
            localities=[],
            by=provider_user,
        )
    assert "registration_number" in error.value.message_dict
    assert not ProviderProfile.objects.filter(organisation=sunny).exists()


# --- offers ----------------------------------------------------------------------------------


def test_offer_create_normalises_the_postcode_starts_unpublished_and_is_audited(sunny, provider_user, x):
    offer = services.offer_create(organisation=sunny, data=_offer_data(x.locality), features=[], by=provider_user)
    assert (offer.postcode, offer.is_published, offer.price_pence) == ("EH1 1YZ", False, 1250)
    assert "brokerage.offer.created" in _actions()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"postcode": "nonsense"}, "postcode"),
        ({"min_age": 18, "max_age": 5}, "max_age"),
        ({"price_pence": None}, "price_pence"),
        ({"supports_low": False, "supports_medium": False}, "needs_levels"),
    ],
)
def test_offer_create_refuses_bad_data_with_the_field_named(sunny, provider_user, x, overrides, field):
    with pytest.raises(ValidationError) as error:
        services.offer_create(
            organisation=sunny, data=_offer_data(x.locality, **overrides), features=[], by=provider_user
        )
    assert field in error.value.message_dict


def test_a_free_offer_has_no_price(sunny, provider_user, x):
    data = _offer_data(x.locality, price_unit=PriceUnit.FREE, price_pence=999)
    offer = services.offer_create(organisation=sunny, data=data, features=[], by=provider_user)
    assert offer.price_pence == 0


def test_offer_update_records_what_changed_and_publish_toggles(offer, provider_user, x):
    data = _offer_data(x.locality, title="Renamed")
    services.offer_update(offer=offer, data=data, features=[], by=provider_user)
    offer.refresh_from_db()
    assert offer.title == "Renamed"
    event = AuditEvent.objects.get(action="brokerage.offer.updated")
    assert "title" in event.data["fields"]
    services.offer_set_published(offer=offer, published=False, by=provider_user)
    services.offer_set_published(offer=offer, published=False, by=provider_user)  # no change, no event
    offer.refresh_from_db()
    assert not offer.is_published
    assert _actions().count("brokerage.offer.unpublished") == 1


# --- availability ----------------------------------------------------------------------------


def test_session_create_makes_an_aware_local_session(offer, provider_user):
    day = _next(2)
    session = services.session_create(
        offer=offer,
        date=day,
        starts_at=datetime.time(10),
        ends_at=datetime.time(15),
        places=6,
        by=provider_user,
    )
    assert timezone.localtime(session.starts_at).time() == datetime.time(10)
    assert session.places == 6
    with pytest.raises(ValidationError) as error:
        services.session_create(
            offer=offer, date=day, starts_at=datetime.time(15), ends_at=datetime.time(10), places=6, by=provider_user
        )
    assert "ends_at" in error.value.message_dict
    overnight = services.session_create(
        offer=offer,
        date=day,
        starts_at=datetime.time(18),
        ends_at=datetime.time(10),
        ends_next_day=True,
        places=2,
        by=provider_user,
    )
    assert overnight.ends_at - overnight.starts_at == datetime.timedelta(hours=16)


def test_a_session_cannot_be_in_the_past(offer, provider_user):
    with pytest.raises(ValidationError) as error:
        services.session_create(
            offer=offer,
            date=timezone.localdate() - datetime.timedelta(days=1),
            starts_at=datetime.time(10),
            ends_at=datetime.time(11),
            places=1,
            by=provider_user,
        )
    assert "date" in error.value.message_dict


def test_a_schedule_generates_one_session_a_week_and_again_creates_none(offer, provider_user):
    first = _next(1)
    schedule = services.schedule_create(
        offer=offer,
        weekday=1,
        starts_at=datetime.time(10),
        ends_at=datetime.time(15),
        places=8,
        first_date=first,
        last_date=first + datetime.timedelta(weeks=9),
        by=provider_user,
    )
    assert schedule.sessions.count() == 10
    assert services.schedule_generate_sessions(schedule=schedule, by=provider_user) == 0
    assert schedule.sessions.count() == 10
    assert {timezone.localtime(s.starts_at).weekday() for s in schedule.sessions.all()} == {1}


@pytest.mark.parametrize("month", [3, 10])
def test_schedule_sessions_keep_their_local_time_across_the_clock_change(offer, provider_user, month):
    year = timezone.localdate().year + 1
    # The clocks change on the last Sunday of March and October: cover the weeks either side.
    first = datetime.date(year, month, 14)
    last = datetime.date(year, month + 1, 7)
    schedule = services.schedule_create(
        offer=offer,
        weekday=6,
        starts_at=datetime.time(10, 30),
        ends_at=datetime.time(12),
        places=3,
        first_date=first,
        last_date=last,
        by=provider_user,
    )
    sessions = list(schedule.sessions.order_by("starts_at"))
    assert len(sessions) >= 3
    for session in sessions:
        local = session.starts_at.astimezone(LONDON)
        assert (local.hour, local.minute) == (10, 30)
        assert session.ends_at - session.starts_at == datetime.timedelta(hours=1, minutes=30)
    offsets = {s.starts_at.astimezone(LONDON).utcoffset() for s in sessions}
    assert offsets == {datetime.timedelta(0), datetime.timedelta(hours=1)}  # both GMT and BST weeks
    utc_hours = [s.starts_at.astimezone(datetime.UTC).hour for s in sessions]
    assert set(utc_hours) == {9, 10}


def test_a_schedule_runs_for_at_most_a_year_and_dates_in_order(offer, provider_user):
    first = _next(0)
    base = {"offer": offer, "weekday": 0, "starts_at": datetime.time(9), "ends_at": datetime.time(10), "places": 1}
    with pytest.raises(ValidationError) as error:
        services.schedule_create(
            **base, first_date=first, last_date=first + datetime.timedelta(days=400), by=provider_user
        )
    assert "last_date" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.schedule_create(
            **base, first_date=first, last_date=first - datetime.timedelta(days=1), by=provider_user
        )
    assert "last_date" in error.value.message_dict


def test_places_never_go_below_places_taken(session, provider_user, carer_a, make_booking):
    make_booking(carer_a, session, places=3)
    with pytest.raises(ValidationError) as error:
        services.session_change_places(session=session, places=2, by=provider_user)
    assert "3 places are already taken" in error.value.message_dict["places"][0]
    services.session_change_places(session=session, places=3, by=provider_user)
    session.refresh_from_db()
    assert session.places == 3
    assert "brokerage.session.places_changed" in _actions()


def test_a_session_with_holding_bookings_cannot_be_cancelled(session, provider_user, carer_a, make_booking):
    booking = make_booking(carer_a, session)
    with pytest.raises(ValidationError, match="1 booking holds places"):
        services.session_cancel(session=session, by=provider_user)
    booking.state = booking.State.DECLINED
    booking.decline_reason = "Full"
    booking.save()
    services.session_cancel(session=session, by=provider_user)
    session.refresh_from_db()
    assert session.is_cancelled
    assert "brokerage.session.cancelled" in _actions()


def test_nights_open_is_idempotent_and_keeps_taken_places(sunny, provider_user, x):
    prop = OfferFactory(provider=sunny, kind=OfferKind.PROPERTY, locality=x.locality)
    first = timezone.localdate() + datetime.timedelta(days=10)
    last = first + datetime.timedelta(days=6)
    assert services.nights_open(offer=prop, first_date=first, last_date=last, places=2, by=provider_user) == 7
    assert services.nights_open(offer=prop, first_date=first, last_date=last, places=2, by=provider_user) == 0
    assert Night.objects.filter(offer=prop).count() == 7
    night = Night.objects.get(offer=prop, date=first)
    night.places_taken = 2
    night.save()
    with pytest.raises(ValidationError) as error:
        services.nights_open(offer=prop, first_date=first, last_date=last, places=1, by=provider_user)
    assert "places" in error.value.message_dict
    assert services.nights_open(offer=prop, first_date=first, last_date=last, places=3, by=provider_user) == 7


def test_sessions_and_nights_go_with_the_right_kind_of_offer(offer, provider_user):
    day = timezone.localdate() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError, match="Only a bookable property"):
        services.nights_open(offer=offer, first_date=day, last_date=day, places=1, by=provider_user)
    prop = NightFactory(offer__provider=offer.provider).offer
    with pytest.raises(ValidationError, match="booked by the night"):
        services.session_create(
            offer=prop, date=day, starts_at=datetime.time(9), ends_at=datetime.time(10), places=1, by=provider_user
        )


# --- compliance ------------------------------------------------------------------------------


def test_compliance_add_and_replace(sunny, provider_user):
    today = timezone.localdate()
    data = {
        "kind": ComplianceKind.DISCLOSURE,
        "reference": "PVG-1",
        "holder": "All staff",
        "issued_on": today - datetime.timedelta(days=300),
        "expires_on": today + datetime.timedelta(days=10),
    }
    document = services.compliance_add(organisation=sunny, data=data, by=provider_user)
    document.expiry_warned_on = today
    document.save()
    with pytest.raises(ValidationError) as error:
        services.compliance_add(organisation=sunny, data={**data, "expires_on": data["issued_on"]}, by=provider_user)
    assert "expires_on" in error.value.message_dict
    renewed = services.compliance_replace(
        document=document,
        data={"reference": "PVG-2", "issued_on": today, "expires_on": today + datetime.timedelta(days=1000)},
        by=provider_user,
    )
    assert (renewed.reference, renewed.expiry_warned_on, renewed.kind) == ("PVG-2", None, ComplianceKind.DISCLOSURE)
    assert ComplianceDocument.objects.filter(organisation=sunny).count() == 1
    assert {"brokerage.compliancedocument.added", "brokerage.compliancedocument.replaced"} <= set(_actions())


def test_offer_bookable_checks_names_missing_and_expired_checks(sunny, x):
    sitter = OfferFactory(provider=sunny, kind=OfferKind.SITTER, setting=Setting.OWN_HOME, locality=x.locality)
    today = timezone.localdate()
    checks = selectors.offer_bookable_checks(sitter, today)
    assert {(c["kind"], c["reason"]) for c in checks} == {("insurance", "missing"), ("disclosure", "missing")}
    ComplianceDocumentFactory(organisation=sunny, kind=ComplianceKind.INSURANCE)
    ComplianceDocumentFactory(
        organisation=sunny,
        kind=ComplianceKind.DISCLOSURE,
        issued_on=today - datetime.timedelta(days=400),
        expires_on=today - datetime.timedelta(days=1),
    )
    assert selectors.offer_bookable_checks(sitter, today) == [
        {"kind": "disclosure", "label": ComplianceKind.DISCLOSURE.label, "reason": "expired"}
    ]
    later = today + datetime.timedelta(days=300)
    assert [c["kind"] for c in selectors.offer_bookable_checks(sitter, later)] == ["insurance", "disclosure"]


def test_an_overnight_break_at_home_needs_approved_carer_status(sunny, x):
    overnight = OfferFactory(provider=sunny, kind=OfferKind.OVERNIGHT, setting=Setting.OWN_HOME, locality=x.locality)
    ComplianceDocumentFactory(organisation=sunny, kind=ComplianceKind.INSURANCE)
    ComplianceDocumentFactory(organisation=sunny, kind=ComplianceKind.DISCLOSURE)
    checks = selectors.offer_bookable_checks(overnight, timezone.localdate())
    assert [c["kind"] for c in checks] == ["approved_carer"]


def test_querysets_show_providers_their_own_records_only(sunny, provider_user, offer, session, rival, admin_user):
    from breakthrough.access import visible

    assert set(visible(provider_user, Session)) == {session}
    assert set(visible(rival.user, Session)) == {rival.session}
    assert set(visible(admin_user, Session)) == {session, rival.session}
    assert set(visible(provider_user, ComplianceDocument)) == set()
    assert set(visible(rival.user, ComplianceDocument)) == {rival.document}
