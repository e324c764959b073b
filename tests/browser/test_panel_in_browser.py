"""The confirm-and-execute panel, served by Voila over the simulator, driven by a real Chromium.

This proves what a person can actually do (a disabled button cannot be clicked in a browser),
which in-process `Button.click()` tests cannot: choose a scope, preview it, see the order count,
type a reason and the confirmation phrase, see Execute enable, click it, and see the results.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from voila_harness import VoilaServer, write_notebook

PANEL_APP = """
import os
import apex_notebook as apx
from apex_notebook.simulator import FakeOMS

sim = FakeOMS.seeded(seed=7)
apex = apx.Client(sim.url, username="ops", password="demo", transport=sim.transport())
panel = apx.CancelPanel(apex, journal=apx.Journal(os.environ["APEX_TEST_JOURNAL"], create=True))
panel
"""


def _pick(select: Any, starts_with: str) -> None:
    """Choose the dropdown option whose label starts with `starts_with`, as a person would."""
    labels = select.evaluate("s => Array.from(s.options).map(o => o.label)")
    # ipywidgets renders spaces in option labels as non-breaking spaces.
    matching = [text for text in labels if text.replace("\xa0", " ").startswith(starts_with)]
    assert matching, f"no option starting with {starts_with!r} among {labels[:8]}"
    label = matching[0]
    select.select_option(label=label)


def test_preview_confirm_and_execute_in_a_real_browser(browser: Any, tmp_path: Path, artifacts_dir: Path) -> None:
    from playwright.sync_api import expect

    notebook = write_notebook(tmp_path / "panel_app.ipynb", PANEL_APP)
    journal_path = tmp_path / "journal.sqlite"
    server = VoilaServer(notebook, artifacts_dir / "voila.log", dict(os.environ, APEX_TEST_JOURNAL=str(journal_path)))
    page = None
    try:
        server.wait_ready()
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            ("http://127.0.0.1", "ws://127.0.0.1")) else route.abort())
        page_errors: list[str] = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.goto(server.url, timeout=90_000)

        execute = page.locator("button.apex-execute")
        expect(page.locator("button.apex-preview")).to_be_visible(timeout=90_000)
        expect(execute).to_be_disabled()

        _pick(page.locator(".apex-account select"), "9 ")
        _pick(page.locator(".apex-instrument select"), "BTCUSD")
        page.locator("button.apex-preview").click()

        count = page.locator(".apex-plan-count")
        expect(count).to_contain_text(re.compile(r"\d+"), timeout=60_000)
        phrase = page.locator(".apex-plan-phrase .apex-phrase-value").inner_text().strip()
        assert phrase.startswith("CANCEL ") and "ACCOUNT 9" in phrase
        previewed = int(re.findall(r"\d+", phrase)[0])
        assert previewed > 0
        expect(execute).to_be_disabled()

        page.locator(".apex-reason input").press_sequentially("browser test: runaway algo")
        expect(execute).to_be_disabled()
        page.locator(".apex-confirm input").press_sequentially(phrase)
        expect(execute).to_be_enabled()
        execute.click()

        results = page.locator(".apex-results")
        expect(results).to_contain_text("canceled", timeout=90_000)
        expect(page.locator(".apex-result-table")).to_contain_text(str(previewed))
        expect(execute).to_be_disabled()
        results.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts_dir / "panel-after-execute.png"))
        assert page_errors == []
    finally:
        if page is not None:
            page.screenshot(path=str(artifacts_dir / "panel-final.png"), full_page=True)
        server.stop()
    assert journal_path.exists()
