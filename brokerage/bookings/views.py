"""Booking pages: book a session or a stay (for yourself, or as hub staff for a carer), your breaks,
cancel, the waiting list and its offers, and the calendar feed.

Small views: fetch through a selector, validate a form, call a service, redirect. The choice made on
the first page travels to the check page in the signed session, so nothing entered is lost.
"""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from breakthrough.decorators import role_required
from breakthrough.forms import apply_service_errors, iso_date_or_none, posted
from breakthrough.models import Role
from breakthrough.submissions import new_key
from brokerage.availability import open_nights
from brokerage.bookings import ical, rules, selectors, services
from brokerage.bookings.forms import ME, CheckForm, CrisisForm, ReasonForm, StayForm, WhoIsGoingForm
from brokerage.models import Booking, Carer, WaitingListEntry
from brokerage.selectors import household_people

STAFF = (Role.BROKER, Role.ASSESSOR, Role.ADMIN)
ANYONE_WHO_BOOKS = (Role.CARER, *STAFF)
MAX_NIGHTS = 28
WEEKS_SHOWN = 8


def _stay(request, offer) -> tuple[datetime.date, int]:
    """The stay asked for in ?from=YYYY-MM-DD&nights=N; with neither, the next night with room."""
    if "from" not in request.GET and "nights" not in request.GET:
        night = open_nights().filter(offer=offer, date__gt=timezone.localdate()).order_by("date").first()
        if night is None:
            raise Http404("No nights are free at this property.")
        return night.date, 1
    first = iso_date_or_none(request.GET.get("from"))
    nights = request.GET.get("nights", "")
    if first is None or not (nights.isascii() and nights.isdigit() and len(nights) <= 2):
        raise Http404("Choose a date and a number of nights.")
    nights = int(nights)
    if not 1 <= nights <= MAX_NIGHTS:
        raise Http404("Choose between 1 and 28 nights.")
    return first, nights


def _target(request, *, carer_pk=None, session_pk=None, offer_pk=None) -> dict:
    """Everything a booking page needs: the carer, the offer, the session or the stay, the household."""
    carer = selectors.booking_carer(fetched_by=request.user, carer_pk=carer_pk)
    if session_pk is not None:
        session = selectors.session_get(fetched_by=request.user, pk=session_pk)
        offer, stay = session.offer, {"session": session}
        places_left = session.places_left
        day = timezone.localtime(session.starts_at).date()
    else:
        offer = selectors.offer_get(fetched_by=request.user, pk=offer_pk)
        if not offer.uses_nights:
            raise Http404("This break is not booked by the night.")
        first, nights = _stay(request, offer)
        rows = selectors.stay_nights(offer=offer, first_night=first, nights=nights)
        if len(rows) != nights:
            raise Http404("The property is not available on every night of that stay.")
        stay = {"first_night": first, "nights": nights}
        places_left = min(r.places_left for r in rows)
        day = first
    return {
        "carer": carer,
        "offer": offer,
        "stay": stay,
        "places_left": places_left,
        # Too few places for the smallest party the break allows (one let, at a property): the waiting list.
        "full": places_left < (1 if offer.uses_nights else rules.smallest_party(offer)),
        "day": day,
        "household": household_people(carer=carer, fetched_by=request.user),
        "on_behalf": carer_pk is not None,
    }


def _urls(request, *, carer_pk, session_pk, offer_pk) -> dict:
    stay = {k: v for k, v in request.GET.items() if k in ("from", "nights")}
    query = ("?" + urlencode(stay)) if stay else ""
    if session_pk is not None:
        kwargs, suffix = {"session_pk": session_pk}, "session"
    else:
        kwargs, suffix = {"offer_pk": offer_pk}, "nights"
    prefix = "staff_" if carer_pk is not None else ""
    if carer_pk is not None:
        kwargs = {**kwargs, "carer_pk": carer_pk}
    who = reverse(f"brokerage:bookings:{prefix}book_{suffix}", kwargs=kwargs) + query
    return {"who": who, "check": who + ("&" if query else "?") + "step=check"}


