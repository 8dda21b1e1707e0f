"""Dashboards in a real browser: the national analyst's figures (small numbers hidden) and a commissioner's
partnership dashboard (filtered by area and period). Each chart is an image with its words, beside its table and a
CSV, and every page passes axe and reflows at 320 px (checkpoint does both)."""

import re
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.test_booking_journey import sign_in
from tests.factories import CarerFactory, LocalityFactory


def test_the_national_user_sees_small_numbers_hidden_beside_each_chart(page: Page, checkpoint, x, y, national_user):
    CarerFactory.create_batch(9, locality=x.locality, carer_type="parent")
    CarerFactory.create_batch(2, locality=x.locality, carer_type="young")
    CarerFactory.create_batch(6, locality=y.locality, carer_type="young")
    page.goto(reverse("commissioning:national"))
    sign_in(page, checkpoint, national_user.email, lands_on="National figures", totp_secret=national_user.totp_secret)

    charts = page.get_by_role("img")
    expect(charts).to_have_count(4)
    expect(page.get_by_role("img", name="Carers registered, by kind of carer")).to_be_visible()
    table = page.get_by_role("table", name="Carers registered, by kind of carer: the data in the chart")
    expect(table.get_by_role("row", name="Partnership X")).to_contain_text("fewer than 5")
    # 9 + fewer than 5 = 11 and 8 in the young column would give the 2 away: Y's 6 and both totals are hidden.
    expect(table.get_by_role("row", name="Partnership X")).to_have_text(
        re.compile(r"9\s*fewer than 5\s*0\s*0\s*hidden")
    )
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download this table as CSV\W+Carers registered")).click()
    assert download.value.suggested_filename == "national-carers.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Partnership X,9,fewer than 5,0,0,hidden" in text
    assert "Partnership Y,0,hidden,0,0,hidden" in text


def test_a_commissioner_filters_the_dashboard_by_area_and_period(page: Page, checkpoint, x, y):
    south = LocalityFactory(partnership=x.partnership, name="X South")
    CarerFactory.create_batch(3, locality=x.locality, carer_type="parent")
    CarerFactory.create_batch(2, locality=south, carer_type="young")
    CarerFactory.create_batch(4, locality=y.locality)
    page.goto(reverse("commissioning:home"))
    sign_in(
        page, checkpoint, x.commissioner.email, lands_on="Partnership dashboard", totp_secret=x.commissioner.totp_secret
    )
    # The summary was empty (the beat task had not run): the page counted it by the audit's definitions.
    expect(page.get_by_text(re.compile(r"^Figures as at \d\d:\d\d on "))).to_be_visible()
    expect(page.get_by_role("img")).to_have_count(9)
    area = page.get_by_role("table", name="Carers known to the hub, by area: the data in the chart")
    expect(area).to_contain_text("X South")
    expect(area.get_by_role("row", name="X North")).to_contain_text("3")
    page.get_by_text("How we count this", exact=False).first.click()
    expect(page.get_by_text("with at least one break that began in the period")).to_be_visible()

    page.get_by_label("Area", exact=True).select_option(label="X South")
    page.get_by_label("Period", exact=True).select_option(label="The last 3 months")
    page.get_by_role("button", name="Show figures").click()
    checkpoint(page, "Partnership dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnership X: X South")
    area = page.get_by_role("table", name="Carers known to the hub, by area: the data in the chart")
    expect(area.get_by_role("row")).to_have_count(2)  # the header and X South
    chart = page.get_by_role("img", name="Carers known to the hub at the end of each month")
    expect(chart).to_have_accessible_description(re.compile(r"^Line chart of carers known by month from "))
    trend = page.get_by_role("table", name="Carers known to the hub at the end of each month: the data in the chart")
    expect(trend.get_by_role("row")).to_have_count(4)  # the header and 3 months
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download this table as CSV\W+Carers known to the hub, by")).click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "X South,2" in text
    assert "X North" not in text
