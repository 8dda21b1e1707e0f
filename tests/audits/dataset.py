"""A small hand-built partnership whose every figure was worked out by hand (the values are in test_figures.py).

Partnership X, the period 1 March to 31 May 2026 (92 days), localities X North, X South and X East (no offers).
Partnership Y holds rows of every kind in the same period that must never be counted in X's figures.

Offers in X (o7 unpublished, o6 with nothing in the period: neither is supply):
  o1 prov1 North day      £20/session  sessions s0 (20 Feb, 5 places, before), s1 (10 Mar, 8), s2 (2-3 May, 6,
                                       runs over midnight), s_cancelled (12 Mar, 10, cancelled)
  o2 prov1 South day      £30/session  s_o2 (10 Apr, 4)
  o3 prov2 North evening  £15/hour     s_o3 (20 May 18:00-21:00, 3)
  o4 prov2 North day      £25/session  s_o4 (5 Apr, 10)
  o5 prov3 South property £80/night    nights 20 Mar, 15 Apr, 16 Apr (and 10 Jun, after)
  o8 prov2 South day      £40/session  s_o8 (15 May, 2)
Carers of X (created 1 Dec 2025 unless said): cA North, cB North, cG North, cC South, cF South, cD East, and cE
South created 5 Jun 2026 (after the period). Cared-for needs: cA high and complex, cB complex, cC high, cD complex,
cE complex, cF medium, cG low. Minimum entitlement: 4 nights a year, so 2 nights for the 92 days.

Feedback after breaks (X's questions: version 1 asks carers "I had time for myself" (time) and "I feel less
isolated" (isolated), cared-for people "I enjoyed my break" (enjoyed); version 2, published 1 April, words the
first "I had some time for myself", same code). (response: booking, who, where, kind, needs, when, version, scores)
  r1  b1  cA carer          North day       complex 12 Mar v1 time 5 isolated 4
  r2  b7  cB carer          North day       complex 11 Mar v1 time 4 isolated 2
  r3  b3  cB carer          North day       complex  5 May v2 time 2 isolated 3
  r4  b2  cA carer          North property  complex 20 Apr v2 time 5 isolated 5
  r5  b8  cC carer          South property  high    25 Mar v1 time 3 isolated 1
  r6  b9  cF carer          South day       medium  30 Mar v1 time 4 isolated 4
  r7  b1  cA's complex one  North day       complex 12 Mar v1 enjoyed 5
  r8  b2  cA's high one     North property  high    20 Apr v2 enjoyed 4
  r9  b8  cC's one          South property  high    26 Mar v1 enjoyed 2
  r10 b9  cF's one          South day       medium  31 Mar v1 enjoyed 5
Not counted: b10's (cG, 22 February, before), cB's cared-for person on b3 at 00:30 on 1 June (after), and Y's.
"""

import contextlib
import datetime
from types import SimpleNamespace
from unittest import mock

from django.utils import timezone

from audits.models import AuditSettings
from brokerage.bookings.services import UNANSWERED_REASON
from brokerage.feedback.services import feedback_version_publish
from brokerage.funds import direct_payments
from brokerage.funds import services as ledger
from brokerage.models import (
    Booking,
    CaringRelationship,
    FeedbackAnswer,
    FeedbackResponse,
    Fund,
    NeedsLevel,
    OfferKind,
    OutcomeResult,
    Plan,
    PlanOutcome,
    PlanReview,
    PlanReviewOutcome,
    Posting,
    PriceUnit,
    Referral,
    Respondent,
    WaitingListEntry,
)
from tests.brokerage.funds.factories import budget_line, personal_fund
from tests.factories import (
    BookingFactory,
    CaredForPersonFactory,
    CarerFactory,
    LocalityFactory,
    NightFactory,
    OfferFactory,
    ProviderFactory,
    ReferralFactory,
    SessionFactory,
    UserFactory,
    WaitingListEntryFactory,
    cares_for,
)

