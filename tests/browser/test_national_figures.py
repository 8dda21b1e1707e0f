"""The national analyst's figures in a real browser: each chart is an image with its words, beside its table and
a CSV, small numbers are hidden, and the page passes axe and reflows at 320 px (checkpoint does both)."""

import re
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.test_booking_journey import sign_in
from tests.factories import CarerFactory


def test_the_national_user_sees_small_numbers_hidden_beside_each_chart(page: Page, checkpoint, x, y, national_user):
    CarerFactory.create_batch(9, locality=x.locality, carer_type="parent")
    CarerFactory.create_batch(2, locality=x.locality, carer_type="young")
    CarerFactory.create_batch(6, locality=y.locality, carer_type="young")
    page.goto(reverse("commissioning:national"))
    sign_in(page, checkpoint, national_user.email, lands_on="National figures", totp_secret=national_user.totp_secret)

    charts = page.get_by_role("img")
    expect(charts).to_have_count(3)
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
