"""Issue 11 item 6: refused execute attempts are journalled (what, why, drift ids, phrase matched), no secret."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from apex_notebook.audit.journal import Journal
from apex_notebook.audit.refusals import REFUSAL_COLUMNS

from .journal_samples import raw

PHRASE = "CANCEL 12 ORDERS ON ACCOUNT 9, ALL INSTRUMENTS"


def _blob(path: str) -> bytes:
    data = b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if Path(p).exists())
    with raw(path) as conn:
        for (message,) in conn.execute("SELECT message FROM refusals"):
            data += str(message).encode()
    return data


def test_refusals_are_recorded_in_order_and_read_back_typed(journal: Journal) -> None:
    first = journal.refused({
        "kind": "drift", "message": "the orders in scope changed since the preview: 2 added [301, 302]",
        "username": "ops", "base_url": "https://ops:demo@apex.example.com:8443/AP?aptoken=abc", "oms_id": 1,
        "scope_text": "every order of account 9", "plan_id": "p1", "fingerprint": "f" * 64,
        "phrase_matched": True, "drift_added_ids": [301, 302], "drift_removed_ids": [17],
        "at": pd.Timestamp("2026-11-30T12:01:00Z")})
    second = journal.refused({"kind": "confirmation", "message": "the confirmation does not match",
                              "username": "ops", "phrase_matched": False})
    third = journal.refused({"kind": "not_same_session", "message": "previewed by another user"})
    frame = journal.refusals()
    assert list(frame["refusal_id"]) == [first, second, third] and len({first, second, third}) == 3
    assert list(frame.columns) == list(REFUSAL_COLUMNS)
    assert {c: str(t) for c, t in frame.dtypes.items()} == {c: str(t) for c, t in REFUSAL_COLUMNS.items()}
    assert list(frame["kind"]) == ["drift", "confirmation", "not_same_session"]
    one = frame.iloc[0]
    assert one["at"] == pd.Timestamp("2026-11-30T12:01:00Z")
    assert one["base_url"] == "https://apex.example.com:8443/AP"
    assert one["drift_added_ids"] == [301, 302] and one["drift_removed_ids"] == [17]
    assert one["oms_id"] == 1 and one["fingerprint"] == "f" * 64
    assert frame["phrase_matched"].tolist()[:2] == [True, False] and pd.isna(frame["phrase_matched"].iloc[2])
    assert frame.loc[2, "drift_added_ids"] == [] and pd.isna(frame.loc[2, "username"])
    assert journal.verify().ok  # refusal rows are chained like every other row


def test_no_phrase_and_no_secret_is_stored(journal: Journal) -> None:
    journal.refused({"kind": "confirmation", "message": "wrong phrase; see https://ops:demo@apex.example.com/x",
                     "phrase_matched": False, "confirm": PHRASE, "typed": "CANCEL 12 ORDERS",
                     "password": "demo-secret", "base_url": "//ops:demo@apex.example.com"})
    data = _blob(journal.path)
    for secret in (PHRASE.encode(), b"CANCEL 12 ORDERS", b"demo-secret", b"ops:demo"):
        assert secret not in data, secret
    row = journal.refusals().iloc[0]
    assert row["message"] == "wrong phrase; see https://apex.example.com/x"
    assert "demo" not in str(row["base_url"])


def test_a_refusal_needs_a_kind(journal: Journal) -> None:
    with pytest.raises(ValueError, match="kind"):
        journal.refused({"message": "no kind"})
    assert journal.refusals().empty


def test_an_empty_journal_has_an_empty_typed_refusals_frame(journal: Journal) -> None:
    frame = journal.refusals()
    assert frame.empty and list(frame.columns) == list(REFUSAL_COLUMNS)