START, END = datetime.date(2026, 3, 1), datetime.date(2026, 5, 31)


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime.datetime:
    """A moment in the service's time zone (London: GMT until 29 March 2026, BST after)."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


@contextlib.contextmanager
def posted_at(moment: datetime.datetime):
    """Postings written inside are dated `moment` (the ledger dates a posting when it is written)."""
    field = Posting._meta.get_field("created_at")
    # Field.get_default calls the cached `_get_default`, so that is what is replaced.
    with mock.patch.object(field, "_get_default", return_value=moment):
        yield


def _session(offer, starts, hours=5, places=8, **kwargs):
    return SessionFactory(
        offer=offer, starts_at=starts, ends_at=starts + datetime.timedelta(hours=hours), places=places, **kwargs
    )


def _carer(locality, *needs, created=None):
    carer = CarerFactory(user=UserFactory(), locality=locality, created_at=created or at(12, 1, year=2025))
    for level in needs:
        cares_for(carer, CaredForPersonFactory(needs_level=level))
    return carer


def _closed_referral(carer, submitted, **kwargs):
    return ReferralFactory(
        carer=carer,
        submitted_at=submitted,
        state=Referral.State.CLOSED,
        ended_at=submitted + datetime.timedelta(days=1),
        end_reason="Breaks arranged",
        **kwargs,
    )


def _stay(carer, offer, first_night, nights, **kwargs):
    return BookingFactory(carer=carer, offer=offer, session=None, first_night=first_night, nights=nights, **kwargs)


def _reviewed_plan(staff, carer, reviewed_at, results):
    plan = Plan.objects.create(
        carer=carer,
        partnership=staff.partnership,
        state=Plan.State.REVIEWED,
        created_by=staff.broker,
        approved_by=staff.assessor,
        approved_at=reviewed_at - datetime.timedelta(days=90),
    )
    review = PlanReview.objects.create(
        plan=plan, what_changed="More evenings out", reviewed_by=staff.broker, reviewed_at=reviewed_at
    )
    for position, result in enumerate(results, start=1):
        outcome = PlanOutcome.objects.create(plan=plan, position=position, text=f"Outcome {position}")
        PlanReviewOutcome.objects.create(review=review, outcome=outcome, result=result)


def build(x, y) -> SimpleNamespace:
    d = SimpleNamespace()
    north = x.locality
    north.name = "X North"
    north.save()
    south = LocalityFactory(partnership=x.partnership, name="X South")
    east = LocalityFactory(partnership=x.partnership, name="X East")
    AuditSettings.objects.create(partnership=x.partnership, minimum_nights=4)

    prov1, prov2, prov3 = (
        ProviderFactory(name="Prov One"),
        ProviderFactory(name="Prov Two"),
        ProviderFactory(name="Prov Three"),
    )
    session_price = {"price_unit": PriceUnit.SESSION}
    o1 = OfferFactory(provider=prov1, locality=north, kind=OfferKind.DAY, price_pence=2000, **session_price)
    o2 = OfferFactory(provider=prov1, locality=south, kind=OfferKind.DAY, price_pence=3000, **session_price)
    o3 = OfferFactory(
        provider=prov2, locality=north, kind=OfferKind.EVENING, price_pence=1500, price_unit=PriceUnit.HOUR
    )
    o4 = OfferFactory(provider=prov2, locality=north, kind=OfferKind.DAY, price_pence=2500, **session_price)
    o5 = OfferFactory(
        provider=prov3, locality=south, kind=OfferKind.PROPERTY, price_pence=8000, price_unit=PriceUnit.NIGHT
    )
    o6 = OfferFactory(provider=prov3, locality=north, kind=OfferKind.ACTIVITY)
    o7 = OfferFactory(provider=prov1, locality=north, kind=OfferKind.DAY, is_published=False)
    o8 = OfferFactory(provider=prov2, locality=south, kind=OfferKind.DAY, price_pence=4000, **session_price)

    s0 = _session(o1, at(2, 20), places=5)
    s1 = _session(o1, at(3, 10), places=8)
    s2 = _session(o1, at(5, 2), hours=24, places=6)
    _session(o1, at(3, 12), places=10, is_cancelled=True)
    s_o2 = _session(o2, at(4, 10), places=4)
    s_o3 = _session(o3, at(5, 20, 18), hours=3, places=3)
    s_o4 = _session(o4, at(4, 5), places=10)
    _session(o6, at(6, 10), places=9)
    _session(o7, at(4, 1), places=7)
    _session(o8, at(5, 15), places=2)
    for day in (
        datetime.date(2026, 3, 20),
        datetime.date(2026, 4, 15),
        datetime.date(2026, 4, 16),
        datetime.date(2026, 6, 10),
    ):
        NightFactory(offer=o5, date=day)

    cA = _carer(north, NeedsLevel.HIGH, NeedsLevel.COMPLEX)
    cB = _carer(north, NeedsLevel.COMPLEX)
    cG = _carer(north, NeedsLevel.LOW)
    cC = _carer(south, NeedsLevel.HIGH)
    cF = _carer(south, NeedsLevel.MEDIUM)
    cD = _carer(east, NeedsLevel.COMPLEX)
    cE = _carer(south, NeedsLevel.COMPLEX, created=at(6, 5))

    # Referrals: two before the period (cA's and cF's first), four in it.
    _closed_referral(cA, at(1, 15), needs_level=NeedsLevel.HIGH)
    _closed_referral(cF, at(2, 1), needs_level=NeedsLevel.MEDIUM)
    _closed_referral(cA, at(3, 2), needs_level=NeedsLevel.HIGH, crisis=True)
    _closed_referral(cB, at(3, 5), needs_level=NeedsLevel.COMPLEX)
    _closed_referral(cC, at(4, 1), needs_level=NeedsLevel.HIGH, crisis=True)
    _closed_referral(cG, at(3, 8), needs_level=NeedsLevel.HIGH)
    ReferralFactory(carer=cD, submitted_at=at(5, 20), needs_level=NeedsLevel.LOW)

    attended = {"state": Booking.State.ATTENDED}
    declined = {"state": Booking.State.DECLINED}
    d.b1 = BookingFactory(carer=cA, session=s1, places=2, requested_at=at(3, 3), **attended)
    d.b2 = _stay(cA, o5, datetime.date(2026, 4, 15), 2, requested_at=at(3, 20), **attended)
    d.b3 = BookingFactory(carer=cB, session=s2, requested_at=at(4, 1), **attended)
    d.b4 = BookingFactory(
        carer=cC, session=s_o2, places=2, requested_at=at(4, 2), decline_reason="Staff off sick", **declined
    )
    d.b5 = _stay(
        cC, o5, datetime.date(2026, 5, 10), 2, requested_at=at(5, 1), decline_reason=UNANSWERED_REASON, **declined
    )
    d.b6 = BookingFactory(
        carer=cD, session=s_o3, places=2, requested_at=at(5, 21), decline_reason="No driver", **declined
    )
    d.b7 = BookingFactory(carer=cB, session=s1, requested_at=at(2, 20), **attended)
    d.b8 = _stay(cC, o5, datetime.date(2026, 3, 20), 1, requested_at=at(3, 12), **attended)
    d.b9 = BookingFactory(carer=cF, session=s_o4, requested_at=at(3, 25), **attended)
    d.b10 = BookingFactory(carer=cG, session=s0, requested_at=at(2, 1), **attended)

    W = WaitingListEntry.State
    WaitingListEntryFactory(carer=cA, session=s2, places=2, joined_at=at(4, 20), state=W.WAITING)
    WaitingListEntryFactory(
        carer=cB, session=s_o2, joined_at=at(4, 2), offered_at=at(4, 12), offer_expires_at=at(4, 13), state=W.ACCEPTED
    )
    WaitingListEntryFactory(
        carer=cD,
        offer=o5,
        session=None,
        first_night=datetime.date(2026, 5, 10),
        nights=3,
        joined_at=at(5, 5),
        offered_at=at(5, 8),
        offer_expires_at=at(5, 9),
        state=W.EXPIRED,
    )
    WaitingListEntryFactory(carer=cC, session=s_o3, joined_at=at(5, 25), state=W.WITHDRAWN)
    WaitingListEntryFactory(
        carer=cB,
        session=s_o4,
        places=3,
        joined_at=at(3, 1),
        offered_at=at(3, 2),
        offer_expires_at=at(3, 3),
        state=W.DECLINED,
    )

    # Money. The year before (1 April 2025): £40 invoiced for a day break. In the period (1 April 2026): cA's ISF
    # £60 for b1 (paid, then £10 refunded) and £160 for b2; cB's direct payment £30 spent; cC's micro-grant £25
    # invoiced for nothing booked.
    with posted_at(at(1, 5, year=2025)):
        line = budget_line(x.broker)
        isf = personal_fund(x.broker, carer=cA, amount=100_000, line=line)
        dp = personal_fund(x.broker, carer=cB, kind=Fund.Kind.DIRECT_PAYMENT, amount=10_000, line=line)
        grant = personal_fund(x.broker, carer=cC, kind=Fund.Kind.MICRO_GRANT, amount=10_000, line=line)
    with posted_at(at(4, 1, year=2025)):
        old = BookingFactory(
            carer=cG, session=_session(o1, at(4, 1, year=2025)), requested_at=at(3, 1, year=2025), **attended
        )
        ledger.ledger_commit(fund=isf, amount=4000, booking=old, by=x.broker)
        ledger.ledger_invoice(provider=prov1, reference="OLD-1", fund=isf, amount=4000, booking=old, by=x.broker)
    with posted_at(at(4, 1)):
        ledger.ledger_commit(fund=isf, amount=6000, booking=d.b1, by=x.broker)
        invoice = ledger.ledger_invoice(
            provider=prov1, reference="B1", fund=isf, amount=6000, booking=d.b1, by=x.broker
        )
        ledger.invoice_pay(invoice=invoice, by=x.broker)
        ledger.ledger_refund(invoice=invoice, amount=1000, by=x.broker, reason="One child did not come")
        ledger.ledger_commit(fund=isf, amount=16000, booking=d.b2, by=x.broker)
        ledger.ledger_invoice(provider=prov3, reference="B2", fund=isf, amount=16000, booking=d.b2, by=x.broker)
        direct_payments._spend_posting(fund=dp, amount=3000, by=x.broker, memo="Gym pass", idempotency_key=None)
        ledger.ledger_commit(fund=grant, amount=2500, by=x.broker)
        ledger.ledger_invoice(provider=prov2, reference="G1", fund=grant, amount=2500, by=x.broker)
    with posted_at(at(6, 2)):  # after the period
        ledger.ledger_commit(fund=isf, amount=999, by=x.broker)
        ledger.ledger_invoice(provider=prov2, reference="LATE", fund=isf, amount=999, by=x.broker)

    # Plan reviews: cA's (met, met, partly met) and cB's (not met, met) in the period; cF's before it.
    _reviewed_plan(x, cA, at(4, 30), [OutcomeResult.MET, OutcomeResult.MET, OutcomeResult.PARTLY])
    _reviewed_plan(x, cB, at(5, 31, 23), [OutcomeResult.NOT_MET, OutcomeResult.MET])
    _reviewed_plan(x, cF, at(2, 28), [OutcomeResult.MET])

    d.responses = _feedback(x, d, {"cA": cA, "cB": cB, "cC": cC, "cF": cF, "cG": cG})

    _noise(y)
    d.offers = SimpleNamespace(o1=o1, o2=o2, o3=o3, o4=o4, o5=o5)
    d.carers = SimpleNamespace(cA=cA, cB=cB, cC=cC, cD=cD, cE=cE, cF=cF, cG=cG)
    return d


FEEDBACK_V1 = [
    ("time_for_myself", Respondent.CARER, "I had time for myself"),
    ("less_isolated", Respondent.CARER, "I feel less isolated"),
    ("enjoyed", Respondent.CARED_FOR, "I enjoyed my break"),
]
FEEDBACK_V2 = [("time_for_myself", Respondent.CARER, "I had some time for myself"), *FEEDBACK_V1[1:]]


def publish_feedback_questions(staff):
    """Version 1, published before the period, and version 2 on 1 April (the first question reworded)."""
    v1 = feedback_version_publish(partnership=staff.partnership, questions=FEEDBACK_V1, by=staff.broker)
    v2 = feedback_version_publish(partnership=staff.partnership, questions=FEEDBACK_V2, by=staff.broker)
    type(v1).objects.filter(pk=v1.pk).update(published_at=at(1, 1))
    type(v2).objects.filter(pk=v2.pk).update(published_at=at(4, 1, 0))
    return v1, v2


def give_feedback(staff, booking, when, version, scores, *, person=None, needs=None):
    """A response as feedback_submit records it, dated `when`: the carer's locality and a needs level with it."""
    response = FeedbackResponse.objects.create(
        booking=booking,
        version=version,
        respondent=Respondent.CARED_FOR if person else Respondent.CARER,
        cared_for=person,
        helped_by="Their dad" if person else "",
        partnership_id=booking.carer.partnership_id,
        locality_id=booking.carer.locality_id,
        needs_level=needs if needs is not None else person.needs_level,
        submitted_by=staff.broker,
        submitted_at=when,
    )
    questions = {q.code: q for q in version.questions.all()}
    FeedbackAnswer.objects.bulk_create(
        FeedbackAnswer(response=response, question=questions[code], score=score) for code, score in scores.items()
    )
    return response


