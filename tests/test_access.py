"""The access rule, walked over every page the project serves.

Every URL the project's own apps define is listed in PAGES with who may open it. A new page that is
not listed fails `test_every_page_is_in_the_access_table`, so nothing joins the platform unchecked.
"""

import pytest
from django.http import Http404
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from breakthrough.access import get_visible_or_404, visible
from breakthrough.models import AuditEvent, Invitation, Role
from brokerage.models import CaredForPerson, Carer
from tests import factories as provider_factories
from tests.factories import staff

pytestmark = pytest.mark.django_db

PUBLIC = "public"
# Every carer persona: the two households, and a carer partner of X whom no audit names.
_ANY_CARER = {"carer_a", "carer_b", "partner_bx"}
# Brokers and assessors of either partnership, and admin: the RAS pages that list their own partnership's records.
RAS_READERS = {"broker_x", "assessor_x", "broker_y", "assessor_y", "admin"}


def _provider_offer(w, **kwargs):
    return provider_factories.OfferFactory(provider=w.personas["provider"].organisation, **kwargs)


def _provider_session(w):
    return provider_factories.SessionFactory(offer=_provider_offer(w))


def _provider_document(w, upload=False):
    from django.core.files.base import ContentFile

    extra = {"file": ContentFile(b"%PDF-1.4 access test", name="access-test.pdf")} if upload else {}
    return provider_factories.ComplianceDocumentFactory(organisation=w.personas["provider"].organisation, **extra)


def _bk():
    """The booking pages' kwargs builders (tests/brokerage/bookings/pages.py)."""
    from tests.brokerage.bookings import pages

    return pages


def _ref():
    """The referral pages' kwargs builders (tests/brokerage/referrals/pages.py)."""
    from tests.brokerage.referrals import pages

    return pages


def _ras():
    """The RAS pages' kwargs builders (tests/ras/pages.py)."""
    from tests.ras import pages

    return pages


def _plans():
    """The support plan pages' kwargs builders (tests/brokerage/plans/pages.py)."""
    from tests.brokerage.plans import pages

    return pages


def _money():
    """The carer's money pages' kwargs builders (tests/brokerage/funds/money_pages.py)."""
    from tests.brokerage.funds import money_pages

    return money_pages


_HUB_X = {"broker_x", "assessor_x", "admin"}


def _audit(w, state="finished", **kwargs):
    """An audit run of partnership X (finished, with one figure, unless told)."""
    from django.utils import timezone

    from audits.models import AuditFigure, AuditRun

    x = w.personas["commissioner_x"]
    fields = {"definitions_version": "test", "finished_at": timezone.now()} if state == "finished" else {}
    if state == "failed":
        fields = {"error": "ZeroDivisionError: test", "failed_step": "access"}
    run = AuditRun.objects.create(
        partnership_id=x.partnership_id,
        period_start="2026-03-01",
        period_end="2026-05-31",
        state=state,
        started_by=x,
        steps_total=6,
        **fields,
        **kwargs,
    )
    AuditFigure.objects.create(
        run=run,
        step="demand",
        position=0,
        code="demand.referrals",
        label="Referrals",
        definition="Counted",
        unit="count",
        version=1,
        total=3,
        rows=[{"by": {"locality": "X North"}, "value": 3}],
        breakdown=["locality"],
    )
    return run


_COMMISSIONER_X = {"commissioner_x"}
# A finished audit of X names carer A as a current carer partner: they read it; the partner of X it does not name
# (partner_bx), carer B in Y, and every other persona get 404.
_READERS_X = {"commissioner_x", "carer_a"}


def _partner(w, carer, *, agreed=True):
    """The carer's partner row with X (agreed unless told)."""
    from django.utils import timezone

    from breakthrough.models import CarerPartner

    x = w.personas["commissioner_x"]
    fields = {"agreement": "I agree", "agreed_at": timezone.now()} if agreed else {}
    partner, _ = CarerPartner.objects.update_or_create(
        partnership_id=x.partnership_id, user=carer.user, defaults={"invited_by": x, **fields}
    )
    return partner


def _named_audit(w, **kwargs):
    """A finished audit of X that names carer A as a carer partner."""
    run = _audit(w, **kwargs)
    run.carer_partners.add(_partner(w, w.carer_a))
    return run


def _funds():
    """The hub's fund pages' and provider invoices' kwargs builders (tests/brokerage/funds/pages.py)."""
    from tests.brokerage.funds import pages

    return pages


