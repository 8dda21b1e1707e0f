"""Fixtures for the provider portal: Sunny Breaks (provider_user's organisation) and a rival provider."""

import datetime

import pytest
from django.utils import timezone

from breakthrough.models import Role
from brokerage.models import Booking, BookingNight, BreakFor, Night, OfferKind, PaymentSource
from tests.factories import ComplianceDocumentFactory, OfferFactory, ProviderFactory, SessionFactory, staff


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sunny(provider_user):
    return provider_user.organisation


@pytest.fixture
def provider_client(client_for, provider_user):
    return client_for(provider_user)


@pytest.fixture
def offer(sunny, x):
    return OfferFactory(provider=sunny, locality=x.locality, title="Sunny Saturday club")


@pytest.fixture
def session(offer):
    return SessionFactory(offer=offer, places=4)


@pytest.fixture
def rival(db):
    """Another provider, its member of staff, and one of each of its records."""
    organisation = ProviderFactory(name="Rival Respite")
    user = staff(Role.PROVIDER, organisation, email="staff@rival.example")
    offer = OfferFactory(provider=organisation, title="Rival club")
    session = SessionFactory(offer=offer)
    document = organisation.compliance_documents.get()
    return type(
        "Rival",
        (),
        {"organisation": organisation, "user": user, "offer": offer, "session": session, "document": document},
    )


@pytest.fixture
def make_booking():
    def make(carer, session, *, places=1, state=Booking.State.REQUESTED):
        session.places_taken += places
        session.save(update_fields=["places_taken"])
        return Booking.objects.create(
            carer=carer,
            offer=session.offer,
            session=session,
            places=places,
            payment_source=PaymentSource.FREE,
            state=state,
            requested_by=carer.user,
        )

    return make


@pytest.fixture
def insured(sunny):
    return ComplianceDocumentFactory(organisation=sunny, reference="INS-1")


@pytest.fixture
def cottage(sunny, x):
    """A bookable accessible property of the provider's, booked by the night."""
    return OfferFactory(
        provider=sunny, locality=x.locality, kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH, title="Shore cottage"
    )


@pytest.fixture
def make_stay():
    """make_stay(carer, offer, first_night, nights=2, places=1, state=...): a stay that holds its nights (open
    if need be) as the bookings services would leave it, whether its dates are past or to come."""

    def make(carer, offer, first_night, *, nights=2, places=1, state=Booking.State.CONFIRMED):
        rows = []
        for i in range(nights):
            night, _ = Night.objects.get_or_create(
                offer=offer, date=first_night + datetime.timedelta(days=i), defaults={"places": 2}
            )
            if state in (*Booking.HOLDING, Booking.State.ATTENDED, Booking.State.NO_SHOW):
                night.places_taken += places
                night.save(update_fields=["places_taken"])
            rows.append(night)
        booking = Booking.objects.create(
            carer=carer,
            offer=offer,
            first_night=first_night,
            nights=nights,
            includes_carer=True,
            places=places,
            payment_source=PaymentSource.FREE,
            state=state,
            requested_by=carer.user,
            **({"cancelled_at": timezone.now()} if state == Booking.State.CANCELLED else {}),
        )
        booking.cared_for.add(carer.person)
        BookingNight.objects.bulk_create([BookingNight(booking=booking, night=night) for night in rows])
        return booking

    return make
