"""Pages for feedback: the carer (or hub staff for them) answers about an attended break; the provider reads
what people said about their offers, once enough have answered."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from breakthrough.decorators import role_required
from breakthrough.forms import apply_service_errors, posted
from breakthrough.models import Role
from brokerage.feedback import selectors, services
from brokerage.feedback.forms import FeedbackForm
from brokerage.models import Respondent
from brokerage.providers import selectors as provider_selectors

ANSWERING = (Role.CARER, Role.BROKER, Role.ASSESSOR)


def _back(request, booking):
    if request.user.role == Role.CARER:
        return reverse("brokerage:carer_home")
    return reverse("brokerage:carer_detail", kwargs={"pk": booking.carer_id})


@role_required(*ANSWERING)
@require_http_methods(["GET", "POST"])
def give(request, pk, person_pk=None):
    booking = selectors.feedback_booking_get(fetched_by=request.user, pk=pk)
    person = None
    if person_pk is not None:
        person = booking.cared_for.filter(pk=person_pk).first()
        if person is None:
            raise Http404("They were not on this break.")
    answered = selectors.booking_answers(booking=booking)
    if request.method == "GET" and (dict(answered["people"])[person] if person else answered["carer"]):
        return redirect("brokerage:feedback:thanks", pk=booking.pk)  # e.g. the e-mail's link followed again
    version = services.current_version(booking.carer.partnership_id)
    asked_of = Respondent.CARED_FOR if person else Respondent.CARER
    form = FeedbackForm(
        posted(request),
        questions=version.questions.filter(asked_of=asked_of),
        for_person=person,
        threshold=settings.SUPPRESSION_THRESHOLD,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_submit(
                booking=booking,
                by=request.user,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                share_comment=bool(form.cleaned_data["share_comment"]),
                cared_for=person,
                helped_by=form.cleaned_data.get("helped_by", ""),
                submission_key=form.cleaned_data["submission_key"] or None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("brokerage:feedback:thanks", pk=booking.pk)
    return render(
        request,
        "brokerage/feedback/give.html",
        {"booking": booking, "person": person, "form": form, "back_url": _back(request, booking), "submit": "Send"},
    )


@role_required(*ANSWERING)
def thanks(request, pk):
    booking = selectors.feedback_booking_get(fetched_by=request.user, pk=pk)
    return render(
        request,
        "brokerage/feedback/thanks.html",
        {
            "booking": booking,
            "answers": selectors.booking_answers(booking=booking),
            "back_url": _back(request, booking),
        },
    )


@role_required(Role.PROVIDER)
def provider_list(request):
    return render(
        request,
        "brokerage/feedback/provider_list.html",
        {
            "offers": selectors.provider_feedback_counts(fetched_by=request.user),
            "threshold": settings.SUPPRESSION_THRESHOLD,
        },
    )


@role_required(Role.PROVIDER)
def provider_offer(request, pk):
    offer = provider_selectors.offer_get(fetched_by=request.user, pk=pk)
    return render(
        request,
        "brokerage/feedback/provider_offer.html",
        {"offer": offer, "feedback": selectors.provider_offer_feedback(offer=offer, fetched_by=request.user)},
    )