_HUB_ALL = {"broker_x", "assessor_x", "broker_y", "assessor_y", "admin"}


def _feedback():
    """The feedback pages' kwargs builders (tests/brokerage/feedback/helpers.py)."""
    from tests.brokerage.feedback import helpers

    return helpers


_ANSWERING_X = {"carer_a", "broker_x", "assessor_x"}


def _statement():
    """The Short Breaks Services Statement's kwargs builders (tests/commissioning/statement/helpers.py)."""
    from tests.commissioning.statement import helpers

    return helpers


_COMMISSIONERS = {"commissioner_x", "commissioner_y"}


def _grants():
    """The micro-grant and direct-payment pages' kwargs builders (tests/brokerage/funds/grant_pages.py)."""
    from tests.brokerage.funds import grant_pages

    return grant_pages


def _tp():
    """The transformation plan pages' kwargs builders (tests/commissioning/plans/helpers.py)."""
    from tests.commissioning.plans import helpers

    return helpers


# Transformation plans: the partnership's commissioners; carer A is a current carer partner named on the plan.
_PLAN_READERS = {"commissioner_x", "carer_a"}


def _feed_id(kind: str) -> str:
    """The Open Referral feed's id of a new published offer, as a service or as a service at its location."""
    from commissioning.openreferral import ids

    return ids.of(kind, provider_factories.OfferFactory().pk)


def _feed_taxonomy():
    from commissioning.openreferral import taxonomies

    return taxonomies.KIND