def _session_key(target) -> str:
    stay = target["stay"]
    where = (
        f"s{stay['session'].pk}"
        if "session" in stay
        else f"n{target['offer'].pk}:{stay['first_night']}:{stay['nights']}"
    )
    return f"booking:{target['carer'].pk}:{where}"


@role_required(*ANYONE_WHO_BOOKS)
@require_GET
def stay(request, offer_pk, carer_pk=None):
    """When to stay at a property: the first night and how many nights, beside the nights free in the next
    8 weeks. A GET form: a good answer continues to the nights booking page with ?from=&nights=."""
    if carer_pk is None and request.user.role != Role.CARER:
        raise Http404("Staff book from a carer's record.")
    carer = selectors.booking_carer(fetched_by=request.user, carer_pk=carer_pk)
    offer = selectors.offer_get(fetched_by=request.user, pk=offer_pk)
    if not offer.uses_nights:
        raise Http404("This break is not booked by the night.")
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    shown = selectors.open_nights(offer=offer, first=tomorrow, days=WEEKS_SHOWN * 7)

    def places_left(first, last):
        if tomorrow <= first and last < tomorrow + datetime.timedelta(days=WEEKS_SHOWN * 7):
            rows = [n for n in shown if first <= n.date <= last]
        else:
            rows = selectors.open_nights(offer=offer, first=first, days=(last - first).days + 1)
        return {n.date: n.places_left for n in rows}

    bound = any(key.startswith("first_night") or key == "nights" for key in request.GET)
    initial = {}
    if not bound and iso_date_or_none(request.GET.get("from")):
        initial["first_night"] = iso_date_or_none(request.GET["from"])
    form = StayForm(request.GET if bound else None, initial=initial, places_left=places_left, today=today)
    kwargs = {"offer_pk": offer.pk, **({"carer_pk": carer_pk} if carer_pk is not None else {})}
    prefix = "staff_" if carer_pk is not None else ""
    if bound and form.is_valid():
        query = urlencode({"from": form.cleaned_data["first_night"].isoformat(), "nights": form.cleaned_data["nights"]})
        return redirect(reverse(f"brokerage:bookings:{prefix}book_nights", kwargs=kwargs) + "?" + query)
    offer_url = reverse("brokerage:directory:offer", kwargs={"pk": offer.pk})
    return render(
        request,
        "brokerage/bookings/stay.html",
        {
            "carer": carer,
            "offer": offer,
            "form": form,
            "nights": shown,
            "weeks": WEEKS_SHOWN,
            "on_behalf": carer_pk is not None,
            "action": reverse(f"brokerage:bookings:{prefix}stay", kwargs=kwargs),
            "offer_url": offer_url + (f"?for={carer.pk}" if carer_pk is not None else ""),
        },
    )


@role_required(*ANYONE_WHO_BOOKS)
@require_http_methods(["GET", "POST"])
def book(request, session_pk=None, offer_pk=None, carer_pk=None):
    """Who is going and how it is paid for. When there is no room, the same answers join the waiting list."""
    if carer_pk is None and request.user.role != Role.CARER:
        raise Http404("Staff book from a carer's record.")
    if request.GET.get("step") == "check":
        return _check(request, session_pk=session_pk, offer_pk=offer_pk, carer_pk=carer_pk)
    target = _target(request, carer_pk=carer_pk, session_pk=session_pk, offer_pk=offer_pk)
    urls = _urls(request, carer_pk=carer_pk, session_pk=session_pk, offer_pk=offer_pk)
    key = _session_key(target)
    saved = request.session.get(key)
    form = WhoIsGoingForm(
        posted(request),
        initial=saved,
        offer=target["offer"],
        household=target["household"],
        carer_is_user=not target["on_behalf"],
        day=target["day"],
        places_left=None if target["full"] else target["places_left"],
    )
    crisis_form = CrisisForm(posted(request))
    if request.method == "POST" and form.is_valid():
        includes_carer, people = form.who()
        if request.POST.get("action") == "waiting_list":
            crisis = bool(crisis_form.is_valid() and crisis_form.cleaned_data["crisis"])
            try:
                services.waiting_list_join(
                    carer=target["carer"],
                    offer=target["offer"],
                    **target["stay"],
                    includes_carer=includes_carer,
                    cared_for=people,
                    payment_source=form.cleaned_data["payment_source"],
                    crisis=crisis,
                    by=request.user,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, "You are on the waiting list. We will email if a place comes up.")
                return redirect(_after(target))
        else:
            request.session[key] = {
                "people": form.cleaned_data["people"],
                "payment_source": form.cleaned_data["payment_source"],
            }
            return redirect(urls["check"])
    return render(
        request,
        "brokerage/bookings/book.html",
        {**target, "form": form, "crisis_form": crisis_form, "urls": urls},
    )


