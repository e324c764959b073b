"""The confirm-and-execute panel, served by Voila, driven by a real Chromium at 1280x800.

The simulator runs in this test process behind a real uvicorn server (``sim.serve()``); the Voila
kernel's Client talks to it over HTTP, so the test can change the OMS between two clicks (a new
order: drift) and arm faults (a 503, a lost reply) exactly as a failing gateway would behave. This
proves what a person can actually see and do, which in-process ``Button.click()`` tests cannot: a
disabled button cannot be clicked, Execute is on the first screen, every failure is a banner and
no traceback ever reaches the page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from voila_harness import VoilaServer, write_notebook

from apex_notebook.simulator import FakeOMS

VIEWPORT = {"width": 1280, "height": 800}

PANEL_APP = """
import os
from urllib.parse import parse_qs
import apex_notebook as apx

user = parse_qs(os.environ.get("QUERY_STRING", "")).get("user", ["ops"])[0]  # Voila passes the page's query
apex = apx.Client(os.environ["APEX_SIM_URL"], username=user, password="demo", timeout=2.0, max_retries=0)
panel = apx.CancelPanel(apex, journal=apx.Journal(os.environ["APEX_TEST_JOURNAL"], create=True),
                        verify_timeout=float(os.environ.get("APEX_VERIFY_TIMEOUT", "3")))
