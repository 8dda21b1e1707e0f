"""The browser test harness: headless Debian Chromium driven by Playwright against pytest-django's live server.

Every test in this folder is marked `browser` (deselect with `-m "not browser"`). Fixtures:

    page         a fresh browser context (own cookies) and page, whose base_url is the live server
    new_page     makes another, for a second person in the same test (each with its own cookies);
                 new_page(java_script_enabled=False) for a browser without JavaScript
    refreshes    refreshes(page): how many times the page has reloaded itself (a meta refresh) since it was last
                 checked; those loads of the same address count as looked at
    checkpoint   checkpoint(page, "Page title") waits for the page, saves a screenshot to
                 test-artifacts/screenshots/<test>/<n>-<slug>.png and fails on any axe (WCAG 2.2 AA) violation;
                 then does it all again at a phone's 320 CSS px (<n>-<slug>-320.png), where it also fails if the
                 page scrolls sideways (WCAG 1.4.10 reflow), and goes back to 1280 px
    axe          axe(page) runs only the axe check

After each test, the harness fails the test if a page was loaded that no checkpoint looked at, or if the
browser logged an error (a script error, a Content-Security-Policy violation, a missing file).
"""

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread, so Django thinks the test (and its ORM
# calls, which are plain synchronous ones) is async code. Only the browser tests need this.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
HERE = Path(__file__).resolve().parent

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
TITLE_SUFFIX = " – Breakthrough"
ANY_WORDS = "… – "  # a checkpoint title's start that stands for any words (a count of what a list found)
TIMEOUT_MS = 15_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 640}  # WCAG 1.4.10: content reflows at 320 CSS px without scrolling sideways

# What sticks out furthest past the right edge of the viewport, for the failure message: the deepest element
# whose right edge is the furthest right (so the offending table or word, not the <main> that holds it).
_WIDEST_ELEMENTS = """(width) => {
    const describe = (element) => {
        let name = element.tagName.toLowerCase();
        if (element.id) name += "#" + element.id;
        for (const cls of element.classList) name += "." + cls;
        const text = (element.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 60);
        return text ? `${name} "${text}"` : name;
    };
    const found = [];
    for (const element of document.body.querySelectorAll("*")) {
        const box = element.getBoundingClientRect();
        // Its own box, or the text in it that does not wrap (a long address in a box of the right width).
        const hasText = [...element.childNodes].some(
            (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim()
        );
        const right = hasText ? Math.max(box.right, box.left + element.scrollWidth) : box.right;
        if (box.width === 0 || right <= width + 0.5) continue;
        const style = getComputedStyle(element);
        if (style.position === "absolute" && box.width <= 1) continue;  // govuk-visually-hidden
        // Inside a box that scrolls or clips within the page, it does not make the page scroll.
        let clipped = false;
        for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
            const scrolls = getComputedStyle(parent).overflowX !== "visible";
            if (scrolls && parent.getBoundingClientRect().right <= width + 0.5) {
                clipped = true;
                break;
            }
        }
        if (clipped) continue;
        found.push({right: Math.round(right), element});
    }
    // An element whose child sticks out just as far is not the culprit: report the child.
    const culprits = found.filter(
        ({right, element}) => !found.some(
            (other) => other.element !== element && element.contains(other.element) && other.right >= right
        )
    );
    culprits.sort((a, b) => b.right - a.right);
    return culprits.slice(0, 5).map(({right, element}) => `${describe(element)} (right edge at ${right}px)`);
}"""


def _missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"the browser tests need Debian's Chromium at {CHROMIUM}: "
            "sudo apt-get install chromium fonts-liberation (bin/test installs it)"
        )
    if not AXE_SOURCE.exists():
        return f"axe-core is not installed at {AXE_SOURCE}: run bin/setup (npm ci)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing_reason()
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(_playwright):
    browser = _playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _tasks_run_inline(settings):
    """Celery tasks (e-mail) run inside the request, so their results are there when the page is."""
    from breakthrough.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    """E-mail sent by the live server (a thread of this process) lands in django.core.mail.outbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


class _Session:
    """What the harness knows about one test's pages: every document loaded and which were checked."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.loads: list[str] = []  # URL of every document loaded, in order
        self.checked: set[int] = set()  # indexes into loads
        self.errors: list[str] = []
        self.shots = 0

    def watch(self, page):
        page.on("domcontentloaded", lambda p: self.loads.append(p.url))
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: uncaught {error}"))
        page.on("console", lambda msg: self._console(page, msg))

    def _console(self, page, message):
        if message.type == "error":
            self.errors.append(f"{page.url}: console error: {message.text}")


@pytest.fixture
def _browser_session(request):
    directory = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(directory, ignore_errors=True)
    session = _Session(directory)
    yield session
    unchecked = [url for index, url in enumerate(session.loads) if index not in session.checked]
    problems = []
    if unchecked:
        problems.append("pages loaded without a checkpoint (axe and a screenshot):\n  " + "\n  ".join(unchecked))
    if session.errors:
        problems.append("the browser reported errors:\n  " + "\n  ".join(session.errors))
    if problems and not getattr(request.node, "_failed_call", False):
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item._failed_call = True  # don't pile harness complaints on a test that already failed
    return report