def _after(target) -> str:
    if target["on_behalf"]:
        return reverse("brokerage:carer_detail", kwargs={"pk": target["carer"].pk})
    return reverse("brokerage:bookings:breaks")


def _check(request, session_pk=None, offer_pk=None, carer_pk=None):
    """Check your answers, then book (the booking page with ?step=check)."""
    target = _target(request, carer_pk=carer_pk, session_pk=session_pk, offer_pk=offer_pk)
    urls = _urls(request, carer_pk=carer_pk, session_pk=session_pk, offer_pk=offer_pk)
    key = _session_key(target)
    check = CheckForm(posted(request))
    if request.method == "POST":
        booked = selectors.booking_submitted(carer=target["carer"], key=check.key, fetched_by=request.user)
        if booked is not None:  # this page was sent before and booked: answer as the first send did
            return _booked(request, target, booked)
    saved = request.session.get(key)
    if not saved:
        return redirect(urls["who"])
    form = WhoIsGoingForm(
        saved,
        offer=target["offer"],
        household=target["household"],
        carer_is_user=not target["on_behalf"],
        day=target["day"],
        places_left=None if target["full"] else target["places_left"],
    )
    if not form.is_valid():
        return redirect(urls["who"])
    includes_carer, people = form.who()
    error = None
    if request.method == "POST":
        try:
            booking = services.booking_create(
                carer=target["carer"],
                offer=target["offer"],
                **target["stay"],
                includes_carer=includes_carer,
                cared_for=people,
                payment_source=form.cleaned_data["payment_source"],
                by=request.user,
                submission_key=check.key,
            )
        except ValidationError as e:
            error = " ".join(e.messages)
        else:
            request.session.pop(key, None)
            return _booked(request, target, booking)
    else:
        # Ask the booking's own rules first: a "Book" button is only shown for a booking they accept.
        error = services.booking_refusal(
            carer=target["carer"],
            offer=target["offer"],
            **target["stay"],
            includes_carer=includes_carer,
            cared_for=people,
            payment_source=form.cleaned_data["payment_source"],
            by=request.user,
        )
    places = rules.places_for(target["offer"], includes_carer=includes_carer, cared_for=people)
    cost = services.booking_cost(
        offer=target["offer"], session=target["stay"].get("session"), nights=target["stay"].get("nights"), places=places
    )
    return render(
        request,
        "brokerage/bookings/check.html",
        {
            **target,
            "urls": urls,
            "includes_carer": includes_carer,
            "people": people,
            "places": places,
            "cost_pence": cost,
            "payment_label": dict(form.fields["payment_source"].choices)[form.cleaned_data["payment_source"]],
            "error": error,
            "refused": bool(error) and request.method != "POST",
            "guests": (1 if includes_carer else 0) + len(people),
            "me": ME,
            "submission_key": check.key or new_key(),
        },
    )


