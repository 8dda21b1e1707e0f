"""The carer's feedback pages: the home-page task, the form with messages by the field, thanks, and access."""

import pytest
from django.urls import reverse

from brokerage.models import FeedbackResponse, Respondent
from tests.brokerage.feedback.helpers import answer, attended_booking, publish_questions

pytestmark = pytest.mark.django_db

FULL = {"q_time_for_myself": "4", "q_less_isolated": "3", "q_knew_safe": "5", "q_use_again": "5"}


@pytest.fixture
def booking(x, carer_a, provider_user):
    publish_questions(x.partnership, x.broker)
    return attended_booking(carer_a, provider_user)


def _give(booking):
    return reverse("brokerage:feedback:give", kwargs={"pk": booking.pk})


def test_the_carer_home_page_asks_about_the_break_until_it_is_answered(client_for, carer_a, booking):
    client = client_for(carer_a.user)
    page = client.get(reverse("brokerage:carer_home")).content.decode()
    assert "Tell us how your break went" in page
    assert _give(booking) in page
    answer(booking, carer_a.user, {"time_for_myself": 4, "less_isolated": 3, "knew_safe": 5, "use_again": 5})
    page = client.get(reverse("brokerage:carer_home")).content.decode()
    assert "Tell us how your break went" not in page


def test_the_form_shows_the_partnerships_questions_as_radios(client_for, carer_a, booking):
    page = client_for(carer_a.user).get(_give(booking)).content.decode()
    for text in ("I had time for myself", "I feel less isolated", "I know they were safe", "I'd use this break again"):
        assert text in page
    assert page.count('type="radio"') == 4 * 5 + 2  # four questions on the scale, and "may we share"
    assert "Strongly disagree" in page
    assert "Strongly agree" in page
    assert 'name="submission_key"' in page
    assert "I enjoyed my break" not in page  # asked of the cared-for person, on their own form


def test_a_question_left_unanswered_gets_a_message_by_it_and_keeps_what_was_entered(client_for, carer_a, booking):
    data = {**FULL, "comment": "Lovely staff"}
    del data["q_knew_safe"]
    response = client_for(carer_a.user).post(_give(booking), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose how much you agree: I know they were safe" in page
    assert 'href="#id_q_knew_safe' in page  # the error summary links to the field
    assert "Lovely staff" in page
    form = response.context["form"]
    assert [form[f"q_{code}"].value() for code in ("time_for_myself", "less_isolated", "use_again")] == ["4", "3", "5"]
    assert not FeedbackResponse.objects.exists()


def test_an_odd_value_is_a_message_not_an_error_page(client_for, carer_a, booking):
    response = client_for(carer_a.user).post(_give(booking), {**FULL, "q_use_again": "11", "comment": "x" * 2001})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose how much you agree: I&#x27;d use this break again" in page
    assert "Write 2000 characters or fewer" in page


def test_the_carer_answers_and_sees_thanks_then_is_offered_the_cared_for_form(client_for, carer_a, booking):
    client = client_for(carer_a.user)
    response = client.post(_give(booking), {**FULL, "submission_key": "abc", "share_comment": "yes", "comment": "Ok"})
    assert response.status_code == 302
    assert response.url == reverse("brokerage:feedback:thanks", kwargs={"pk": booking.pk})
    thanks = client.get(response.url).content.decode()
    assert "Thank you for telling us" in thanks
    person_url = reverse("brokerage:feedback:give_for", kwargs={"pk": booking.pk, "person_pk": carer_a.person.pk})
    assert person_url in thanks
    response = FeedbackResponse.objects.get()
    assert (response.respondent, response.share_comment, response.comment) == (Respondent.CARER, True, "Ok")


def test_a_double_click_records_once_and_both_clicks_see_thanks(client_for, carer_a, booking):
    client = client_for(carer_a.user)
    data = {**FULL, "submission_key": "same-key"}
    first, second = client.post(_give(booking), data), client.post(_give(booking), data)
    assert first.status_code == second.status_code == 302
    assert FeedbackResponse.objects.count() == 1


def test_a_second_form_from_another_tab_is_told_it_is_already_answered(client_for, carer_a, booking):
    client = client_for(carer_a.user)
    client.post(_give(booking), {**FULL, "submission_key": "tab-1"})
    response = client.post(_give(booking), {**FULL, "submission_key": "tab-2"})
    assert response.status_code == 200
    assert "You have already told us about this break" in response.content.decode()
    assert FeedbackResponse.objects.count() == 1


def test_the_cared_for_form_asks_who_helped(client_for, carer_a, booking):
    url = reverse("brokerage:feedback:give_for", kwargs={"pk": booking.pk, "person_pk": carer_a.person.pk})
    client = client_for(carer_a.user)
    page = client.post(url, {"q_enjoyed": "5", "q_felt_safe": "4"}).content.decode()
    assert "Say who helped them answer" in page
    assert client.post(url, {"q_enjoyed": "5", "q_felt_safe": "4", "helped_by": "Mum"}).status_code == 302
    response = FeedbackResponse.objects.get()
    assert (response.cared_for, response.helped_by) == (carer_a.person, "Mum")


def test_hub_staff_answer_for_the_carer(client_for, x, booking):
    response = client_for(x.broker).post(_give(booking), FULL)
    assert response.status_code == 302
    assert FeedbackResponse.objects.get().submitted_by == x.broker


def test_others_get_404_and_nothing_is_recorded(client_for, y, carer_b_in_x, provider_user, x, booking):
    for user in (carer_b_in_x.user, y.broker, x.commissioner, provider_user):
        assert client_for(user).post(_give(booking), FULL).status_code == 404
    assert not FeedbackResponse.objects.exists()


def test_a_break_not_attended_has_no_feedback_form(client_for, carer_a, provider_user, booking):
    from brokerage.bookings.services import booking_record_attendance

    booking_record_attendance(booking=booking, by=provider_user, attended=False)
    assert client_for(carer_a.user).get(_give(booking)).status_code == 404


def test_a_person_not_on_the_break_has_no_form(client_for, carer_a, carer_b_in_x, booking):
    url = reverse("brokerage:feedback:give_for", kwargs={"pk": booking.pk, "person_pk": carer_b_in_x.person.pk})
    assert client_for(carer_a.user).get(url).status_code == 404


def test_the_forms_link_once_answered_goes_to_thanks(client_for, carer_a, booking):
    client = client_for(carer_a.user)
    client.post(_give(booking), FULL)
    response = client.get(_give(booking))
    assert response.status_code == 302
    assert response.url == reverse("brokerage:feedback:thanks", kwargs={"pk": booking.pk})


def test_the_hub_finds_the_form_on_the_carers_record_and_the_carer_on_their_breaks(client_for, x, carer_a, booking):
    detail = client_for(x.broker).get(reverse("brokerage:carer_detail", kwargs={"pk": carer_a.pk})).content.decode()
    assert _give(booking) in detail
    breaks = client_for(carer_a.user).get(reverse("brokerage:bookings:breaks")).content.decode()
    assert _give(booking) in breaks