@pytest.fixture
def new_page(chromium, live_server, _browser_session):
    """new_page() -> a page in a new browser context: another person, with their own cookies."""
    contexts = []

    def make(**options):
        context = chromium.new_context(base_url=live_server.url, locale="en-GB", viewport=DESKTOP, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.scripts_off = options.get("java_script_enabled") is False  # resize() has no script to wait for
        _browser_session.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def refreshes(_browser_session):
    """refreshes(page) -> the loads of the page's own address since the last checkpoint: the page reloading itself
    (a meta refresh), which a test watches change rather than checking each. They count as looked at."""

    def count(page) -> int:
        loads = _browser_session.loads
        since = max(_browser_session.checked, default=-1) + 1
        again = [index for index in range(since, len(loads)) if loads[index] == page.url]
        _browser_session.checked.update(again)
        return len(again)

    return count


def _axe_report(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:10]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}   {node.get('html', '')[:160]}")
            summary = [line.strip() for line in (node.get("failureSummary") or "").splitlines() if line.strip()]
            if summary:
                lines.append(f"      {summary[0]} {'; '.join(summary[1:])}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def run_axe(page) -> list[dict]:
    """axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules against the page as it is now; returns the violations.

    The source is evaluated through the DevTools protocol, which the page's Content-Security-Policy does
    not govern, so the site's CSP stays switched on for the test.
    """
    if getattr(page, "scripts_off", False):
        return _with_scripts_on_for_axe(page)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate("async (options) => (await window.axe.run(document, options)).violations", AXE_OPTIONS)


def _with_scripts_on_for_axe(page) -> list[dict]:
    """axe for a page of a browser without JavaScript, where axe itself cannot run (its timers never fire): the
    page as that browser built it (its DOM, without the scripts it skipped, nor the <noscript> meta refresh, which
    is not content) is checked in a page of the same site with scripts on, at the same size."""
    html = page.content()
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S | re.I)
    html = re.sub(r"<noscript>.*?</noscript>", "", html, flags=re.S | re.I)
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    context = page.context.browser.new_context(locale="en-GB", viewport=page.viewport_size)
    try:
        twin = context.new_page()
        twin.goto(origin + "/accessibility/")
        twin.set_content(html, wait_until="load")
        return run_axe(twin)
    finally:
        context.close()


_axe_cache: list[str] = []


def _axe_source() -> str:
    if not _axe_cache:
        _axe_cache.append(AXE_SOURCE.read_text(encoding="utf-8"))
    return _axe_cache[0]


@pytest.fixture
def axe():
    def check(page):
        violations = run_axe(page)
        if violations:
            pytest.fail(f"axe found accessibility problems on {page.url}:\n{_axe_report(violations)}", pytrace=False)

    return check


def resize(page, viewport: dict) -> None:
    """Change the window's size and wait two frames, so that the page's own scripts have answered the change (the
    service navigation folds its menu behind "Menu" below the tablet breakpoint, and unfolds it above)."""
    page.set_viewport_size(viewport)
    if getattr(page, "scripts_off", False):
        # Without JavaScript no script answers the change, and animation frames never call back: only layout.
        page.wait_for_timeout(100)
        return
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def assert_reflows(page, width: int = PHONE["width"]):
    """The page does not scroll sideways at this width; if it does, name what sticks out."""
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll_width > width:
        culprits = page.evaluate(_WIDEST_ELEMENTS, width)
        pytest.fail(
            f"{page.url} scrolls sideways at {width} CSS px (WCAG 1.4.10 reflow): it is {scroll_width}px wide. "
            "Widest elements:\n  " + "\n  ".join(culprits or ["(none found)"]),
            pytrace=False,
        )


@pytest.fixture
def checkpoint(_browser_session, axe):
    """checkpoint(page, title): the page has loaded with this title, looks right (screenshot) and passes axe,
    at 1280 px and again at 320 px, where it must also reflow (no sideways scrolling). A title starting "… – "
    is a page whose title begins with what it found ("28 carers (page 1 of 2) – Caseload"): any words, then the rest.
    """
    from playwright.sync_api import expect

    def look(page, slug: str):
        # Beyond axe's WCAG rules: one h1 on every page, and one current item in the service navigation.
        expect(page.locator("h1")).to_have_count(1)
        current = page.locator(".govuk-service-navigation [aria-current]").all_inner_texts()
        assert len(current) <= 1, f"{page.url}: more than one current item in the navigation: {current}"
        _browser_session.directory.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=_browser_session.directory / f"{slug}.png", full_page=True)
        axe(page)

    def check(page, title: str):
        if title.startswith(ANY_WORDS):
            expect(page).to_have_title(re.compile(r"^.+ – " + re.escape(title[len(ANY_WORDS) :] + TITLE_SUFFIX) + "$"))
        else:
            expect(page).to_have_title(title + TITLE_SUFFIX)
        page.wait_for_load_state("load")
        _browser_session.shots += 1
        slug = f"{_browser_session.shots:02d}-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
        desktop = page.viewport_size or DESKTOP
        look(page, slug)
        resize(page, PHONE)
        try:
            assert_reflows(page)
            look(page, f"{slug}-320")
        finally:
            resize(page, desktop)
        # Events arrive in order, so every load before the axe run has been recorded by now.
        if _browser_session.loads:
            _browser_session.checked.add(len(_browser_session.loads) - 1)

    return check
