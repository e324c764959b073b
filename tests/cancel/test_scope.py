"""DESIGN §2.1 (no implicit all, bad ids refused) and the pure matching rule of CancelScope."""

from __future__ import annotations

import copy
import dataclasses
import decimal
import pickle

import numpy as np
import pandas as pd
import pytest
from cancel_fakes import SYMBOLS, frame, mixed_records, record

import apex_notebook.cancel.scope as scope_module
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.frames.builder import OrdersBuilder
from apex_notebook.wire.errors import ScopeError


def test_all_is_a_picklable_singleton_with_repr_all() -> None:
    assert repr(ALL) == "ALL"
    assert type(ALL)() is ALL
    assert pickle.loads(pickle.dumps(ALL)) is ALL
    assert copy.copy(ALL) is ALL and copy.deepcopy(ALL) is ALL
    assert scope_module.ALL is ALL


def test_scope_is_frozen_hashable_and_picklable() -> None:
    scope = CancelScope(9, ALL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scope.account_id = 10  # type: ignore[misc]
    assert hash(scope) == hash(CancelScope(9, ALL))
    again = pickle.loads(pickle.dumps(scope))
    assert again == scope and again.instrument_id is ALL


def test_both_ids_are_required_and_a_forgotten_one_points_to_apx_all() -> None:
    with pytest.raises(ScopeError, match=r"instrument_id is required.*apx\.ALL"):
        CancelScope(9)
    with pytest.raises(ScopeError, match=r"account_id is required.*apx\.ALL"):
        CancelScope(instrument_id=1)
    with pytest.raises(ScopeError, match="account_id is required"):
        CancelScope()


@pytest.mark.parametrize("field", ["account_id", "instrument_id"])
def test_none_is_refused_with_a_pointer_to_apx_all(field: str) -> None:
    kwargs = {"account_id": 9, "instrument_id": 1, field: None}
    with pytest.raises(ScopeError, match=r"apx\.ALL") as info:
        CancelScope(**kwargs)  # type: ignore[arg-type]
    assert "None never means" in str(info.value)


BAD_IDS = [True, False, np.bool_(True), 9.0, 1.5, float("nan"), float("inf"), np.float64(9.0),
           np.float32(2.0), -1, -9, np.int64(-3), "9", "ALL", b"9", 2**63, 2**64, decimal.Decimal(9),
           [9], (9,), pd.NA, complex(9, 0), object()]


@pytest.mark.parametrize("bad", BAD_IDS, ids=[repr(b) for b in BAD_IDS])
@pytest.mark.parametrize("field", ["account_id", "instrument_id", "oms_id"])
def test_bad_ids_are_refused(bad: object, field: str) -> None:
    kwargs: dict[str, object] = {"account_id": 9, "instrument_id": 1, "oms_id": 1, field: bad}
    with pytest.raises(ScopeError):
        CancelScope(**kwargs)  # type: ignore[arg-type]


def test_scope_error_is_a_value_error_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="not a bool"):
        CancelScope(True, 1)
    with pytest.raises(ScopeError, match="float"):
        CancelScope(9.0, 1)  # type: ignore[arg-type]
    with pytest.raises(ScopeError, match="NaN"):
        CancelScope(float("nan"), 1)  # type: ignore[arg-type]
    with pytest.raises(ScopeError, match="negative"):
        CancelScope(-1, 1)
    with pytest.raises(ScopeError, match=r"2\*\*63"):
        CancelScope(2**63, 1)


@pytest.mark.parametrize("good", [np.int64(9), np.int32(9), np.uint16(9), np.int8(9), 9])
def test_numpy_integers_are_accepted_as_plain_ints(good: object) -> None:
    scope = CancelScope(good, good)  # type: ignore[arg-type]
    assert scope.account_id == 9 and type(scope.account_id) is int
    assert type(scope.to_payload()["AccountId"]) is int


def test_largest_id_is_accepted() -> None:
    assert CancelScope(2**63 - 1, 1).account_id == 2**63 - 1


@pytest.mark.parametrize("oms", [0, ALL, None])
def test_oms_id_must_be_a_positive_integer(oms: object) -> None:
    with pytest.raises(ScopeError):
        CancelScope(9, 1, oms_id=oms)  # type: ignore[arg-type]


def test_zero_is_exactly_all() -> None:
    assert CancelScope(0, 0) == CancelScope(ALL, ALL)
    zero, explicit = CancelScope(0, 1), CancelScope(ALL, 1)
    assert zero.account_id is ALL and zero.all_accounts
    assert zero.describe(SYMBOLS) == explicit.describe(SYMBOLS)
    assert zero.to_payload() == explicit.to_payload()
    assert repr(zero) == repr(explicit)
    data = frame(mixed_records())
    assert zero.select(data).equals(explicit.select(data))


