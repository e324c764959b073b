"""The panel's static record reaches the saved notebook in JupyterLab, driven by a real Chromium.

In JupyterLab a button callback runs under the comm message, not under the cell; the record is kept
up to date by ``update_display`` on the display id of the cell that showed the panel. This test
clicks through preview and execute as a person does, saves the notebook, and reads the ``.ipynb``
from disk: the panel's cell must hold the latest state (the verified result) as plain HTML.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from lab_harness import LabServer
from voila_harness import write_notebook

APP = """
import apex_notebook as apx
from apex_notebook.simulator import FakeOMS

sim = FakeOMS.seeded(seed=7)
apex = apx.Client(sim.url, username="ops", password="demo", transport=sim.transport(), progress=False)
panel = apx.CancelPanel(apex, journal=apx.Journal("journal.sqlite", create=True), verify_timeout=5.0)
panel
"""


def _saved_record(path: Path) -> str:
    cell = json.loads(path.read_text())["cells"][0]
    htmls = [o["data"]["text/html"] for o in cell.get("outputs", []) if "text/html" in o.get("data", {})]
    return "".join("".join(h) if isinstance(h, list) else h for h in htmls)


def _pick(page: Any, css: str, starts_with: str) -> None:
    select = page.locator(f"{css} select")
    labels = select.evaluate("s => Array.from(s.options).map(o => o.label)")
    matching = [text for text in labels if text.replace("\xa0", " ").startswith(starts_with)]
    assert matching, f"no option starting with {starts_with!r}"
    select.select_option(label=matching[0])


def test_saved_notebook_keeps_the_panel_record(browser: Any, tmp_path: Path, artifacts_dir: Path) -> None:
    from playwright.sync_api import expect

    root = tmp_path / "lab"
    root.mkdir()
    notebook = write_notebook(root / "panel.ipynb", APP)
    server = LabServer(root, artifacts_dir / "jupyterlab.log")
    page = None
    try:
        server.wait_ready()
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            ("http://127.0.0.1", "ws://127.0.0.1")) else route.abort())
        page.goto(server.notebook_url("panel.ipynb"), timeout=90_000)
        expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=90_000)
        page.get_by_text("Run", exact=True).first.click()
        page.get_by_text("Run All Cells", exact=True).click()
        expect(page.locator("button.apex-preview")).to_be_visible(timeout=90_000)
        expect(page.locator(".jp-InputArea-prompt").first).to_contain_text("[1]", timeout=60_000)

        _pick(page, ".apex-account", "10 ")
        _pick(page, ".apex-instrument", "BTCUSD")
        page.locator("button.apex-preview").click()
        phrase = page.locator(".apex-plan-phrase .apex-phrase-value")
        expect(phrase).to_be_visible(timeout=60_000)
        page.locator(".apex-reason input").press_sequentially("lab test: the record")
        page.locator(".apex-confirm input").press_sequentially(phrase.inner_text().strip())
        page.locator("button.apex-execute").click()
        headline = page.locator(".apex-panel .apex-result-headline")
        expect(headline).to_contain_text("verified OK", timeout=90_000)
        found = re.search(r"execution ([0-9a-f]{8,})", str(page.locator(".apex-panel .apex-journal").inner_text()))
        assert found, "the result names its execution id"
        execution = found.group(1)
        expect(page.locator(".apex-trace")).to_be_hidden()  # hidden while the live panel is shown
        page.screenshot(path=str(artifacts_dir / "lab-after-execute.png"))

        page.get_by_role("menuitem", name="File", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Save Notebook\b")).first.click()
        deadline = time.monotonic() + 30
        while execution not in _saved_record(notebook) and time.monotonic() < deadline:
            page.wait_for_timeout(500)  # not time.sleep: Playwright serves the page's requests only while called
        record = _saved_record(notebook)
        assert "Cancel panel record" in record
        assert execution in record and "verified OK" in record and "every order of account 10" in record
        assert "Traceback" not in notebook.read_text()
    finally:
        if page is not None:
            page.screenshot(path=str(artifacts_dir / "lab-final.png"))
        server.stop()
