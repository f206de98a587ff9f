"""The studio in a real browser: headless Chromium fills the page, runs a try-on, shows the result.

Uses Debian's Chromium (``apt-get install chromium``) through Playwright; Playwright's own
browser download is not needed. Outside CI the test is skipped when Chromium is missing;
in CI (``CI`` set) a missing Chromium is a failure. Screenshots of the page before and after
the try-on are kept in the test's tmp folder and copied to /tmp/studio_screenshot*.png.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipelines.drawn import striped_tshirt
from pipelines.imageio import save_png

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 1000}
PAGE_LOAD_MS = 60_000
TRYON_MS = 120_000
SHOTS = Path("/tmp")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; install it with: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_try_on_in_the_browser(browser, app, astronaut, tmp_path):
    person = save_png(tmp_path / "astronaut.png", astronaut)
    upper = save_png(tmp_path / "tshirt.png", striped_tshirt())
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(app.local_url, wait_until="domcontentloaded")
    page.wait_for_selector("#tryon-button", timeout=PAGE_LOAD_MS)

    # Nothing filled in yet: a readable message, not a stack trace.
    page.locator("#tryon-button").click()
    toast = page.get_by_text("No garment was given")
    toast.first.wait_for(timeout=PAGE_LOAD_MS)
    assert "Traceback" not in page.content()
    page.screenshot(path=tmp_path / "before.png", full_page=True)
    page.locator(".toast-close").first.click()

    page.locator("#person-photo input[type=file]").set_input_files(person)
    page.locator("#slot-upper input[type=file]").set_input_files(upper)
    page.get_by_text("Upper: a valid outfit").wait_for(timeout=PAGE_LOAD_MS)
    page.locator(".chip", has_text="rolled sleeves").click()
    page.get_by_text("Understood as:").wait_for(timeout=PAGE_LOAD_MS)
    assert page.locator("#layout-text textarea, #layout-text input").first.input_value() == "rolled sleeves"

    page.locator("#tryon-button").click()
    page.locator("#download").wait_for(state="visible", timeout=TRYON_MS)
    details = page.locator("#result-details").inner_text()
    assert "warp" in details and "rolled sleeves" in details
    assert page.locator("#result img").count() >= 2  # before and after
    assert page.locator("#history img").count() == 1
    page.mouse.move(0, 0)
    page.screenshot(path=tmp_path / "after.png", full_page=True)

    for name, target in [("before.png", "studio_screenshot_before.png"), ("after.png", "studio_screenshot.png")]:
        shutil.copyfile(tmp_path / name, SHOTS / target)
    page.close()
