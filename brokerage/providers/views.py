"""The provider portal: the organisation's profile, offers, availability and compliance documents.

Views are small: fetch through a selector (which goes through the access choke point), validate a
form, call a service, redirect. Staff see their own organisation only; anything else answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from breakthrough.audit import log_action
from breakthrough.decorators import role_required
from breakthrough.forms import apply_service_errors, posted, posted_files
from breakthrough.models import Role
from brokerage.bookings import services as booking_services
from brokerage.providers import forms, selectors, services


def _form_page(request, form, *, title, back_url, submit="Save", caption="", multipart=False, extra=None):
    context = {
        "form": form,
        "title": title,
        "back_url": back_url,
        "submit": submit,
        "caption": caption,
        "multipart": multipart,
        **(extra or {}),
    }
    return render(request, "form_page.html", context)


def _offer_url(offer):
    return reverse("brokerage:providers:offer_detail", kwargs={"pk": offer.pk})


# ---------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------


@role_required(Role.PROVIDER)
def profile(request):
    profile = selectors.profile_get(fetched_by=request.user)
    localities = profile.localities.select_related("partnership") if profile.pk else []
    return render(request, "brokerage/providers/profile.html", {"profile": profile, "localities": localities})


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    profile = selectors.profile_get(fetched_by=request.user)
    organisation = profile.organisation
    choices = selectors.localities_served(organisation=organisation)
    initial = {name: getattr(profile, name) for name in services.PROFILE_FIELDS}
    initial["localities"] = list(profile.localities.all()) if profile.pk else []
    form = forms.ProfileForm(posted(request), initial=initial, localities=choices)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        localities = data.pop("localities")
        try:
            services.provider_profile_update(
                organisation=organisation, data=data, localities=localities, by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Your organisation's details are saved.")
            return redirect("brokerage:providers:profile")
    return _form_page(request, form, title=form.title, back_url=reverse("brokerage:providers:profile"))


# ---------------------------------------------------------------------------------------------
# Offers
# ---------------------------------------------------------------------------------------------


@role_required(Role.PROVIDER)
def offer_list(request):
    offers = selectors.offer_list(fetched_by=request.user)
    return render(request, "brokerage/providers/offer_list.html", {"offers": offers})


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def offer_create(request):
    organisation = selectors.organisation_for_portal(user=request.user)
    form = forms.OfferForm(
        posted(request),
        localities=selectors.localities_served(organisation=organisation),
    )
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(
                organisation=organisation,
                data=form.service_data(),
                features=form.cleaned_data["features"],
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The offer is saved. Add its availability, then publish it.")
            return redirect(_offer_url(offer))
    return _form_page(
        request, form, title="Add an offer", back_url=reverse("brokerage:providers:offer_list"), submit="Save offer"
    )


@role_required(Role.PROVIDER)
def offer_detail(request, pk):
    offer = selectors.offer_get(fetched_by=request.user, pk=pk)
    context = {
        "offer": offer,
        "sessions": selectors.offer_sessions(offer=offer, fetched_by=request.user)[:100],
        "schedules": selectors.offer_schedules(offer=offer, fetched_by=request.user),
        "nights": selectors.offer_nights(offer=offer, fetched_by=request.user)[:120],
        "recent_sessions": selectors.offer_recent_sessions(offer=offer, fetched_by=request.user)[:50],
        "now": timezone.now(),
        "today": timezone.localdate(),
        "missing_checks": selectors.offer_bookable_checks(offer, timezone.localdate()),
    }
    return render(request, "brokerage/providers/offer_detail.html", context)


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def offer_edit(request, pk):
    offer = selectors.offer_get(fetched_by=request.user, pk=pk)
    localities = selectors.localities_served(organisation=offer.provider)
    form = forms.OfferForm(
        posted(request),
        initial=forms.OfferForm.initial_for(offer),
        localities=localities,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_update(
                offer=offer, data=form.service_data(), features=form.cleaned_data["features"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The offer is saved.")
            return redirect(_offer_url(offer))
    return _form_page(request, form, title=f"Change {offer.title}", back_url=_offer_url(offer), submit="Save offer")


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def offer_publish(request, pk):
    """GET asks to confirm; POST publishes or takes the offer out of the directory."""
    offer = selectors.offer_get(fetched_by=request.user, pk=pk)
    if request.method == "POST":
        publish = request.POST.get("publish") == "yes"
        services.offer_set_published(offer=offer, published=publish, by=request.user)
        messages.success(
            request, "The offer is in the directory." if publish else "The offer is no longer in the directory."
        )
        return redirect(_offer_url(offer))
    return render(request, "brokerage/providers/offer_publish.html", {"offer": offer})


# ---------------------------------------------------------------------------------------------
# Availability
# ---------------------------------------------------------------------------------------------


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def session_add(request, pk):
    offer = selectors.offer_get(fetched_by=request.user, pk=pk)
    form = forms.SessionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.session_create(offer=offer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The session is added.")
            return redirect(_offer_url(offer))
    return _form_page(
        request, form, title=form.title, caption=offer.title, back_url=_offer_url(offer), submit="Add session"
    )


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def schedule_add(request, pk):
    offer = selectors.offer_get(fetched_by=request.user, pk=pk)
    form = forms.ScheduleForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            schedule = services.schedule_create(offer=offer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            count = schedule.sessions.count()
            messages.success(request, f"The repeating session is added: {count} session{'s' if count != 1 else ''}.")
            return redirect(_offer_url(offer))
    return _form_page(
        request, form, title=form.title, caption=offer.title, back_url=_offer_url(offer), submit="Add sessions"
    )


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def session_places(request, pk):
    session = selectors.session_get(fetched_by=request.user, pk=pk)
    form = forms.SessionPlacesForm(posted(request), initial={"places": session.places})
    if request.method == "POST" and form.is_valid():
        try:
            services.session_change_places(session=session, places=form.cleaned_data["places"], by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The number of places is changed.")
            return redirect(_offer_url(session.offer))
    return _form_page(
        request,
        form,
        title=form.title,
        caption=str(session),
        back_url=_offer_url(session.offer),
        extra={"intro": f"{session.places_taken} of {session.places} places are taken."},
    )


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def session_cancel(request, pk):
    session = selectors.session_get(fetched_by=request.user, pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.session_cancel(session=session, by=request.user)
        except ValidationError as e:
            error = e.messages[0]
        else:
            messages.success(request, "The session is cancelled.")
            return redirect(_offer_url(session.offer))
    return render(request, "brokerage/providers/session_cancel.html", {"session": session, "error": error})


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def nights_open(request, pk):
    offer = selectors.offer_get(fetched_by=request.user, pk=pk)
    if not offer.uses_nights:
        raise Http404("Only a bookable property has nights.")
    form = forms.NightsForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.nights_open(offer=offer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The nights are open.")
            return redirect(_offer_url(offer))
    return _form_page(
        request, form, title=form.title, caption=offer.title, back_url=_offer_url(offer), submit="Open nights"
    )


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def nights_close(request, pk):
    offer = selectors.offer_get(fetched_by=request.user, pk=pk)
    if not offer.uses_nights:
        raise Http404("Only a bookable property has nights.")
    form = forms.NightsCloseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            closed = services.nights_close(offer=offer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            done = f"{closed} night{'s are' if closed != 1 else ' is'} closed." if closed else "No nights were open."
            messages.success(request, done)
            return redirect(_offer_url(offer))
    return _form_page(
        request,
        form,
        title=form.title,
        caption=offer.title,
        back_url=_offer_url(offer),
        submit="Close nights",
        extra={"intro": "Carers can no longer book the nights you close. Nights with places taken cannot be closed."},
    )


def _schedule_caption(schedule) -> str:
    return (
        f"{schedule.offer.title}: {schedule.get_weekday_display()}s, "
        f"{schedule.starts_at:%H:%M} to {schedule.ends_at:%H:%M}"
    )


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def schedule_end(request, pk):
    schedule = selectors.schedule_get(fetched_by=request.user, pk=pk)
    form = forms.ScheduleEndForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = services.schedule_end(
                schedule=schedule, last_date=form.cleaned_data["last_date"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"The repeating session now ends on {form.cleaned_data['last_date']:%-d %B %Y}. "
                f"{cancelled} later session{'s are' if cancelled != 1 else ' is'} cancelled.",
            )
            return redirect(_offer_url(schedule.offer))
    return _form_page(
        request,
        form,
        title=form.title,
        caption=_schedule_caption(schedule),
        back_url=_offer_url(schedule.offer),
        submit="End the repeating session",
        extra={
            "intro": f"It runs from {schedule.first_date:%-d %B %Y} to {schedule.last_date:%-d %B %Y}. "
            "Sessions after the new last date are cancelled; none of them may have bookings holding places."
        },
    )


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def schedule_places(request, pk):
    schedule = selectors.schedule_get(fetched_by=request.user, pk=pk)
    form = forms.SchedulePlacesForm(posted(request), initial={"places": schedule.places})
    if request.method == "POST" and form.is_valid():
        try:
            services.schedule_change_places(schedule=schedule, places=form.cleaned_data["places"], by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The number of places is changed for every coming session.")
            return redirect(_offer_url(schedule.offer))
    coming = selectors.schedule_coming_summary(schedule=schedule, fetched_by=request.user)
    intro = f"This changes {coming['count']} coming session{'s' if coming['count'] != 1 else ''}."
    if coming["most_taken"]:
        intro += f" The most places taken on one of them is {coming['most_taken']}."
    return _form_page(
        request,
        form,
        title=form.title,
        caption=_schedule_caption(schedule),
        back_url=_offer_url(schedule.offer),
        extra={"intro": intro},
    )


# ---------------------------------------------------------------------------------------------
# Bookings: requests to confirm or decline, and attendance (the bookings services do the work and audit)
# ---------------------------------------------------------------------------------------------


def _booking_url(booking):
    return reverse("brokerage:providers:booking_detail", kwargs={"pk": booking.pk})


@role_required(Role.PROVIDER)
def booking_list(request):
    bookings = selectors.provider_bookings(fetched_by=request.user)
    return render(request, "brokerage/providers/booking_list.html", bookings)


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def booking_detail(request, pk):
    """A booking of one of the organisation's offers; while it is requested, confirm it or decline it."""
    booking = selectors.booking_get(fetched_by=request.user, pk=pk)
    deciding = booking.state == booking.State.REQUESTED
    form = forms.BookingDecisionForm(posted(request)) if deciding else None
    if request.method == "POST":
        if not deciding:
            messages.error(request, "This booking is no longer waiting for an answer.")
            return redirect(_booking_url(booking))
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == form.CONFIRM:
                    booking_services.booking_confirm(booking=booking, by=request.user)
                    done = "The booking is confirmed. The carer has been told."
                else:
                    booking_services.booking_decline(
                        booking=booking, by=request.user, reason=form.cleaned_data["reason"]
                    )
                    done = "The request is declined. The carer has been told why."
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("brokerage:providers:booking_list")
    context = {
        "booking": booking,
        "form": form,
        "show_carer": not deciding,
        "stay_attendance": selectors.stay_in_attendance_window(booking),
    }
    return render(request, "brokerage/providers/booking_detail.html", context)


