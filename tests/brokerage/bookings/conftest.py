"""Fixtures for the booking tests: offers of each shape, and households that can book them."""

import pytest

from brokerage.bookings import services
from brokerage.models import BookingMode, BreakFor, OfferKind, PaymentSource, PriceUnit
from tests.factories import (
    CarerFactory,
    ComplianceDocumentFactory,
    NightFactory,
    OfferFactory,
    SessionFactory,
    UserFactory,
    cares_for,
)


@pytest.fixture
def session(db):
    """A free, instant day break for the cared-for person: 8 places a week from now."""
    return SessionFactory()


@pytest.fixture
def joint_session(db):
    """A break for the carer and the person they care for, together, priced per place, on request."""
    offer = OfferFactory(
        break_for=BreakFor.BOTH,
        price_pence=2500,
        price_unit=PriceUnit.PLACE,
        booking_mode=BookingMode.REQUEST,
    )
    return SessionFactory(offer=offer, places=4)


@pytest.fixture
def property_offer(db):
    """A bookable accessible property with three free nights from a fortnight away, 1 place each, 40 pounds a night."""
    offer = OfferFactory(kind=OfferKind.PROPERTY, break_for=BreakFor.BOTH, price_pence=4000, price_unit=PriceUnit.NIGHT)
    first = NightFactory(offer=offer)
    offer.stay_nights = [first] + [
        NightFactory(offer=offer, date=first.date.__class__.fromordinal(first.date.toordinal() + i)) for i in (1, 2)
    ]
    return offer


@pytest.fixture
def make_carer(x):
    """A new household in partnership X caring for `people` people (needs level high by default)."""

    def make(people: int = 1, **person):
        carer = CarerFactory(user=UserFactory(), locality=x.locality)
        carer.people = []
        for _ in range(people):
            from tests.factories import CaredForPersonFactory

            carer.people.append(cares_for(carer, CaredForPersonFactory(**person)))
        return carer

    return make


def book(carer, session, *, people=None, includes_carer=False, payment_source=PaymentSource.FREE, by=None):
    """Book `session` for the carer's people (all of them unless given)."""
    return services.booking_create(
        carer=carer,
        offer=session.offer,
        session=session,
        includes_carer=includes_carer,
        cared_for=carer.people if people is None else people,
        payment_source=payment_source,
        by=by or carer.user,
    )


__all__ = ["book", "ComplianceDocumentFactory"]


@pytest.fixture
def carer_a_fund(carer_a, x):
    """An Individual Service Fund of £500 for carer A, so a break booked "from the carer's fund" can be paid
    for (a booking paid from a fund commits its cost: brokerage/funds/wiring.py)."""
    from tests.brokerage.funds.factories import personal_fund

    return personal_fund(x.broker, carer=carer_a, amount=50_000)
