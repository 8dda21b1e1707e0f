"""The brokerage app's models, one module per concept: the household, providers, offers, bookings."""

from brokerage.models.bookings import Booking, BookingNight, PaymentSource, WaitingListEntry
from brokerage.models.geography import OutwardCode
from brokerage.models.household import CaredForPerson, Carer, CaringRelationship, Consent, NeedsLevel
from brokerage.models.offers import (
    AccessibilityFeature,
    BookingMode,
    BreakFor,
    Night,
    Offer,
    OfferKind,
    PriceUnit,
    Schedule,
    Session,
    Setting,
)
from brokerage.models.providers import ComplianceDocument, ComplianceKind, ProviderProfile, Regulator

__all__ = [
    "AccessibilityFeature",
    "Booking",
    "BookingMode",
    "BookingNight",
    "BreakFor",
    "CaredForPerson",
    "Carer",
    "CaringRelationship",
    "ComplianceDocument",
    "ComplianceKind",
    "Consent",
    "NeedsLevel",
    "Night",
    "Offer",
    "OutwardCode",
    "OfferKind",
    "PaymentSource",
    "PriceUnit",
    "ProviderProfile",
    "Regulator",
    "Schedule",
    "Session",
    "Setting",
    "WaitingListEntry",
]
