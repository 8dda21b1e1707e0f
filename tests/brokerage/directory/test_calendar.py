import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from brokerage.models import OfferKind
from tests.factories import OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db

URL = reverse("brokerage:directory:calendar")


def at(year, month, day, hour=10):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def sessions_shown(response):
    return [s.offer.title for week in response.context["weeks"] for day in week for s in day["sessions"]]


def test_a_month_shows_activity_sessions_with_places_left_inside_its_boundaries(client):
    swim = OfferFactory(title="Swimming", kind=OfferKind.ACTIVITY)
    SessionFactory(offer=swim, starts_at=at(2027, 3, 1, 0))  # the first minute of March
    SessionFactory(offer=OfferFactory(title="Late", kind=OfferKind.CREATIVE), starts_at=at(2027, 3, 31, 23))
    SessionFactory(offer=OfferFactory(title="February", kind=OfferKind.ACTIVITY), starts_at=at(2027, 2, 28, 23))
    SessionFactory(offer=OfferFactory(title="April", kind=OfferKind.ACTIVITY), starts_at=at(2027, 4, 1, 0))
    SessionFactory(offer=OfferFactory(title="Full", kind=OfferKind.ACTIVITY), starts_at=at(2027, 3, 5), places_taken=8)
    SessionFactory(offer=OfferFactory(title="Sitter", kind=OfferKind.SITTER), starts_at=at(2027, 3, 5))
    response = client.get(URL, {"month": "2027-03"})
    assert response.status_code == 200
    assert sessions_shown(response) == ["Swimming", "Late"]
    html = response.content.decode()
    assert "Activities in March 2027" in html
    assert "?month=2027-02" in html
    assert "?month=2027-04" in html
    assert '<th scope="col" class="govuk-table__header">Monday</th>' in html
    # Weeks run Monday to Sunday: 1 March 2027 is a Monday, and 31 March a Wednesday.
    assert response.context["weeks"][0][0]["date"] == datetime.date(2027, 3, 1)
    assert len(response.context["weeks"]) == 5


def test_december_links_to_the_next_january(client):
    html = client.get(URL, {"month": "2026-12"}).content.decode()
    assert "month=2027-01" in html
    assert "month=2026-11" in html


def test_a_bad_month_shows_this_month(client):
    response = client.get(URL, {"month": "2027-13"})
    assert response.status_code == 200
    assert response.context["month"] == timezone.localdate().replace(day=1)


def test_the_directory_filters_apply_and_are_kept_in_the_month_links(client):
    SessionFactory(offer=OfferFactory(title="Swimming", kind=OfferKind.ACTIVITY, min_age=5), starts_at=at(2027, 3, 2))
    SessionFactory(offer=OfferFactory(title="Gym", kind=OfferKind.ACTIVITY, min_age=18), starts_at=at(2027, 3, 2))
    response = client.get(URL, {"month": "2027-03", "age": "10"})
    assert sessions_shown(response) == ["Swimming"]
    assert "?month=2027-04&amp;age=10" in response.content.decode()
    bad = client.get(URL, {"month": "2027-03", "postcode": "nonsense"})
    assert bad.context["form"].errors == {"postcode": ["Enter a real postcode, like EH1 1YZ"]}
    assert 'name="month" value="2027-03"' in bad.content.decode()
