"""The harness checks itself: axe really runs under the site's Content-Security-Policy and reports what it finds."""

import pytest


def test_axe_reports_violations_readably(page, checkpoint, axe):
    response = page.goto("/")
    assert "script-src" in response.headers["content-security-policy"]
    checkpoint(page, "Get a short break from caring")

    # Break the page on purpose: an image with no text alternative, and pale grey text on white.
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            const image = document.createElement("img");
            image.src = "/static/images/favicon.svg";
            const pale = document.createElement("p");
            pale.textContent = "Hard to read";
            pale.style.color = "#dddddd";
            main.append(image, pale);
        }"""
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        axe(page)
    report = str(failure.value)
    assert "image-alt" in report
    assert "color-contrast" in report
    assert '<img src="/static/images/favicon.svg">' in report  # shows the element, so a human can find it
    assert "Element does not have an alt attribute" in report


def test_checkpoint_fails_a_page_that_scrolls_sideways_at_320_and_names_what_sticks_out(page, checkpoint):
    page.goto("/")
    checkpoint(page, "Get a short break from caring")  # the home page reflows

    page.evaluate(
        """() => {
            const wide = document.createElement("p");
            wide.id = "too-wide";
            wide.textContent = "A box of a fixed width, as a wide table or picture would be";
            wide.style.width = "600px";
            document.querySelector("main").append(wide);
        }"""
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        checkpoint(page, "Get a short break from caring")
    report = str(failure.value)
    assert "scrolls sideways at 320 CSS px" in report
    assert "p#too-wide" in report  # the element itself, not the <main> around it
    assert "right edge at" in report
    assert page.viewport_size["width"] == 1280  # back at the desktop width for the rest of the test