def _attendance_page(request, *, bookings, can_record: bool, back_url: str, context: dict):
    """Who came: one pair of radios per booking, saved together (templates/brokerage/providers/attendance.html).

    Nothing is saved until every row is answered; a row the bookings service refuses keeps its message
    while the others are saved.
    """
    rows = forms.attendance_rows(bookings, posted(request) if can_record else None)
    if request.method == "POST" and can_record and rows and not any(row["error"] for row in rows):
        for row in rows:
            if row["value"] == row["recorded"]:
                continue
            try:
                booking_services.booking_record_attendance(
                    booking=row["booking"], by=request.user, attended=row["value"] == forms.ATTENDED
                )
            except ValidationError as error:
                row["error"] = " ".join(error.messages)
            else:
                row["recorded"] = row["value"]
        if not any(row["error"] for row in rows):
            messages.success(request, "Attendance is saved.")
            return redirect(back_url)
    context = {
        **context,
        "can_record": can_record,
        "rows": rows,
        "errors": [r for r in rows if r["error"]],
        "back_url": back_url,
    }
    return render(request, "brokerage/providers/attendance.html", context)


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def session_attendance(request, pk):
    """Who came to a session, once it has started."""
    session = selectors.session_get(fetched_by=request.user, pk=pk)
    return _attendance_page(
        request,
        bookings=selectors.session_attendance(session=session, fetched_by=request.user),
        can_record=session.starts_at <= timezone.now(),
        back_url=_offer_url(session.offer),
        context={
            "title": "Attendance",
            "caption": session.offer.title,
            "heading": f"Attendance on {timezone.localtime(session.starts_at):%A %-d %B %Y, %H:%M}",
            "not_yet": "You can record attendance once the session has started.",
            "empty": "No confirmed bookings for this session.",
        },
    )


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def stay_attendance(request, pk):
    """Who came to stays at a property that began in the last four weeks."""
    offer = selectors.offer_get(fetched_by=request.user, pk=pk)
    if not offer.uses_nights:
        raise Http404("Only a bookable property has stays.")
    days = selectors.STAY_ATTENDANCE_DAYS
    return _attendance_page(
        request,
        bookings=selectors.offer_stay_attendance(offer=offer, fetched_by=request.user),
        can_record=True,
        back_url=_offer_url(offer),
        context={
            "title": "Attendance for stays",
            "caption": offer.title,
            "heading": "Attendance for stays",
            "intro": f"Confirmed stays whose first night was in the last {days} days, earliest first.",
            "empty": f"No confirmed stays began in the last {days} days.",
            "show_when": True,
        },
    )