def _booked(request, target, booking):
    said = {Booking.State.CONFIRMED: "Your break is booked.", Booking.State.REQUESTED: "Your request has been sent."}
    if booking.state in said:  # a page sent again after a cancellation just shows the booking as it is now
        messages.success(request, said[booking.state])
    if target["on_behalf"]:
        return redirect(_after(target))
    return redirect("brokerage:bookings:booking_detail", pk=booking.pk)


@role_required(Role.CARER)
def breaks(request):
    """Your breaks: upcoming (with cancel) and past; waiting lists you are on."""
    carer = selectors.booking_carer(fetched_by=request.user)
    context = selectors.carer_breaks(carer=carer, fetched_by=request.user)
    context["waiting"] = selectors.carer_waiting(carer=carer, fetched_by=request.user)
    context["calendar_url"] = request.build_absolute_uri(
        reverse("brokerage:bookings:calendar", kwargs={"carer_pk": carer.pk, "token": ical.carer_token(carer)})
    )
    return render(request, "brokerage/bookings/breaks.html", context)


@role_required(Role.CARER, *STAFF, Role.PROVIDER)
def booking_detail(request, pk):
    booking = selectors.booking_get(fetched_by=request.user, pk=pk)
    return render(
        request,
        "brokerage/bookings/detail.html",
        {"booking": booking, "can_cancel": booking.holds_places and request.user.role != Role.PROVIDER},
    )


@role_required(Role.CARER, *STAFF)
@require_http_methods(["GET", "POST"])
def booking_cancel(request, pk):
    booking = selectors.booking_get(fetched_by=request.user, pk=pk)
    form = ReasonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_cancel(booking=booking, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The booking is cancelled.")
            return redirect("brokerage:bookings:booking_detail", pk=booking.pk)
    return render(request, "brokerage/bookings/cancel.html", {"booking": booking, "form": form})


@role_required(Role.CARER, *STAFF)
@require_http_methods(["GET", "POST"])
def waiting_answer(request, pk, answer):
    """Accept or decline a place offered from the waiting list (the e-mail links here)."""
    entry = selectors.waiting_entry_get(fetched_by=request.user, pk=pk)
    error = None
    if request.method == "POST":
        try:
            if answer == "accept":
                booking = services.waiting_list_accept(entry=entry, by=request.user)
                messages.success(request, "The place is yours.")
                return redirect("brokerage:bookings:booking_detail", pk=booking.pk)
            services.waiting_list_decline(entry=entry, by=request.user)
            messages.success(request, "Thank you. The place will go to the next person waiting.")
            return redirect("brokerage:bookings:breaks" if request.user.role == Role.CARER else "brokerage:caseload")
        except ValidationError as e:
            error = " ".join(e.messages)
    return render(
        request,
        "brokerage/bookings/waiting_answer.html",
        {"entry": entry, "answer": answer, "error": error, "open": entry.state == WaitingListEntry.State.OFFERED},
    )


def waiting_accept(request, pk):
    return waiting_answer(request, pk=pk, answer="accept")


def waiting_decline(request, pk):
    return waiting_answer(request, pk=pk, answer="decline")


@role_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def calendar_renew(request):
    """Make a new private calendar address, for a carer who shared the old one by mistake."""
    carer = selectors.booking_carer(fetched_by=request.user)
    if request.method == "POST":
        services.calendar_link_renew(carer=carer, by=request.user)
        messages.success(request, "Your calendar has a new address. The old one no longer works.")
        return redirect("brokerage:bookings:breaks")
    return render(request, "brokerage/bookings/calendar_renew.html", {"carer": carer})


def calendar(request, carer_pk, token):
    """The carer's confirmed breaks as iCalendar, at a secret URL (no sign-in, for calendar apps)."""
    carer = Carer.objects.filter(pk=carer_pk).first()
    if carer is None or not ical.token_matches(carer, token):
        raise Http404("No such calendar.")
    body = ical.calendar(selectors.calendar_bookings(carer=carer))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="breaks.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
