"""The daily job: approved plans whose period has begun become active; plans whose review date has come become
review due, and the hub and the carer are e-mailed once."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from breakthrough.models import Role
from brokerage.models import Plan, Referral
from brokerage.plans import services
from brokerage.plans.tasks import plans_daily
from tests.brokerage.plans.factories import complete_plan
from tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(plan, x, other_assessor, budget):
    services.plan_submit(plan=plan, by=x.broker)
    return services.plan_approve(plan=plan, by=other_assessor)


def _review_today(plan):
    Plan.objects.filter(pk=plan.pk).update(review_on=timezone.localdate())


def test_the_beat_schedule_runs_the_daily_job():
    assert settings.CELERY_BEAT_SCHEDULE["plans-daily"]["task"] == plans_daily.name


def test_a_plan_becomes_active_when_its_period_begins(approved):
    Plan.objects.filter(pk=approved.pk).update(starts_on=timezone.localdate() + datetime.timedelta(days=1))
    assert plans_daily.delay().get() == {"activated": 0, "review_due": 0}
    Plan.objects.filter(pk=approved.pk).update(starts_on=timezone.localdate())
    assert plans_daily.delay().get() == {"activated": 1, "review_due": 0}
    approved.refresh_from_db()
    assert approved.state == Plan.State.ACTIVE


def test_review_due_is_marked_and_mailed_once(approved, x, mailoutbox, django_capture_on_commit_callbacks):
    _review_today(approved)
    with django_capture_on_commit_callbacks(execute=True):
        first = plans_daily.delay().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = plans_daily.delay().get()
    assert (first["review_due"], second["review_due"]) == (1, 0)
    approved.refresh_from_db()
    assert approved.state == Plan.State.REVIEW_DUE
    assert approved.review_due_at is not None
    assert {tuple(m.to) for m in mailoutbox} == {(approved.carer.user.email,), (x.broker.email,)}
    assert len(mailoutbox) == 2
    staff_mail = next(m for m in mailoutbox if m.to == [x.broker.email])
    assert f"/hub/carers/{approved.carer_id}/plans/{approved.pk}/" in staff_mail.body
    assert approved.carer.last_name not in staff_mail.body  # no personal details in the e-mail
    carer_mail = next(m for m in mailoutbox if m.to == [approved.carer.user.email])
    assert "review your support plan" in carer_mail.body


def test_a_plan_not_yet_due_or_not_approved_is_left_alone(
    plan, approved, mailoutbox, django_capture_on_commit_callbacks
):
    Plan.objects.filter(pk=approved.pk).update(review_on=timezone.localdate() + datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert plans_daily.delay().get()["review_due"] == 0
    assert mailoutbox == []


def test_the_assigned_worker_and_the_broker_who_wrote_the_plan_are_told_rather_than_every_broker(
    approved, x, other_assessor, mailoutbox, django_capture_on_commit_callbacks
):
    staff(Role.BROKER, x.hub, email="broker2@x.example")  # another broker of the hub, who has nothing to do with it
    Referral.objects.create(
        carer=approved.carer,
        partnership=x.partnership,
        source=Referral.Source.SELF,
        needs_level="high",
        happening_now="Tired",
        urgency="soon",
        state=Referral.State.ASSIGNED,
        submitted_by=approved.carer.user,
        worker=other_assessor,  # an assessor: the broker who wrote the plan with the carer is told as well
        assigned_at=timezone.now(),
    )
    _review_today(approved)
    with django_capture_on_commit_callbacks(execute=True):
        plans_daily.delay().get()
    assert {tuple(m.to) for m in mailoutbox} == {
        (approved.carer.user.email,),
        (other_assessor.email, x.broker.email),
    }


def test_with_no_worker_and_no_broker_among_the_writers_every_broker_of_the_partnership_is_told(carer_a, x, y):
    plan = complete_plan(carer_a)  # written by the carer alone
    other = staff(Role.BROKER, x.hub, email="broker2@x.example")
    assert services.review_recipients(plan) == sorted([x.broker.email, other.email])


def test_a_review_due_plan_is_listed_for_the_hub(approved, x, client_for):
    from django.urls import reverse

    _review_today(approved)
    plans_daily.delay().get()
    html = client_for(x.broker).get(reverse("brokerage:plans:hub_list") + "?show=review").content.decode()
    assert "Review due (1)" in html
    assert approved.carer.full_name in html
