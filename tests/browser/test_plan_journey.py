"""A transformation plan in a real browser: a commissioner writes a plan with a target on an audit figure (bad
input told by the field first), names a carer partner and publishes it; carers book breaks and the provider
records them attended (through the services); after the weekly recompute the target's live value has moved; the
carer partner reads the plan and comments (an empty comment first, refused by the field). Every page passes axe
at 1280 px and reflows at 320 px."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from audits import figures
from audits.models import AuditRun
from audits.services import audit_compute
from breakthrough.models import Role
from brokerage.bookings.services import booking_create, booking_record_attendance
from brokerage.models import Booking, PaymentSource, Session
from commissioning.plans.tasks import recompute_targets
from tests.audits import dataset
from tests.browser.test_booking_journey import sign_in
from tests.commissioning.plans.helpers import partner
from tests.factories import (
    BookingFactory,
    CarerFactory,
    OfferFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
    cares_for,
    staff,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MORAG = "morag@example.org"
TITLE = "Short breaks 2026 to 2027"


def _fill_date(page: Page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _carer(x, **kwargs):
    now = timezone.now()
    carer = CarerFactory(locality=x.locality, about_you_completed_at=now, people_completed_at=now, **kwargs)
    carer.person = cares_for(carer)
    return carer


@pytest.fixture
def world(x):
    """Two carers of X had an attended break in April 2026 (the audit's baseline: 2); Morag is a carer partner;
    a provider runs a club in X whose next session two carers book."""
    provider = ProviderFactory(name="Sunny Breaks")
    provider.partnerships_served.set([x.partnership])
    member = staff(Role.PROVIDER, provider, email="staff@sunny.example")
    club = OfferFactory(provider=provider, locality=x.locality, title="Games club")
    april = SessionFactory(offer=club, starts_at=dataset.at(4, 10))
    for _ in range(2):
        BookingFactory(carer=_carer(x), session=april, state=Booking.State.ATTENDED)
    run = AuditRun.objects.create(
        partnership=x.partnership,
        period_start=dataset.START,
        period_end=dataset.END,
        started_by=x.commissioner,
        steps_total=len(figures.STEPS),
    )
    assert audit_compute(run_id=run.pk) == "finished"
    user = UserFactory(email=MORAG, first_name="Morag", last_name="MacLeod")
    morag = _carer(x, user=user, first_name="Morag", last_name="MacLeod")
    partner(x.partnership, morag.user, invited_by=x.commissioner)
    return {"member": member, "club": club}


def _breaks_happen(world, carers):
    """Carers book the club's next session, it takes place, and the provider records them attended."""
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    session = SessionFactory(offer=world["club"], starts_at=starts, ends_at=starts + datetime.timedelta(hours=3))
    bookings = [
        booking_create(
            carer=carer,
            offer=world["club"],
            session=session,
            includes_carer=False,
            cared_for=[carer.person],
            payment_source=PaymentSource.FREE,
            by=carer.user,
        )
        for carer in carers
    ]
    earlier = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=4)  # the session has now happened
    Session.objects.filter(pk=session.pk).update(starts_at=earlier, ends_at=earlier + datetime.timedelta(hours=3))
    for booking in bookings:
        booking_record_attendance(booking=booking, by=world["member"], attended=True)