# url name -> (kwargs builder, personas that get 200; everyone else signed in gets 404, anonymous is sent to sign in)
PAGES = {
    "home": (lambda w: {}, PUBLIC),
    "accessibility": (lambda w: {}, PUBLIC),
    "privacy": (lambda w: {}, PUBLIC),
    "healthz": (lambda w: {}, PUBLIC),
    "invitation_accept": (lambda w: {"token": "no-such-token"}, "invitation"),
    "platform_home": (lambda w: {}, {"admin"}),
    "invitation_create": (lambda w: {}, {"admin"}),
    "brokerage:carer_home": (lambda w: {}, _ANY_CARER),
    "brokerage:about_you_check": (lambda w: {}, _ANY_CARER),
    "brokerage:about_you_step": (lambda w: {"step": "name"}, _ANY_CARER),
    "brokerage:people_list": (lambda w: {}, _ANY_CARER),
    "brokerage:person_add": (lambda w: {}, _ANY_CARER),
    "brokerage:person_check": (lambda w: {"pk": w.carer_a.person.pk}, {"carer_a"}),
    "brokerage:person_remove": (lambda w: {"pk": w.carer_a.person.pk}, {"carer_a"}),
    "brokerage:person_step": (lambda w: {"pk": w.carer_a.person.pk, "step": "needs"}, {"carer_a"}),
    "brokerage:caseload": (lambda w: {}, {"broker_x", "assessor_x", "broker_y", "assessor_y", "admin"}),
    "brokerage:carer_detail": (lambda w: {"pk": w.carer_a.pk}, {"broker_x", "assessor_x", "admin"}),
    "brokerage:provider_home": (lambda w: {}, {"provider"}),
    "brokerage:providers:profile": (lambda w: {}, {"provider"}),
    "brokerage:providers:profile_edit": (lambda w: {}, {"provider"}),
    "brokerage:providers:offer_list": (lambda w: {}, {"provider"}),
    "brokerage:providers:offer_create": (lambda w: {}, {"provider"}),
    "brokerage:providers:offer_detail": (lambda w: {"pk": _provider_offer(w).pk}, {"provider"}),
    "brokerage:providers:offer_edit": (lambda w: {"pk": _provider_offer(w).pk}, {"provider"}),
    "brokerage:providers:offer_publish": (lambda w: {"pk": _provider_offer(w).pk}, {"provider"}),
    "brokerage:providers:session_add": (lambda w: {"pk": _provider_offer(w).pk}, {"provider"}),
    "brokerage:providers:schedule_add": (lambda w: {"pk": _provider_offer(w).pk}, {"provider"}),
    "brokerage:providers:nights_open": (lambda w: {"pk": _provider_offer(w, kind="property").pk}, {"provider"}),
    "brokerage:providers:nights_close": (
        lambda w: __import__("tests.brokerage.providers.pages", fromlist=["pages"]).property_kwargs(w),
        {"provider"},
    ),
    "brokerage:providers:stay_attendance": (
        lambda w: __import__("tests.brokerage.providers.pages", fromlist=["pages"]).property_kwargs(w),
        {"provider"},
    ),
    "brokerage:providers:schedule_end": (
        lambda w: __import__("tests.brokerage.providers.pages", fromlist=["pages"]).schedule_kwargs(w),
        {"provider"},
    ),
    "brokerage:providers:schedule_places": (
        lambda w: __import__("tests.brokerage.providers.pages", fromlist=["pages"]).schedule_kwargs(w),
        {"provider"},
    ),
    "brokerage:providers:session_places": (lambda w: {"pk": _provider_session(w).pk}, {"provider"}),
    "brokerage:providers:session_cancel": (lambda w: {"pk": _provider_session(w).pk}, {"provider"}),
    "brokerage:providers:booking_list": (lambda w: {}, {"provider"}),
    "brokerage:providers:booking_detail": (
        lambda w: __import__("tests.brokerage.providers.pages", fromlist=["pages"]).booking_kwargs(w),
        {"provider"},
    ),
    "brokerage:providers:session_attendance": (
        lambda w: __import__("tests.brokerage.providers.pages", fromlist=["pages"]).session_kwargs(w),
        {"provider"},
    ),
    "brokerage:providers:compliance_list": (lambda w: {}, {"provider"}),
    "brokerage:providers:compliance_add": (lambda w: {}, {"provider"}),
    "brokerage:providers:compliance_replace": (lambda w: {"pk": _provider_document(w).pk}, {"provider"}),
    "brokerage:providers:compliance_download": (
        lambda w: {"pk": _provider_document(w, upload=True).pk},
        {"provider", "admin"},
    ),
    "brokerage:volunteer_home": (lambda w: {}, {"volunteer"}),
    "brokerage:directory:search": (lambda w: {}, PUBLIC),
    "brokerage:directory:offer": (lambda w: {"pk": provider_factories.OfferFactory().pk}, PUBLIC),
    "brokerage:directory:calendar": (lambda w: {}, PUBLIC),
    # The Open Referral feed: public, no key (commissioning/openreferral).
    "openreferral:index": (lambda w: {}, PUBLIC),
    "openreferral:openapi": (lambda w: {}, PUBLIC),
    "openreferral:services": (lambda w: {}, PUBLIC),
    "openreferral:service": (lambda w: {"identifier": _feed_id("service")}, PUBLIC),
    "openreferral:service_at_locations": (lambda w: {}, PUBLIC),
    "openreferral:service_at_location": (lambda w: {"identifier": _feed_id("service_at_location")}, PUBLIC),
    "openreferral:taxonomies": (lambda w: {}, PUBLIC),
    "openreferral:taxonomy": (lambda w: {"identifier": _feed_taxonomy().id}, PUBLIC),
    "openreferral:taxonomy_terms": (lambda w: {}, PUBLIC),
    "openreferral:taxonomy_term": (lambda w: {"identifier": _feed_taxonomy().terms[0].id}, PUBLIC),
    "commissioning:home": (lambda w: {}, {"commissioner_x", "commissioner_y"}),
    "commissioning:dashboard_csv": (lambda w: {"figure": "carers-by-area"}, {"commissioner_x", "commissioner_y"}),
    "commissioning:national": (lambda w: {}, {"national", "admin"}),
    "commissioning:outcomes": (lambda w: {}, {"commissioner_x", "commissioner_y"}),
    "commissioning:national_outcomes": (lambda w: {}, {"national", "admin"}),
    "commissioning:national_csv": (lambda w: {"figure": "carers"}, {"national", "admin"}),
    "commissioning:plans:list": (lambda w: {}, {"commissioner_x", "commissioner_y"}),
    "commissioning:plans:new": (lambda w: {}, {"commissioner_x", "commissioner_y"}),
    "commissioning:plans:detail": (lambda w: _tp().read_kwargs(w), _PLAN_READERS),
    "commissioning:plans:history": (lambda w: _tp().read_kwargs(w), _PLAN_READERS),
    "commissioning:plans:comment": (lambda w: _tp().read_kwargs(w), _PLAN_READERS),
    "commissioning:plans:new_version": (lambda w: _tp().read_kwargs(w), _COMMISSIONER_X),
    "commissioning:plans:edit": (lambda w: _tp().draft_kwargs(w), _COMMISSIONER_X),
    "commissioning:plans:partners": (lambda w: _tp().draft_kwargs(w), _COMMISSIONER_X),
    "commissioning:plans:publish": (lambda w: _tp().draft_kwargs(w), _COMMISSIONER_X),
    "commissioning:plans:target_new": (lambda w: _tp().draft_kwargs(w), _COMMISSIONER_X),
    "commissioning:plans:target_set": (lambda w: _tp().target_set_kwargs(w), _COMMISSIONER_X),
    "commissioning:plans:part_new": (lambda w: _tp().part_new_kwargs(w), _COMMISSIONER_X),
    "commissioning:plans:part_remove": (lambda w: _tp().part_remove_kwargs(w), _COMMISSIONER_X),
    "commissioning:plans:partner_list": (lambda w: _tp().partner_list_kwargs(w), {"carer_a"}),
    # The statement: published versions are public; the draft, its sections and publishing are each commissioner's
    # own partnership's (the URLs name no partnership: a commissioner reaches only their own draft).
    "commissioning:statements": (lambda w: {}, PUBLIC),
    "commissioning:statement": (lambda w: _statement().statement_kwargs(w), PUBLIC),
    "commissioning:statement_versions": (lambda w: _statement().statement_kwargs(w), PUBLIC),
    "commissioning:statement_version": (lambda w: _statement().version_kwargs(w), PUBLIC),
    "commissioning:statement_pdf": (lambda w: _statement().version_kwargs(w), PUBLIC),
    "commissioning:statement_manage": (lambda w: {}, _COMMISSIONERS),
    "commissioning:statement_preview": (lambda w: {}, _COMMISSIONERS),
    "commissioning:statement_publish": (lambda w: {}, _COMMISSIONERS),
    "commissioning:statement_edit": (lambda w: {"section": "contacts"}, _COMMISSIONERS),
    "audits:list": (lambda w: {}, {"commissioner_x", "commissioner_y"}),
    "audits:new": (lambda w: {}, {"commissioner_x", "commissioner_y"}),
    "audits:run": (lambda w: {"pk": _named_audit(w).pk}, _READERS_X),
    "audits:status": (lambda w: {"pk": _named_audit(w, state="running").pk}, _COMMISSIONER_X),
    "audits:retry": (lambda w: {"pk": _named_audit(w, state="failed").pk}, _COMMISSIONER_X),
    "audits:findings": (lambda w: {"pk": _named_audit(w).pk}, _COMMISSIONER_X),
    "audits:carer_view_new": (lambda w: {"pk": _named_audit(w).pk}, _COMMISSIONER_X),
    "audits:compare": (lambda w: {"pk": _named_audit(w).pk, "other_pk": _named_audit(w).pk}, _READERS_X),
    "audits:pdf": (lambda w: {"pk": _named_audit(w).pk}, _READERS_X),
    "audits:xlsx": (lambda w: {"pk": _named_audit(w).pk}, _READERS_X),
    "audits:csv": (lambda w: {"pk": _named_audit(w).pk, "code": "demand.referrals"}, _READERS_X),
    "audits:partners": (lambda w: {"pk": _named_audit(w).pk}, _COMMISSIONER_X),
    "audits:minimum_entitlement": (lambda w: {}, {"commissioner_x", "commissioner_y"}),
    "commissioning:partners": (lambda w: {}, {"commissioner_x", "commissioner_y"}),
    "commissioning:partner_invite": (lambda w: {}, {"commissioner_x", "commissioner_y"}),
    "commissioning:partner_end": (lambda w: {"pk": _partner(w, w.carer_a).pk}, {"commissioner_x"}),
    "partner_agree": (lambda w: {"pk": _partner(w, w.carer_a, agreed=False).pk}, {"carer_a"}),
    "partner_withdraw": (lambda w: {"pk": _partner(w, w.carer_a).pk}, {"carer_a"}),
    "brokerage:bookings:book_session": (lambda w: _bk().session_kwargs(w), _ANY_CARER),
    "brokerage:bookings:book_nights": (lambda w: _bk().nights_kwargs(w), _ANY_CARER),
    "brokerage:bookings:stay": (lambda w: _bk().nights_kwargs(w), _ANY_CARER),
    "brokerage:bookings:staff_stay": (
        lambda w: _bk().staff_nights_kwargs(w),
        {"broker_x", "assessor_x", "admin"},
    ),
    "brokerage:bookings:staff_book_session": (
        lambda w: _bk().staff_session_kwargs(w),
        {"broker_x", "assessor_x", "admin"},
    ),
    "brokerage:bookings:staff_book_nights": (
        lambda w: _bk().staff_nights_kwargs(w),
        {"broker_x", "assessor_x", "admin"},
    ),
    "brokerage:bookings:breaks": (lambda w: {}, _ANY_CARER),
    "brokerage:bookings:calendar_renew": (lambda w: {}, _ANY_CARER),
    "brokerage:bookings:booking_detail": (
        lambda w: _bk().booking_kwargs(w),
        {"carer_a", "broker_x", "assessor_x", "admin"},
    ),
    "brokerage:bookings:booking_cancel": (
        lambda w: _bk().booking_kwargs(w),
        {"carer_a", "broker_x", "assessor_x", "admin"},
    ),
    "brokerage:bookings:waiting_accept": (
        lambda w: _bk().waiting_kwargs(w),
        {"carer_a", "broker_x", "assessor_x", "admin"},
    ),
    "brokerage:bookings:waiting_decline": (
        lambda w: _bk().waiting_kwargs(w),
        {"carer_a", "broker_x", "assessor_x", "admin"},
    ),
    "brokerage:bookings:calendar": (lambda w: _bk().calendar_kwargs(w), PUBLIC),
    "brokerage:feedback:give": (lambda w: _feedback().access_booking_kwargs(w), _ANSWERING_X),
    "brokerage:feedback:give_for": (lambda w: _feedback().access_person_kwargs(w), _ANSWERING_X),
    "brokerage:feedback:thanks": (lambda w: _feedback().access_booking_kwargs(w), _ANSWERING_X),
    "brokerage:providers:feedback_list": (lambda w: {}, {"provider"}),
    "brokerage:providers:offer_feedback": (lambda w: _feedback().access_offer_kwargs(w), {"provider"}),
    "brokerage:referrals:your_referrals": (lambda w: {}, _ANY_CARER),
    "brokerage:referrals:refer": (lambda w: {}, _ANY_CARER),
    "brokerage:referrals:your_referral": (lambda w: _ref().referral_kwargs(w), {"carer_a"}),
    "brokerage:referrals:queue": (lambda w: {}, {"broker_x", "assessor_x", "broker_y", "assessor_y", "admin"}),
    "brokerage:referrals:new_carer": (lambda w: {}, {"broker_x", "assessor_x", "broker_y", "assessor_y", "admin"}),
    "brokerage:referrals:detail": (lambda w: _ref().referral_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "brokerage:referrals:triage": (lambda w: _ref().referral_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "brokerage:referrals:assign": (lambda w: _ref().referral_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "brokerage:referrals:note_add": (lambda w: _ref().referral_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "brokerage:referrals:close": (lambda w: _ref().referral_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "brokerage:referrals:redirect": (lambda w: _ref().referral_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "brokerage:referrals:record": (lambda w: _ref().carer_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "brokerage:referrals:criteria": (lambda w: _ref().partnership_kwargs(w), {"broker_x", "admin"}),
    "ras:assessment_list": (lambda w: {}, RAS_READERS),
    "ras:assessment_start": (lambda w: _ras().carer_kwargs(w), {"assessor_x", "admin"}),
    "ras:assessment_detail": (lambda w: _ras().draft_assessment_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "ras:assessment_domain": (lambda w: _ras().domain_kwargs(w), {"assessor_x", "admin"}),
    "ras:assessment_check": (lambda w: _ras().draft_assessment_kwargs(w), {"assessor_x", "admin"}),
    "ras:panel_decide": (lambda w: _ras().completed_assessment_kwargs(w), {"assessor_x", "admin"}),
    "ras:panel": (lambda w: {}, RAS_READERS),
    "ras:virtual_budget": (lambda w: {}, RAS_READERS),
    "ras:virtual_budget_version": (lambda w: _ras().version_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "ras:scale_list": (lambda w: {}, RAS_READERS),
    "ras:scale_create": (lambda w: {}, {"assessor_x", "assessor_y", "admin"}),
    "ras:scale_detail": (lambda w: _ras().scale_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "ras:scale_edit": (lambda w: _ras().scale_kwargs(w), {"assessor_x", "admin"}),
    "ras:scale_recalibration": (lambda w: _ras().scale_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "ras:scale_publish": (lambda w: _ras().scale_kwargs(w), {"assessor_x", "admin"}),
    "ras:questionnaire_list": (lambda w: {}, RAS_READERS),
    "ras:questionnaire_create": (lambda w: {}, {"assessor_x", "assessor_y", "admin"}),
    "ras:questionnaire_new_version": (lambda w: _ras().questionnaire_kwargs(w), {"assessor_x", "admin"}),
    "ras:questionnaire_version": (lambda w: _ras().version_kwargs(w), {"broker_x", "assessor_x", "admin"}),
    "ras:questionnaire_publish": (lambda w: _ras().version_kwargs(w), {"assessor_x", "admin"}),
    "ras:carer_budget": (lambda w: {}, _ANY_CARER),
    "brokerage:plans:carer_versions": (lambda w: {}, _ANY_CARER),
    "brokerage:plans:carer_plan": (lambda w: _plans().carer_plan(w), {"carer_a"}),
    "brokerage:plans:carer_details": (lambda w: _plans().carer_plan(w), {"carer_a"}),
    "brokerage:plans:carer_budget": (lambda w: _plans().carer_plan(w), {"carer_a"}),
    "brokerage:plans:carer_submit": (lambda w: _plans().carer_plan(w), {"carer_a"}),
    "brokerage:plans:carer_new_version": (lambda w: _plans().carer_plan(w), {"carer_a"}),
    "brokerage:plans:carer_pdf": (lambda w: _plans().carer_pdf(w), {"carer_a"}),
    "brokerage:plans:carer_section": (lambda w: _plans().carer_section(w), {"carer_a"}),
    "brokerage:plans:carer_item_add": (lambda w: _plans().carer_section(w), {"carer_a"}),
    "brokerage:plans:carer_item_edit": (lambda w: _plans().carer_item(w), {"carer_a"}),
    "brokerage:plans:carer_item_remove": (lambda w: _plans().carer_item(w), {"carer_a"}),
    "brokerage:plans:hub_list": (lambda w: {}, {"broker_x", "assessor_x", "broker_y", "assessor_y", "admin"}),
    "brokerage:plans:staff_versions": (lambda w: _plans().staff_carer(w), _HUB_X),
    "brokerage:plans:staff_plan": (lambda w: _plans().staff_plan(w), _HUB_X),
    "brokerage:plans:staff_details": (lambda w: _plans().staff_plan(w), _HUB_X),
    "brokerage:plans:staff_budget": (lambda w: _plans().staff_plan(w), _HUB_X),
    "brokerage:plans:staff_submit": (lambda w: _plans().staff_plan(w), _HUB_X),
    "brokerage:plans:staff_new_version": (lambda w: _plans().staff_plan(w), _HUB_X),
    "brokerage:plans:staff_pdf": (lambda w: _plans().staff_pdf(w), _HUB_X),
    "brokerage:plans:staff_pdf_retry": (lambda w: _plans().staff_plan(w), _HUB_X),
    "brokerage:plans:staff_section": (lambda w: _plans().staff_section(w), _HUB_X),
    "brokerage:plans:staff_item_add": (lambda w: _plans().staff_section(w), _HUB_X),
    "brokerage:plans:staff_item_edit": (lambda w: _plans().staff_item(w), _HUB_X),
    "brokerage:plans:staff_item_remove": (lambda w: _plans().staff_item(w), _HUB_X),
    "brokerage:plans:staff_decide": (lambda w: _plans().staff_submitted(w), {"assessor_x"}),
    "brokerage:plans:staff_review": (lambda w: _plans().staff_approved(w), _HUB_X),
    "brokerage:funds:fund_list": (lambda w: {}, _HUB_ALL),
    "brokerage:funds:fund_detail": (lambda w: _funds().fund_kwargs(w), _HUB_X),
    "brokerage:funds:invoices": (lambda w: {}, _HUB_ALL),
    "brokerage:funds:invoice_detail": (lambda w: _funds().invoice_kwargs(w), _HUB_X),
    "brokerage:funds:payment_terms": (lambda w: {}, {"broker_x", "assessor_x", "broker_y", "assessor_y"}),
    "brokerage:funds:payment_terms_edit": (
        lambda w: _funds().provider_kwargs(w),
        {"broker_x", "assessor_x", "broker_y", "assessor_y"},
    ),
    "brokerage:funds:pooled_sessions": (lambda w: {}, _HUB_ALL),
    "brokerage:funds:pooled_book": (lambda w: _funds().session_kwargs(w), _HUB_ALL),
    "brokerage:funds:provider_invoices": (lambda w: {}, {"provider"}),
    "brokerage:funds:provider_invoice_new": (lambda w: _funds().booking_kwargs(w), {"provider"}),
    "brokerage:funds:provider_support_invoice_new": (lambda w: _funds().provider_support_kwargs(w), {"provider"}),
    "brokerage:funds:hub_support_invoice_new": (lambda w: _funds().hub_support_kwargs(w), _HUB_X),
    # Refunds and the two-person rule (brokerage/funds/approval_views.py): who may pay an invoice may refund it,
    # ask for an adjustment or an overdraft, and decide one someone else asked for.
    "brokerage:funds:invoice_refund": (lambda w: _funds().paid_invoice_kwargs(w), _HUB_X),
    "brokerage:funds:fund_adjust": (lambda w: _funds().fund_kwargs(w), _HUB_X),
    "brokerage:funds:fund_overdraft": (lambda w: _funds().fund_kwargs(w), _HUB_X),
    "brokerage:funds:approvals": (lambda w: {}, _HUB_ALL),
    "brokerage:funds:adjustment_detail": (lambda w: _funds().adjustment_kwargs(w), _HUB_X),
    "brokerage:funds:overdraft_detail": (lambda w: _funds().overdraft_kwargs(w), _HUB_X),
    # The carer's money, statements and the hub's finance exports (brokerage/funds/carer_urls.py).
    "brokerage:funds_carer:money": (lambda w: {}, _ANY_CARER),
    "brokerage:funds_carer:carer_statement": (lambda w: _money().carer_a_fund(w), {"carer_a"}),
    "brokerage:funds_carer:carer_statement_pdf": (lambda w: _money().carer_a_fund(w), {"carer_a"}),
    "brokerage:funds_carer:carer_statement_csv": (lambda w: _money().carer_a_fund(w), {"carer_a"}),
    "brokerage:funds_carer:staff_statement": (lambda w: _money().carer_a_fund(w), _HUB_X),
    "brokerage:funds_carer:staff_statement_pdf": (lambda w: _money().carer_a_fund(w), _HUB_X),
    "brokerage:funds_carer:staff_statement_csv": (lambda w: _money().carer_a_fund(w), _HUB_X),
    "brokerage:funds_carer:finance_exports": (lambda w: {}, {"broker_x", "broker_y", "admin"}),
    "brokerage:grants:carer_list": (lambda w: {}, _ANY_CARER),
    "brokerage:grants:carer_apply": (lambda w: {}, _ANY_CARER),
    "brokerage:grants:carer_detail": (lambda w: _grants().application(w), {"carer_a"}),
    "brokerage:grants:panel": (lambda w: {}, {"broker_x", "assessor_x", "broker_y", "assessor_y", "admin"}),
    "brokerage:grants:scheme_edit": (lambda w: {}, {"broker_x", "assessor_x", "broker_y", "assessor_y"}),
    "brokerage:grants:meeting_add": (lambda w: {}, {"broker_x", "assessor_x", "broker_y", "assessor_y"}),
    "brokerage:grants:meeting_detail": (lambda w: _grants().meeting(w), _HUB_X),
    "brokerage:grants:application_decide": (lambda w: _grants().application(w), _HUB_X),
    "brokerage:grants:dp_carer": (lambda w: {}, _ANY_CARER),
    "brokerage:grants:dp_spend_add": (lambda w: _grants().fund(w), {"carer_a", *_HUB_X}),
    "brokerage:grants:dp_receipt": (lambda w: _grants().receipt(w), {"carer_a", *_HUB_X}),
    "brokerage:grants:dp_hub_list": (lambda w: {}, {"broker_x", "assessor_x", "broker_y", "assessor_y", "admin"}),
    "brokerage:grants:dp_hub_fund": (lambda w: _grants().fund(w), _HUB_X),
    "brokerage:grants:dp_period_end": (lambda w: {}, {"broker_x", "assessor_x", "broker_y", "assessor_y", "admin"}),
    "brokerage:grants:dp_period_end_rule": (lambda w: {}, {"broker_x", "assessor_x", "broker_y", "assessor_y"}),
    "brokerage:grants:dp_period_end_settle": (lambda w: _grants().fund(w), _HUB_X),
}


def _project_url_names():
    """Named URLs from the project's own URLconfs (not allauth's or the Django admin's)."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                module = getattr(pattern.urlconf_module, "__name__", "")
                if module.startswith(("breakthrough", "brokerage", "commissioning", "audits", "ras")):
                    inner = ":".join(filter(None, [namespace, pattern.namespace]))
                    walk(pattern.url_patterns, inner or None)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_page_is_in_the_access_table():
    assert _project_url_names() == set(PAGES)


@pytest.fixture
def world(x, y, carer_a, carer_b, carer_b_in_x, provider_user, admin_user, national_user, outsider):
    class World:
        pass

    w = World()
    w.carer_a, w.carer_b = carer_a, carer_b
    w.personas = {
        "carer_a": carer_a.user,
        "carer_b": carer_b.user,
        "partner_bx": carer_b_in_x.user,
        "broker_x": x.broker,
        "assessor_x": x.assessor,
        "commissioner_x": x.commissioner,
        "broker_y": y.broker,
        "assessor_y": y.assessor,
        "commissioner_y": y.commissioner,
        "provider": provider_user,
        "admin": admin_user,
        "national": national_user,
        "volunteer": staff(Role.VOLUNTEER, x.hub, email="volunteer@x.example"),
        "outsider": outsider,
    }
    _partner(w, carer_b_in_x)  # a current carer partner of X, whom no audit names
    return w


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_sign_in_except_on_public_pages(client, world, name):
    kwargs, allowed = PAGES[name]
    url = reverse(name, kwargs=kwargs(world))
    response = client.get(url)
    if allowed == PUBLIC:
        assert response.status_code == 200
    elif allowed == "invitation":
        assert response.status_code == 404  # a wrong token, whoever asks
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("name", sorted(name for name, (_, allowed) in PAGES.items() if isinstance(allowed, set)))
def test_each_persona_sees_only_what_is_theirs(client_for, world, name):
    kwargs, allowed = PAGES[name]
    url = reverse(name, kwargs=kwargs(world))
    outcomes = {persona: client_for(user).get(url).status_code for persona, user in world.personas.items()}
    expected = {persona: 200 if persona in allowed else 404 for persona in world.personas}
    assert outcomes == expected


def test_a_carer_cannot_change_another_households_person(client_for, carer_a, carer_b):
    client = client_for(carer_a.user)
    person = carer_b.person
    for url in (
        reverse("brokerage:person_step", kwargs={"pk": person.pk, "step": "name"}),
        reverse("brokerage:person_remove", kwargs={"pk": person.pk}),
        reverse("brokerage:person_check", kwargs={"pk": person.pk}),
    ):
        assert client.post(url, {"first_name": "Taken", "last_name": "Over", "confirm": "yes"}).status_code == 404
    person.refresh_from_db()
    assert person.first_name != "Taken"
    assert carer_b.relationships.count() == 1


def test_the_choke_point_scopes_querysets_by_role(x, y, carer_a, carer_b, carer_b_in_x, admin_user, provider_user):
    assert set(visible(carer_a.user, Carer)) == {carer_a}
    assert set(visible(x.broker, Carer)) == {carer_a, carer_b_in_x}
    assert set(visible(y.assessor, Carer)) == {carer_b}
    assert set(visible(admin_user, Carer)) == {carer_a, carer_b, carer_b_in_x}
    assert set(visible(x.commissioner, Carer)) == set()  # counts only, never names
    assert set(visible(provider_user, CaredForPerson)) == set()
    assert set(visible(carer_a.user, CaredForPerson)) == {carer_a.person}
    assert set(visible(x.broker, CaredForPerson)) == {carer_a.person, carer_b_in_x.person}


def test_an_inactive_user_sees_nothing(x, carer_a):
    x.broker.is_active = False
    assert not visible(x.broker, Carer).exists()


def test_reading_a_record_through_the_choke_point_is_audited(x, carer_a, carer_b):
    assert get_visible_or_404(x.broker, Carer, pk=carer_a.pk) == carer_a
    event = AuditEvent.objects.get(action="brokerage.carer.viewed")
    assert (event.actor, event.object_id) == (x.broker, str(carer_a.pk))
    with pytest.raises(Http404):
        get_visible_or_404(x.broker, Carer, pk=carer_b.pk)
    with pytest.raises(Http404):
        get_visible_or_404(x.broker, Carer, pk="not-a-number")
    assert AuditEvent.objects.filter(action="brokerage.carer.viewed").count() == 1


def test_a_model_without_visible_to_cannot_pass_the_choke_point(x):
    with pytest.raises(TypeError, match="visible_to"):
        visible(x.broker, Invitation)