def test_describe_in_plain_words() -> None:
    assert (CancelScope(ALL, 1).describe(SYMBOLS)
            == "every order of every account on OMS 1, instrument BTCUSD (1)")
    assert CancelScope(9, ALL).describe() == "every order of account 9 on OMS 1, all instruments"
    assert CancelScope(9, 7).describe(SYMBOLS) == "every order of account 9 on OMS 1, instrument 7"
    assert (CancelScope(ALL, ALL, oms_id=2).describe()
            == "every order of every account on OMS 2, all instruments")


@pytest.mark.parametrize(("account", "instrument", "expected"), [
    (9, 1, {"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "IntrumentId": 1}),
    (9, ALL, {"OMSId": 1, "AccountId": 9, "InstrumentId": 0, "IntrumentId": 0}),
    (ALL, 1, {"OMSId": 1, "AccountId": 0, "InstrumentId": 1, "IntrumentId": 1}),
    (ALL, ALL, {"OMSId": 1, "AccountId": 0, "InstrumentId": 0, "IntrumentId": 0}),
    (0, 0, {"OMSId": 1, "AccountId": 0, "InstrumentId": 0, "IntrumentId": 0}),
])
def test_payload_always_carries_account_and_both_instrument_spellings(
        account: object, instrument: object, expected: dict[str, int]) -> None:
    assert CancelScope(account, instrument).to_payload() == expected  # type: ignore[arg-type]


SCOPES = [CancelScope(a, i) for a in (9, 10, 12, ALL) for i in (1, 2, 4, ALL)]


@pytest.mark.parametrize("scope", SCOPES, ids=repr)
def test_select_matches_the_reference_rule(scope: CancelScope) -> None:
    records = mixed_records()
    data = frame(records)
    expected = sorted(r["OrderId"] for r in records if r["OrderState"] == "Working"
                      and (scope.all_accounts or r["Account"] == scope.account_id)
                      and (scope.all_instruments or r["Instrument"] == scope.instrument_id))
    chosen = scope.select(data)
    assert sorted(chosen["order_id"]) == expected
    assert list(chosen.columns) == list(data.columns)
    assert chosen.dtypes.equals(data.dtypes)


def test_select_never_matches_null_ids_or_states_and_leaves_the_input_alone() -> None:
    records = [record(1, 9, 1), {**record(2, 9, 1), "Account": None}, {**record(3, 9, 1), "Instrument": None},
               {**record(4, 9, 1), "OrderState": None}]
    data = frame(records)
    before = data.copy()
    assert list(CancelScope(9, 1).select(data)["order_id"]) == [1]
    assert list(CancelScope(ALL, ALL).select(data)["order_id"]) == [1, 2, 3]
    pd.testing.assert_frame_equal(data, before)


def test_select_works_on_non_categorical_columns() -> None:
    data = frame(mixed_records())
    plain = data.assign(order_state=data["order_state"].astype("string"),
                        account_id=data["account_id"].astype("float64"))
    scope = CancelScope(10, 2)
    assert list(scope.select(plain)["order_id"]) == list(scope.select(data)["order_id"])


def test_select_on_an_empty_frame() -> None:
    from apex_notebook.frames.tables import empty_orders_frame

    assert len(CancelScope(9, 1).select(empty_orders_frame())) == 0
    assert len(CancelScope(ALL, ALL).select(empty_orders_frame())) == 0


def test_selecting_one_instrument_of_a_snapshot_is_a_slice_not_a_copy() -> None:
    records = [record(a * 10 + i, a, 1 + (i % 3)) for a in range(1, 40) for i in range(6)]
    builder = OrdersBuilder()
    frame = builder.frame([builder.chunk(records)], by_instrument=True)  # as a snapshot orders its rows
    chosen = CancelScope(ALL, 2).select(frame)
    expected = frame[frame["instrument_id"] == 2]
    assert chosen["order_id"].tolist() == expected["order_id"].tolist() and len(chosen) == 78
    assert np.shares_memory(chosen["price"].to_numpy(), frame["price"].to_numpy())  # no rows copied
    chosen.loc[chosen.index[0], "price"] = -1.0  # the snapshot is not changed through the selection
    assert (frame["price"] > 0).all()
    scattered = CancelScope(5, ALL).select(frame)  # one account: rows spread over the instruments
    assert scattered["order_id"].tolist() == frame[frame["account_id"] == 5]["order_id"].tolist()
