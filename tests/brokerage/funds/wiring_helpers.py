"""Helpers for the wiring tests: an approved plan with supports of each SDS option, a paid offer, a booking."""

import datetime

from django.utils import timezone

from brokerage.bookings import services as booking_services
from brokerage.models import BookingMode, BreakFor, PaymentSource, PriceUnit, SdsOption, Session
from brokerage.plans import services as plan_services
from tests.brokerage.plans.factories import add_support, approve_budget, complete_plan
from tests.factories import OfferFactory, SessionFactory


def approved_plan(carer, x, *, isf=(10, 4500), dp=None, council=None, by=None):
    """Carer's plan approved by x.assessor: `isf` (times, unit) under option 2, plus optional option 1 and 3."""
    plan = complete_plan(carer, cost=isf)
    plan.supports.update(sds_option=SdsOption.ISF)
    if dp:
        add_support(plan, times=dp[0], unit=dp[1], sds=SdsOption.DIRECT_PAYMENT)
    if council:
        add_support(plan, times=council[0], unit=council[1], sds=SdsOption.COUNCIL)
    approve_budget(carer, 10_000_000, by=x.assessor)
    plan_services.plan_submit(plan=plan, by=carer.user)
    return plan_services.plan_approve(plan=plan, by=by or x.assessor)


def live_plan(carer, x, *, isf=(10, 4500), offer=None, offer_cost=(6, 2500), offer_sds=SdsOption.ISF):
    """An active plan (approved by x.assessor, its period begun): a creative break (`isf`: times, unit) under option
    2 and, with `offer`, a directory break of that offer (`offer_cost`) under `offer_sds`. Its ISF holds both."""
    from brokerage.models import Plan

    plan = complete_plan(carer, cost=isf)
    plan.supports.update(sds_option=SdsOption.ISF)
    if offer is not None:
        add_support(plan, times=offer_cost[0], unit=offer_cost[1], offer=offer, sds=offer_sds)
    approve_budget(carer, 10_000_000, by=x.assessor)
    plan_services.plan_submit(plan=plan, by=carer.user)
    plan = plan_services.plan_approve(plan=plan, by=x.assessor)
    Plan.objects.filter(pk=plan.pk).update(state=Plan.State.ACTIVE)  # as plans_daily does once the period begins
    plan.refresh_from_db()
    return plan


def new_version(plan, x, *, isf_total: int):
    """A new version of an approved plan whose one ISF support costs `isf_total` pence, approved."""
    new = plan_services.plan_new_version(plan=plan, by=x.broker)
    support = new.supports.get(sds_option=SdsOption.ISF)
    support.times, support.unit_cost_pence, support.total_pence = 1, isf_total, isf_total
    support.save()
    plan_services.plan_submit(plan=new, by=x.broker)
    from breakthrough.models import Role
    from tests.factories import staff

    other = staff(Role.ASSESSOR, x.hub, email=f"assessor{new.number}@x.example")
    return plan_services.plan_approve(plan=new, by=other)


def paid_session(*, price=2500, mode=BookingMode.INSTANT, places=8, provider=None, days=7, **offer):
    extra = {"provider": provider} if provider is not None else {}
    offer.setdefault("break_for", BreakFor.CARED_FOR)
    offer = OfferFactory(price_pence=price, price_unit=PriceUnit.PLACE, booking_mode=mode, **extra, **offer)
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
    return SessionFactory(offer=offer, places=places, starts_at=starts, ends_at=starts + datetime.timedelta(hours=3))


def book_from_fund(carer, session, *, by=None):
    return booking_services.booking_create(
        carer=carer,
        offer=session.offer,
        session=session,
        includes_carer=False,
        cared_for=[carer.person],
        payment_source=PaymentSource.FUND,
        by=by or carer.user,
    )


def attended(booking, provider_user):
    """Move the session into the past and record attendance."""
    from brokerage.models import Session

    Session.objects.filter(pk=booking.session_id).update(
        starts_at=timezone.now() - datetime.timedelta(hours=4), ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    booking.refresh_from_db()
    return booking_services.booking_record_attendance(booking=booking, by=provider_user, attended=True)


def on_day(booking, *, days_ago: int):
    """Move the booking's session to noon (UK) `days_ago` days ago; for today, to four hours ago, but never before
    today's (UK) midnight, so that the break's day is today whatever the time the test runs."""
    if days_ago:
        day = timezone.localdate() - datetime.timedelta(days=days_ago)
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    else:
        midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
        starts = max(timezone.now() - datetime.timedelta(hours=4), midnight)
    Session.objects.filter(pk=booking.session_id).update(starts_at=starts, ends_at=starts + datetime.timedelta(hours=3))
    booking.refresh_from_db()
    return booking


def party(carer, places: int, *, includes_carer: bool = False):
    """Who goes from `carer`'s household on a pooled booking: `places` people in all (the carer, if included, and
    people they care for, added to the household as needed), for a break the rules let them take."""
    from brokerage.bookings.rules import Party
    from brokerage.models import CaredForPerson
    from tests.factories import cares_for

    wanted = places - (1 if includes_carer else 0)
    people = list(CaredForPerson.objects.filter(relationships__carer=carer).order_by("pk")[:wanted])
    while len(people) < wanted:
        people.append(cares_for(carer))
    return Party(carer=carer, includes_carer=includes_carer, cared_for=tuple(people))
