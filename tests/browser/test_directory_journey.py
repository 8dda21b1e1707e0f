"""The directory in a real browser, on a desktop and on a phone, with and without JavaScript: someone searches
near their postcode, gets the nearest breaks first with how far each is, and on a phone sees the results straight
after Search, with the filters folded behind "Filter results".

Every page with JavaScript goes through `checkpoint` (title, screenshot, axe); the 320px pages also must not
scroll sideways.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from brokerage.directory import geo
from brokerage.models import OfferKind, OutwardCode
from tests.browser.conftest import SCREENSHOTS, TIMEOUT_MS, TITLE_SUFFIX
from tests.factories import OfferFactory, ProviderFactory, SessionFactory

URL = "/breaks/"
PHONE = {"width": 320, "height": 640}
# Outward-code centroids (British National Grid metres), as Code-Point Open gives them.
CENTROIDS = {
    "EH1": (325_900, 673_700),
    "EH6": (327_200, 676_300),  # Leith, about 1.8 miles
    "EH4": (321_500, 675_800),  # Corstorphine, about 3 miles
    "G1": (259_300, 665_300),  # Glasgow, about 42 miles
    "AB10": (393_800, 805_300),  # Aberdeen, about 92 miles
}
# Titles that run the other way from the distances, so that an alphabetical list would look wrong.
OFFERS = [
    ("Aberdeen beach day", "AB10 1AB"),
    ("Byres Road sitters", "G1 1XQ"),
    ("Corstorphine art club", "EH4 2AB"),
    ("Docks walk and lunch", "EH6 6QQ"),
    ("Esplanade swim", "EH1 1YZ"),
]
NEAREST_FIRST = [
    "Esplanade swim",
    "Docks walk and lunch",
    "Corstorphine art club",
    "Byres Road sitters",
    "Aberdeen beach day",
]


@pytest.fixture
def directory(db):
    for code, (easting, northing) in CENTROIDS.items():
        OutwardCode.objects.create(code=code, easting=easting, northing=northing, postcodes=100)
    provider = ProviderFactory(name="Sunny Breaks")
    for title, postcode in OFFERS:
        SessionFactory(offer=OfferFactory(title=title, postcode=postcode, provider=provider, kind=OfferKind.DAY))
    assert geo.geocode_offers() == len(OFFERS)


def result_titles(page: Page) -> list[str]:
    return page.locator("main .govuk-grid-column-two-thirds h3").all_inner_texts()


def filters(page: Page):
    return page.get_by_role("search", name="Filter breaks")


def toggle(page: Page):
    return page.locator("main summary", has_text="Filter results")


def assert_reflows(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at {PHONE['width']}px: it scrolls sideways"


def search_near_edinburgh(page: Page) -> None:
    filters(page).get_by_label("Postcode").fill("EH1 1YZ")
    filters(page).get_by_label("Age of the person taking the break").fill("12")
    filters(page).get_by_role("button", name="Search").click()


TITLE = "5 breaks near EH1 1YZ – Find a break"
STATUS = "5 breaks found. Nearest first to EH1 1YZ."


def test_on_a_desktop_the_filters_sit_beside_the_nearest_results(page: Page, checkpoint, directory):
    page.goto(URL)
    checkpoint(page, "Find a break")
    expect(filters(page)).to_be_visible()
    expect(toggle(page)).to_be_hidden()  # beside the results there is room: no toggle
    assert result_titles(page) == sorted(NEAREST_FIRST)  # by title until there is a postcode

    search_near_edinburgh(page)
    checkpoint(page, TITLE)
    expect(page.locator("main p[role=status]")).to_have_text(STATUS)
    assert result_titles(page) == NEAREST_FIRST
    results = page.locator("main .govuk-grid-column-two-thirds li")
    expect(results.nth(0)).to_contain_text("Less than a mile away")
    expect(results.nth(1)).to_contain_text("About 1.8 miles away")
    expect(results.nth(3)).to_contain_text("About 42 miles away")
    expect(results.nth(4)).to_contain_text("About 92 miles away")
    # Still beside the results after the search, and still holding what was searched
    expect(filters(page)).to_be_visible()
    expect(filters(page).get_by_label("Postcode")).to_have_value("EH1 1YZ")
    expect(filters(page).get_by_label("Age of the person taking the break")).to_have_class(
        "govuk-input govuk-input--width-3"
    )


def test_on_a_phone_the_results_come_first_and_the_filters_are_one_tap_away(page: Page, checkpoint, directory):
    page.set_viewport_size(PHONE)
    page.goto(URL)
    checkpoint(page, "Find a break")
    assert_reflows(page)
    expect(filters(page)).to_be_visible()  # nothing searched yet: the filters are open

    search_near_edinburgh(page)
    checkpoint(page, TITLE)
    assert_reflows(page)
    expect(filters(page)).to_be_hidden()
    expect(toggle(page)).to_be_visible()
    first = page.get_by_role("link", name=NEAREST_FIRST[0])
    box = first.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"], f"the first result starts {box['y']:.0f}px down"
    expect(page.locator("main p[role=status]")).to_have_text(STATUS)

    toggle(page).click()
    expect(filters(page)).to_be_visible()
    expect(filters(page).get_by_label("Postcode")).to_have_value("EH1 1YZ")

    # A mistake opens the filters again, with the message by the field.
    filters(page).get_by_label("Age of the person taking the break").fill("twelve")
    filters(page).get_by_role("button", name="Search").click()
    checkpoint(page, "Error: Find a break")
    assert_reflows(page)
    expect(filters(page)).to_be_visible()
    expect(filters(page).locator(".govuk-error-message")).to_contain_text("Enter the age as a whole number")


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["320px", "1280px"])
def test_without_javascript_the_filters_still_open_and_close(request, chromium, live_server, directory, viewport):
    """With JavaScript off the filters are a plain <details>: folded after a search on any screen, opened with a
    click. Not through `checkpoint`: axe runs as a script in the page, which a page without JavaScript never runs
    (page.evaluate waits for ever); the same markup passes axe with JavaScript on, above. Screenshots are kept."""
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", viewport=viewport, java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    shots = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shots.mkdir(parents=True, exist_ok=True)
    try:
        page = context.new_page()
        page.goto(URL + "?postcode=EH1+1YZ")
        expect(page).to_have_title(TITLE + TITLE_SUFFIX)
        assert result_titles(page) == NEAREST_FIRST
        expect(filters(page)).to_be_hidden()
        page.screenshot(path=shots / "01-folded.png", full_page=True)
        toggle(page).click()
        expect(filters(page)).to_be_visible()
        page.screenshot(path=shots / "02-opened.png", full_page=True)
        filters(page).get_by_label("Distance").select_option(label="5 miles")
        filters(page).get_by_role("button", name="Search").click()
        expect(page).to_have_title("3 breaks within 5 miles of EH1 1YZ – Find a break" + TITLE_SUFFIX)
        assert result_titles(page) == NEAREST_FIRST[:3]
        expect(filters(page)).to_be_hidden()
        page.screenshot(path=shots / "03-within-5-miles.png", full_page=True)
    finally:
        context.close()