panel
"""


@pytest.fixture(scope="module")
def sim() -> Iterator[tuple[FakeOMS, str]]:
    """A seeded simulator (12 accounts x 500 orders: every account is a 500-order plan) on a real server."""
    oms = FakeOMS.seeded(seed=7, accounts=12, orders_per_account=500)
    with oms.serve() as handle:
        yield oms, handle.url


@pytest.fixture(scope="module")
def voila(sim: tuple[FakeOMS, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoilaServer]:
    folder = tmp_path_factory.mktemp("voila_panel")
    notebook = write_notebook(folder / "panel_app.ipynb", PANEL_APP)
    artifacts = Path(__file__).resolve().parents[2] / "artifacts"
    artifacts.mkdir(exist_ok=True)
    env = dict(os.environ, APEX_SIM_URL=sim[1], APEX_TEST_JOURNAL=str(folder / "journal.sqlite"),
               APEX_VERIFY_TIMEOUT="15")
    server = VoilaServer(notebook, artifacts / "voila-panel.log", env)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


class PanelPage:
    """One Voila page showing the panel: locators and the steps a person takes."""

    def __init__(self, browser: Any, url: str, artifacts: Path) -> None:
        from playwright.sync_api import expect

        self.expect = expect
        self.artifacts = artifacts
        self.page = browser.new_page(viewport=VIEWPORT)
        self.page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            ("http://127.0.0.1", "ws://127.0.0.1")) else route.abort())
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(url, timeout=90_000)
        self.execute = self.page.locator("button.apex-execute")
        self.banner = self.page.locator(".apex-banner-line")
        expect(self.page.locator("button.apex-preview")).to_be_visible(timeout=90_000)

    def pick(self, css: str, starts_with: str) -> None:
        """Choose the dropdown option whose label starts with ``starts_with``, as a person would."""
        select = self.page.locator(f"{css} select")
        labels = select.evaluate("s => Array.from(s.options).map(o => o.label)")
        # ipywidgets renders spaces in option labels as non-breaking spaces.
        matching = [text for text in labels if text.replace("\xa0", " ").startswith(starts_with)]
        assert matching, f"no option starting with {starts_with!r} among {labels[:8]}"
        select.select_option(label=matching[0])

    def preview(self, account: str, instrument: str = "ALL instruments") -> None:
        self.pick(".apex-account", account)
        self.pick(".apex-instrument", instrument)
        self.page.locator("button.apex-preview").click()

    def phrase(self) -> str:
        locator = self.page.locator(".apex-plan-phrase .apex-phrase-value")
        self.expect(locator).to_be_visible(timeout=60_000)
        return str(locator.inner_text()).strip()

    def confirm(self, reason: str, phrase: str) -> None:
        self.page.locator(".apex-reason input").press_sequentially(reason)
        self.page.locator(".apex-confirm input").press_sequentially(phrase)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.artifacts / f"{name}.png"))

    def assert_clean(self) -> None:
        """No page error, and no traceback anywhere on the page."""
        assert self.errors == []
        body = str(self.page.locator("body").inner_text())
        assert "Traceback" not in body and "UnboundLocalError" not in body

    def execute_on_first_screen(self) -> None:
        """Execute lies inside the 1280x800 viewport with nothing scrolled (window or any scroll container)."""
        box = self.execute.bounding_box()
        assert box is not None, "Execute is not rendered"
        assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], box
        assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"], box
        scrolled = self.execute.evaluate(
            "e => { let s = window.scrollY; for (let p = e.parentElement; p; p = p.parentElement) s += p.scrollTop;"
            " return s; }")
        assert scrolled == 0, f"the page was scrolled by {scrolled} px"


@pytest.fixture
def panel_page(browser: Any, voila: VoilaServer, artifacts_dir: Path, request: pytest.FixtureRequest
               ) -> Iterator[PanelPage]:
    user = getattr(request, "param", "ops")
    page = PanelPage(browser, f"{voila.url}?user={user}", artifacts_dir)
    try:
        yield page
    finally:
        page.page.screenshot(path=str(artifacts_dir / "final-full-page.png"), full_page=True)
        page.page.close()


def test_500_order_plan_keeps_execute_on_the_first_screen(panel_page: PanelPage,
                                                          sim: tuple[FakeOMS, str]) -> None:
    p = panel_page
    p.expect(p.execute).to_be_disabled()
    record = p.page.locator(".apex-trace")  # the static record for the saved notebook: hidden while live
    p.expect(record).to_have_count(1)
    p.expect(record).to_be_hidden()
    p.preview("8 ")
    phrase = p.phrase()
    assert phrase == "CANCEL 500 ORDERS ON ACCOUNT 8, ALL INSTRUMENTS"
    p.expect(p.page.locator(".apex-plan-count")).to_contain_text("500 orders in scope")
    notional = str(p.page.locator(".apex-notional").inner_text())
    assert notional.count(" · ") >= 1, notional  # one total per quote currency
    p.execute_on_first_screen()
    p.confirm("browser test: runaway algo on 8", phrase)
    p.expect(p.execute).to_be_enabled()
    p.execute_on_first_screen()
    scroller = p.page.locator(".apex-orders-scroll")
    assert scroller.bounding_box()["height"] <= 322  # the 500 rows scroll inside their own box
    assert scroller.evaluate("e => e.scrollHeight > e.clientHeight")
    height = p.page.locator(".apex-panel").bounding_box()["height"]
    p.shot("first-screen-500-orders")
    p.execute.click()
    p.expect(p.page.locator(".apex-result-headline")).to_contain_text("verified OK: 500 canceled", timeout=90_000)
    p.expect(p.banner).to_contain_text("verified OK")
    p.expect(p.execute).to_be_disabled()
    assert p.page.locator(".apex-panel").bounding_box()["height"] < height + 700  # bounded after execute too
    p.shot("after-execute-500-orders")
    p.assert_clean()
    assert sim[0].open_order_ids(account_id=8) == set()


def test_all_accounts_plan_is_marked_and_still_fits_the_first_screen(panel_page: PanelPage,
                                                                   sim: tuple[FakeOMS, str]) -> None:
    p = panel_page
    total = len(sim[0].open_order_ids())  # 6000 at the start; fewer after the other tests cancelled some
    p.preview("⚠ ALL ACCOUNTS")
    phrase = p.phrase()
    assert phrase == f"CANCEL {total} ORDERS ON ALL ACCOUNTS OF OMS 1, ALL INSTRUMENTS" and total > 1000
    p.expect(p.page.locator(".apex-danger-banner")).to_contain_text("EVERY ACCOUNT")
    p.expect(p.page.locator(".apex-plan")).to_contain_text("WARNING: this scope covers EVERY ACCOUNT")
    p.expect(p.page.locator(".apex-plan-table")).to_contain_text(f"the first 1000 of {total}")
    p.confirm("browser test: look only", phrase)
    p.expect(p.execute).to_be_enabled()
    p.execute_on_first_screen()
    p.shot("all-accounts-first-screen")
    p.assert_clean()


def test_drift_is_a_banner_and_nothing_is_sent(panel_page: PanelPage, sim: tuple[FakeOMS, str]) -> None:
    p = panel_page
    oms = sim[0]
    p.preview("10 ", "BTCUSD")
    phrase = p.phrase()
    p.confirm("browser test: drift", phrase)
    new_id = oms.place_order(10, 1, side="Buy", quantity=1.0, price=99.0)
    before = oms.open_order_ids(account_id=10)
    p.expect(p.execute).to_be_enabled()
    p.execute.click()
    p.expect(p.banner).to_contain_text(f"1 new in scope ({new_id})", timeout=60_000)
    p.expect(p.banner).to_contain_text("Nothing was sent.")
    p.expect(p.banner).to_contain_text("Next: press Preview")
    p.expect(p.execute).to_be_disabled()
    details = p.page.locator(".apex-banner-details")
    p.expect(details).to_be_hidden()  # folded away
    p.shot("drift-banner")
    assert oms.open_order_ids(account_id=10) == before
    p.assert_clean()


def test_503_on_preview_is_a_banner(panel_page: PanelPage, sim: tuple[FakeOMS, str]) -> None:
    p = panel_page
    sim[0].faults.http_status_next("GetOpenOrders", 503)
    p.preview("11 ")
    p.expect(p.banner).to_contain_text("HTTP 503", timeout=60_000)
    p.expect(p.banner).to_contain_text("Nothing was sent. Next: wait a moment, then press Preview again.")
    p.expect(p.page.locator(".apex-banner-line")).to_contain_text("Preview failed:")
    p.expect(p.execute).to_be_disabled()
    p.shot("preview-503-banner")
    p.page.get_by_text("Technical details").click()
    p.expect(p.page.locator(".apex-banner-details")).to_contain_text("ServerError")
    p.shot("preview-503-details-open")
    p.assert_clean()


def test_wrong_phrase_keeps_execute_disabled_and_says_why(panel_page: PanelPage) -> None:
    p = panel_page
    p.preview("12 ", "ETHUSD")
    phrase = p.phrase()
    p.confirm("browser test: wrong phrase", phrase.replace("CANCEL", "CANCLE"))
    p.expect(p.execute).to_be_disabled()
    hint = p.page.locator(".apex-execute-hint")
    p.expect(hint).to_contain_text("the typed phrase does not match; type exactly: " + phrase)
    assert "Execute is disabled: Execute" not in str(hint.inner_text())
    p.shot("wrong-phrase")
    p.assert_clean()


def test_lost_reply_is_verified_and_progress_is_live(panel_page: PanelPage, sim: tuple[FakeOMS, str]) -> None:
    p = panel_page
    oms = sim[0]
    p.preview("11 ", "BTCUSD")
    phrase = p.phrase()
    p.confirm("browser test: lost reply", phrase)
    oms.faults.hang_next("CancelAllOrders", 4.0)   # the cancel takes effect, its reply never arrives in time
    oms.config.cancel_delay = 6.0                  # and the cancels land over six seconds
    try:
        p.execute.click()
        progress = p.page.locator(".apex-progress-text")
        p.expect(progress).to_contain_text(re.compile(r"Verifying \(poll \d+\): \d+ canceled"), timeout=60_000)
        p.shot("verification-progress")
        headline = p.page.locator(".apex-result-headline")
        p.expect(headline).to_contain_text(re.compile(r"verified instead; \d+ canceled"), timeout=90_000)
    finally:
        oms.config.cancel_delay = 0.0
    p.expect(p.page.locator(".apex-ack")).to_contain_text(re.compile(r"reply lost .*— verified instead"))
    p.expect(p.page.locator(".apex-journal")).to_contain_text("journal.sqlite")
    p.shot("lost-reply-result")
    p.assert_clean()


@pytest.mark.parametrize("panel_page", ["viewer"], indirect=True)
def test_read_only_user_sees_the_orders_and_why_it_cannot_run(panel_page: PanelPage,
                                                              sim: tuple[FakeOMS, str]) -> None:
    p = panel_page
    p.expect(p.page.locator(".apex-status")).to_contain_text("signed in as viewer")
    p.preview("9 ")
    open_on_9 = len(sim[0].open_order_ids(account_id=9))
    assert open_on_9 == 500
    p.expect(p.page.locator(".apex-plan-count")).to_contain_text(f"{open_on_9} orders in scope", timeout=60_000)
    p.expect(p.page.locator(".apex-plan")).to_contain_text("Cannot execute: Not Authorized")
    p.expect(p.page.locator(".apex-plan-phrase")).to_have_text("")
    p.expect(p.page.locator(".apex-reason input")).to_be_disabled()
    p.expect(p.page.locator(".apex-confirm input")).to_be_disabled()
    p.expect(p.execute).to_be_disabled()
    p.expect(p.page.locator(".apex-orders-scroll")).to_be_visible()
    p.shot("read-only-plan")
    p.assert_clean()