# ---------------------------------------------------------------------------------------------
# Compliance documents
# ---------------------------------------------------------------------------------------------


@role_required(Role.PROVIDER)
def compliance_list(request):
    documents = selectors.compliance_list(fetched_by=request.user)
    return render(request, "brokerage/providers/compliance_list.html", {"documents": documents})


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def compliance_add(request):
    organisation = selectors.organisation_for_portal(user=request.user)
    form = forms.ComplianceForm(posted(request), posted_files(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("file")
        try:
            services.compliance_add(organisation=organisation, data=data, file=upload, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The document is added.")
            return redirect("brokerage:providers:compliance_list")
    return _form_page(
        request,
        form,
        title=form.title,
        back_url=reverse("brokerage:providers:compliance_list"),
        submit="Add document",
        multipart=True,
    )


@role_required(Role.PROVIDER)
@require_http_methods(["GET", "POST"])
def compliance_replace(request, pk):
    document = selectors.compliance_get(fetched_by=request.user, pk=pk)
    form = forms.ComplianceForm(
        posted(request),
        posted_files(request),
        replacing=document,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("file")
        try:
            services.compliance_replace(document=document, data=data, file=upload, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The renewed document is saved.")
            return redirect("brokerage:providers:compliance_list")
    return _form_page(
        request,
        form,
        title=f"Renew: {document.get_kind_display()}",
        caption=f"Replaces {document.reference}, which expires {document.expires_on:%-d %B %Y}",
        back_url=reverse("brokerage:providers:compliance_list"),
        submit="Save renewed document",
        multipart=True,
    )


@role_required(Role.PROVIDER, Role.ADMIN)
def compliance_download(request, pk):
    """The uploaded copy, for the organisation's staff and admin only (never a public media URL)."""
    document = selectors.compliance_get(fetched_by=request.user, pk=pk)
    if not document.file:
        raise Http404("No file was uploaded for this document.")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    log_action(document, "brokerage.compliancedocument.downloaded", user=request.user)
    name = document.file.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
