"""Twice is once for publishing, proven on PostgreSQL.

Both publishes are held until each has taken its version number and rendered the statement with it (so each has
seen the same "next version"). The same submission key (a double click): one version, both answered with it.
Two keys (two commissioners at once): versions 1 and 2, the second rendered again with its own number. The
negative control takes the lock away: the two then write the same number and the database refuses one."""

import threading

import pytest
from django.db import IntegrityError, connection

from commissioning.models import PublishedStatement
from commissioning.statement import services
from tests.commissioning.statement.helpers import next_year, ready_draft

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL")


def _race(monkeypatch, x, keys, *, hold_at="render"):
    held = threading.Barrier(len(keys), timeout=30)
    first_time = threading.local()
    renders = []

    def render(content):
        renders.append(content["version"])
        if hold_at == "render" and not getattr(first_time, "done", False):
            first_time.done = True
            held.wait()  # each has taken the same number and rendered with it
        return f"<p>version {content['version']}</p>", f"%PDF version {content['version']}".encode()

    monkeypatch.setattr(services, "render_statement", render)
    if hold_at == "numbering":
        monkeypatch.setattr(services, "_after_numbering", held.wait)
    outcomes, guard = [], threading.Lock()

    def send(key):
        try:
            statement = services.statement_publish(
                partnership=x.partnership, by=x.commissioner, next_review_on=next_year(), submission_key=key
            )
            outcome = statement.pk
        except IntegrityError as error:
            outcome = type(error).__name__
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=send, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, renders


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_click_publishes_one_version(monkeypatch, x):
    ready_draft(x.partnership, x.commissioner)
    outcomes, renders = _race(monkeypatch, x, ["one-key", "one-key"])
    assert renders == [1, 1]
    assert len(outcomes) == 2
    assert outcomes[0] == outcomes[1]
    assert list(PublishedStatement.objects.values_list("version", "body_html")) == [(1, "<p>version 1</p>")]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_publishes_at_once_make_versions_1_and_2(monkeypatch, x):
    ready_draft(x.partnership, x.commissioner)
    outcomes, renders = _race(monkeypatch, x, ["first", "second"])
    assert sorted(renders) == [1, 1, 2]  # the one that waited rendered again, as version 2
    assert len(set(outcomes)) == 2
    assert all(isinstance(o, int) for o in outcomes)
    stored = PublishedStatement.objects.order_by("version").values_list("version", "body_html", "content__version")
    assert list(stored) == [(1, "<p>version 1</p>", 1), (2, "<p>version 2</p>", 2)]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_without_the_lock_two_publishes_take_the_same_number_and_one_fails(monkeypatch, x):
    """The negative control: the race is real, and the lock is what closes it."""
    ready_draft(x.partnership, x.commissioner)
    monkeypatch.setattr(services, "_lock", lambda partnership: None)
    outcomes, _ = _race(monkeypatch, x, ["first", "second"], hold_at="numbering")
    assert sorted(map(str, outcomes))[-1] == "IntegrityError"
    assert PublishedStatement.objects.count() == 1
