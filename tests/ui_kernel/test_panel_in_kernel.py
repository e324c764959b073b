"""The panel in a real IPython kernel: nbclient runs one notebook that clicks through every failure path.

In a real kernel ipywidgets' ``Output`` prints and swallows exceptions, so plain-Python tests cannot
prove that no traceback reaches the notebook. Here every scenario runs as a cell of one notebook in
one ``python3`` kernel (one start for all of them); the tests read each cell's ``REPORT`` line, check
that no output of any cell is an error or a traceback, and that the saved notebook keeps the panel's
record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from panel_kernel_cells import CELLS

CELL_TIMEOUT = 120


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    folder = tmp_path_factory.mktemp("panel_kernel")
    nb = nbformat.v4.new_notebook()
    journal = nbformat.v4.new_code_cell(f"JOURNAL_PATH = {str(folder / 'journal.sqlite')!r}",
                                        metadata={"name": "journal"})
    nb.cells = [journal, *(nbformat.v4.new_code_cell(source, metadata={"name": name}) for name, source in CELLS)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    saved = folder / "panel_kernel.ipynb"
    nbformat.write(nb, saved)
    yield nb, saved


@pytest.fixture(scope="module")
def reports(executed: tuple[Any, Path]) -> dict[str, dict[str, Any]]:
    nb, _saved = executed
    found: dict[str, dict[str, Any]] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith("REPORT "):
                    record = json.loads(line.removeprefix("REPORT "))
                    found[record["name"]] = record
    return found


def _texts(output: Any) -> str:
    parts = [output.get("text", ""), output.get("ename", ""), output.get("evalue", ""),
             "\n".join(output.get("traceback", []))]
    for value in output.get("data", {}).values():
        parts.append(value if isinstance(value, str) else json.dumps(value))
    return "\n".join(parts)


def test_no_cell_shows_an_error_or_a_traceback(executed: tuple[Any, Path]) -> None:
    nb, _saved = executed
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", (cell.metadata["name"], output.get("ename"),
                                                          output.get("evalue"))
            text = _texts(output)
            assert "Traceback" not in text and "UnboundLocalError" not in text, (cell.metadata["name"], text)
            assert output.get("name") != "stderr", (cell.metadata["name"], text)


def test_every_scenario_reported(reports: dict[str, dict[str, Any]]) -> None:
    expected = {name for name, _source in CELLS} - {"setup", "display"}
    assert expected <= set(reports), expected - set(reports)
    for record in reports.values():
        assert "Traceback" not in record["banner"] + record["details"]


def _one_line(record: dict[str, Any]) -> str:
    text = record["banner"]
    assert "\n" not in text and "Next:" in text, text
    assert text.count("Next:") == 1 and not re.search(r"\w\.\.( |$)", text), text
    return text


def test_drift_names_the_new_order_and_sends_nothing(reports: dict[str, dict[str, Any]]) -> None:
    r = reports["drift"]
    text = _one_line(r)
    assert f"1 new in scope ({r['new_id']})" in text and "Nothing was sent." in text
    assert "press Preview" in text and r["level"] == "error"
    assert r["untouched"] and not r["has_plan"] and r["execute_disabled"]
    assert "has been executed" not in r["phrase_line"]


@pytest.mark.parametrize(("name", "words"), [
    ("preview_503", "HTTP 503"), ("preview_429", "rate-limiting"), ("preview_timeout", "did not answer in time"),
])
def test_gateway_failures_on_preview(reports: dict[str, dict[str, Any]], name: str, words: str) -> None:
    r = reports[name]
    text = _one_line(r)
    assert words in text and "Nothing was sent." in text and "press Preview again" in text
    assert r["level"] == "error" and not r["has_plan"] and r["execute_disabled"]
    assert "Technical details" not in text and r["details"]  # the details are folded away


def test_partial_snapshot_names_the_failed_account(reports: dict[str, dict[str, Any]]) -> None:
    text = _one_line(reports["partial"])
    assert "The snapshot is incomplete" in text and "could not be read" in text and "Nothing was sent." in text
    assert not reports["partial"]["has_plan"]


def test_wrong_phrase_is_blocked_with_one_prefix(reports: dict[str, dict[str, Any]]) -> None:
    r = reports["wrong_phrase"]
    text = _one_line(r)
    assert r["disabled_by_phrase"] and "does not match" in r["hint"]
    assert text.startswith("The typed phrase does not match; type exactly: CANCEL ")
    assert "Execute is blocked" not in text and "Cannot execute" not in text
    assert r["cancels_sent"] == 0


def test_reason_and_phrase_are_cleared_for_every_new_plan(reports: dict[str, dict[str, Any]]) -> None:
    before, after = reports["wrong_phrase"], reports["cleared"]
    assert before["reason"] and before["typed"]
    assert after["has_plan"] and after["reason"] == "" and after["typed"] == ""
    assert after["banner"] == ""


def test_503_on_the_send_shows_the_verified_result(reports: dict[str, dict[str, Any]]) -> None:
    r = reports["send_503"]
    text = _one_line(r)
    assert "HTTP 503" in text and "The cancel was sent and every order was verified afterwards" in text
    assert "never re-sent" in text or "nothing is re-sent" in text
    assert r["result_shown"] and r["headline"].startswith("NOT OK:") and "75 still open" in r["headline"]
    assert "refused by APEX" in r["result_html"] and "journal" in r["result_html"]
    assert r["still_open"] > 0  # the 503 was refused before the engine: nothing was cancelled


def test_429_on_the_send_is_verified_and_said(reports: dict[str, dict[str, Any]]) -> None:
    r = reports["send_429"]
    text = _one_line(r)
    assert "rate-limiting" in text and "The cancel was sent and every order was verified afterwards" in text
    assert r["result_shown"] and r["headline"].startswith("NOT OK:") and "refused by APEX" in r["result_html"]


def test_time_outs_during_verification_still_end_in_a_verified_result(reports: dict[str, dict[str, Any]]) -> None:
    r = reports["verify_timeout"]
    assert r["result_shown"] and r["open_after"] == 0
    assert r["level"] in {"ok", "warning"} and r["banner"] == r["headline"]


def test_lost_reply_is_verified_instead(reports: dict[str, dict[str, Any]]) -> None:
    r = reports["lost_reply"]
    assert r["ack"] == "unknown" and r["open_after"] == 0
    assert "reply lost" in r["headline"] and "verified instead; 75 canceled" in r["headline"]
    assert "Acknowledgement: reply lost" in r["result_html"] and "verified instead" in r["result_html"]
    assert r["level"] == "warning" and "75 canceled" in r["banner"]


def test_verification_failures_still_end_in_a_result(reports: dict[str, dict[str, Any]]) -> None:
    r = reports["verify_503"]
    assert r["result_shown"] and r["headline"]
    assert r["level"] in {"ok", "warning", "error"}


def test_read_only_plan_shows_its_orders_and_why_it_cannot_run(reports: dict[str, dict[str, Any]]) -> None:
    r = reports["read_only"]
    assert r["count"] == r["open_on_9"] > 0, "a read-only plan still shows the orders in scope"
    assert f">{r['open_on_9']}</b> orders in scope" in r["summary"]
    assert "Cannot execute:" in r["summary"] and "Not Authorized" in r["summary"]
    assert r["phrase_line"] == "" and "CANCEL 0 ORDERS" not in json.dumps(r)
    assert r["orders_table"] > r["open_on_9"] and r["inputs_disabled"] and r["execute_disabled"]
    assert r["banner"].startswith("This plan cannot run") and "ask an Operator" in r["banner"]


def test_not_permitted_scope_is_refused_in_words(reports: dict[str, dict[str, Any]]) -> None:
    text = _one_line(reports["not_permitted"])
    assert "only to an Operator" in text and "Nothing was sent." in text


def test_progress_is_shown_live_during_verification(reports: dict[str, dict[str, Any]]) -> None:
    r = reports["progress"]
    assert r["seen"], "the execute hook never reported a poll"
    for display, words in r["seen"]:
        assert display == "flex"
        assert re.search(r"\d+ canceled · \d+ filled · \d+ pending · \d+ still open, of \d+", words), words
    assert "s left" in r["seen"][0][1]
    assert r["hidden_after"] == "none" and r["headline"].startswith("verified OK")


def test_budget_end_with_orders_open_is_a_warning_banner(reports: dict[str, dict[str, Any]]) -> None:
    r = reports["still_open"]
    assert r["level"] == "warning" and r["headline"].startswith("NOT OK:") and " still open" in r["banner"]
    assert "time budget ended" in r["banner"] and "not re-sent" in r["banner"]


def test_success_and_the_closed_client(reports: dict[str, dict[str, Any]]) -> None:
    ok = reports["success"]
    assert ok["open_after"] == 0 and ok["level"] == "ok" and ok["headline"].startswith("verified OK: ")
    assert ok["execution_id"] in ok["result_html"] and "journal.sqlite" in ok["result_html"]
    closed = _one_line(reports["closed"])
    assert closed.startswith("The client is closed") and "new Client" in closed


def test_saved_notebook_keeps_the_panels_latest_record(executed: tuple[Any, Path],
                                                      reports: dict[str, dict[str, Any]]) -> None:
    _nb, saved = executed
    display_cell = next(c for c in nbformat.read(saved, as_version=4).cells if c.metadata["name"] == "display")
    htmls = [o["data"]["text/html"] for o in display_cell.outputs if "text/html" in o.get("data", {})]
    assert len(htmls) == 1 and "Cancel panel record" in htmls[0]
    widget = [o for o in display_cell.outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widget, "the live panel is displayed too"
    # the record was replaced in place after the last action of this panel (the success cell)
    assert reports["success"]["execution_id"] in htmls[0] and "verified OK" in htmls[0]
    assert htmls[0] == reports["success"]["record"]


def test_html_export_shows_the_record(executed: tuple[Any, Path], reports: dict[str, dict[str, Any]]) -> None:
    _nb, saved = executed
    body, _resources = HTMLExporter().from_filename(str(saved))
    assert "Cancel panel record" in body
    assert reports["success"]["execution_id"] in body and "verified OK" in body
    assert "Traceback" not in body