def test_a_plan_with_a_live_target_read_and_commented_on_by_a_carer_partner(page: Page, new_page, checkpoint, x, world):
    page.goto("/accounts/login/")
    sign_in(
        page, checkpoint, x.commissioner.email, lands_on="Partnership dashboard", totp_secret=x.commissioner.totp_secret
    )
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Transformation plans").click()
    checkpoint(page, "Transformation plans")
    page.get_by_role("link", name="Write a plan").click()
    checkpoint(page, "Write a transformation plan")
    _fill_date(page, "First day of the plan's period", datetime.date(2026, 6, 1))
    _fill_date(page, "Last day of the plan's period", datetime.date(2027, 5, 31))
    page.get_by_role("button", name="Save and continue").click()
    checkpoint(page, "Error: Write a transformation plan")
    expect(page.get_by_role("link", name="Enter the plan's title")).to_be_visible()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_role("button", name="Save and continue").click()
    checkpoint(page, f"{TITLE}, version 1")
    main = page.locator("main")

    main.get_by_role("link", name="Name carer partners on the plan").click()
    checkpoint(page, "Carer partners named on the plan")
    page.get_by_label("Morag MacLeod").check()
    page.get_by_role("button", name="Save").click()
    checkpoint(page, f"{TITLE}, version 1")
    expect(main).to_contain_text("Morag MacLeod")

    main.get_by_role("link", name="Add a target").click()
    checkpoint(page, "Add a target")
    page.get_by_label("Figure").select_option(label="Access: Carers who had a break")
    page.get_by_label("Audit the baseline comes from").select_option(label="1 March 2026 to 31 May 2026")
    page.get_by_role("button", name="Continue").click()
    checkpoint(page, "Set the target")
    page.get_by_label("The whole partnership: 2").check()
    page.get_by_label("Target value").fill("1")
    _fill_date(page, "Deadline", datetime.date(2027, 3, 31))
    page.get_by_role("button", name="Add the target").click()
    checkpoint(page, "Error: Set the target")
    expect(page.get_by_role("link", name="The target must be higher than the baseline (2)")).to_be_visible()
    page.get_by_label("Target value").fill("10")
    page.get_by_role("button", name="Add the target").click()
    checkpoint(page, f"{TITLE}, version 1")
    card = main.locator(".govuk-summary-card", has_text="Carers who had a break")
    expect(card).to_contain_text("Live value0, for 1 June 2026 to")
    expect(card).to_contain_text("Off track")
    expect(main).to_contain_text("on track when its live value is at or beyond that line")

    main.get_by_role("link", name="Add a resource commitment").click()
    checkpoint(page, "Add a resource commitment")
    page.get_by_label("What it is for").fill("Sitters for evenings")
    page.get_by_label("Money", exact=True).check()
    page.get_by_label("Money, in pounds").fill("5000")
    page.get_by_label("Spending the ledger counts against it").select_option(label="Care at home and sitters")
    page.get_by_role("button", name="Save").click()
    checkpoint(page, f"{TITLE}, version 1")
    expect(main.get_by_role("region", name="Resource commitments")).to_contain_text("£5,000")

    main.get_by_role("link", name="Publish the plan").click()
    checkpoint(page, "Publish the plan")
    page.get_by_role("button", name="Publish the plan").click()
    checkpoint(page, f"{TITLE}, version 1")
    expect(main).to_contain_text("This version is published and cannot change")

    # Carers book breaks; the weekly task recomputes; the live value has moved from 0 to 3.
    _breaks_happen(world, [_carer(x) for _ in range(3)])
    assert recompute_targets.delay().get() == 1
    page.reload()
    checkpoint(page, f"{TITLE}, version 1")
    expect(card).to_contain_text("Live value3, for 1 June 2026 to")
    expect(card).to_contain_text("Since the baseline+1 (Better)")

    # The carer partner reads the plan and comments.
    carer = new_page()
    carer.goto("/accounts/login/")
    sign_in(carer, checkpoint, MORAG, lands_on="Your short breaks account")
    carer.goto("/partner/plans/")
    checkpoint(carer, "Plans you are a partner on")
    carer.get_by_role("link", name=TITLE).click()
    checkpoint(carer, f"{TITLE}, version 1")
    expect(carer.locator("main")).to_contain_text("Live value3")
    carer.get_by_role("link", name="Comment on the plan").click()
    checkpoint(carer, "Comment on the plan")
    carer.get_by_role("button", name="Add the comment").click()
    checkpoint(carer, "Error: Comment on the plan")
    expect(carer.get_by_role("link", name="Enter your comment")).to_be_visible()
    carer.get_by_label("Your comment").fill("Evening sitters would let me keep my job")
    carer.get_by_role("button", name="Add the comment").click()
    checkpoint(carer, f"{TITLE}, version 1")
    expect(carer.locator("#comments ~ .govuk-inset-text")).to_contain_text("Morag MacLeod (carer partner)")

    page.reload()
    checkpoint(page, f"{TITLE}, version 1")
    expect(main).to_contain_text("Evening sitters would let me keep my job")