def _person(carer, level):
    return CaringRelationship.objects.get(carer=carer, cared_for__needs_level=level).cared_for


def _feedback(x, d, c):
    v1, v2 = publish_feedback_questions(x)
    C, H, M = NeedsLevel.COMPLEX, NeedsLevel.HIGH, NeedsLevel.MEDIUM

    def carer(booking, when, version, time, isolated, needs):
        scores = {"time_for_myself": time, "less_isolated": isolated}
        return give_feedback(x, booking, when, version, scores, needs=needs)

    def person(booking, who, level, when, version, enjoyed):
        return give_feedback(x, booking, when, version, {"enjoyed": enjoyed}, person=_person(c[who], level))

    return [
        carer(d.b1, at(3, 12), v1, 5, 4, C),
        carer(d.b7, at(3, 11), v1, 4, 2, C),
        carer(d.b3, at(5, 5), v2, 2, 3, C),
        carer(d.b2, at(4, 20), v2, 5, 5, C),
        carer(d.b8, at(3, 25), v1, 3, 1, H),
        carer(d.b9, at(3, 30), v1, 4, 4, M),
        person(d.b1, "cA", C, at(3, 12), v1, 5),
        person(d.b2, "cA", H, at(4, 20), v2, 4),
        person(d.b8, "cC", H, at(3, 26), v1, 2),
        person(d.b9, "cF", M, at(3, 31), v1, 5),
        # Not counted: before the period, and after it.
        carer(d.b10, at(2, 22), v1, 1, 1, NeedsLevel.LOW),
        person(d.b3, "cB", C, at(6, 1, 0, 30), v2, 1),
    ]


def _noise(y):
    """Partnership Y: one of everything in the same period, none of it X's."""
    prov = ProviderFactory(name="Prov Why")
    offer = OfferFactory(
        provider=prov, locality=y.locality, kind=OfferKind.RESIDENTIAL, price_pence=9900, price_unit=PriceUnit.NIGHT
    )
    session = _session(offer, at(4, 4), places=100)
    NightFactory(offer=offer, date=datetime.date(2026, 4, 4))
    carer = _carer(y.locality, NeedsLevel.COMPLEX)
    _closed_referral(carer, at(3, 1), needs_level=NeedsLevel.COMPLEX, crisis=True)
    booking = BookingFactory(
        carer=carer, session=session, places=3, requested_at=at(3, 3), state=Booking.State.ATTENDED
    )
    BookingFactory(
        carer=carer, session=session, requested_at=at(3, 4), state=Booking.State.DECLINED, decline_reason="Full"
    )
    WaitingListEntryFactory(carer=carer, session=session, joined_at=at(3, 5))
    with posted_at(at(4, 1)):
        fund = personal_fund(y.broker, carer=carer, amount=50_000)
        ledger.ledger_commit(fund=fund, amount=9999, booking=booking, by=y.broker)
        ledger.ledger_invoice(provider=prov, reference="Y1", fund=fund, amount=9999, booking=booking, by=y.broker)
    _reviewed_plan(y, carer, at(4, 30), [OutcomeResult.NOT_MET])
    _v1, v2 = publish_feedback_questions(y)
    give_feedback(y, booking, at(4, 5), v2, {"time_for_myself": 1, "less_isolated": 1}, needs=NeedsLevel.COMPLEX)
