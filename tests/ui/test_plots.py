"""The pure plotting functions: asserted on their artists (bars, labels, titles), never on pixels."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from ui_fakes import NOW, make_orders

from apex_notebook.ui import plots


def _bar_heights(ax: object) -> list[float]:
    return [round(p.get_height(), 6) for p in ax.patches]  # type: ignore[attr-defined]


def _texts(ax: object) -> list[str]:
    return [t.get_text() for t in ax.texts]  # type: ignore[attr-defined]


def _ytick_labels(ax: object) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]  # type: ignore[attr-defined]


def _xtick_labels(ax: object) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels()]  # type: ignore[attr-defined]


EMPTY = make_orders([])


# --------------------------------------------------------------------------- shared behaviour
ORDER_PLOTS = [
    plots.open_orders_heatmap,
    plots.notional_by_instrument,
    lambda frame, ax=None: plots.order_age_distribution(frame, now=NOW, ax=ax),
    plots.plan_composition,
]


@pytest.mark.parametrize("plot", ORDER_PLOTS)
def test_empty_frame_gives_an_axes_that_says_so(plot: object) -> None:
    ax = plot(EMPTY)  # type: ignore[operator]
    assert any("no" in text for text in _texts(ax))
    assert ax.get_title()


@pytest.mark.parametrize("plot", ORDER_PLOTS)
def test_missing_columns_are_a_clear_value_error(plot: object) -> None:
    with pytest.raises(ValueError, match="needs column"):
        plot(pd.DataFrame({"order_id": [1]}))  # type: ignore[operator]


def test_not_a_frame_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        plots.open_orders_heatmap([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="orders"):
        plots.plan_composition(object())


def test_given_ax_is_drawn_on_and_returned(orders: pd.DataFrame) -> None:
    ax = Figure().add_subplot()
    assert plots.notional_by_instrument(orders, ax=ax) is ax


def test_no_pyplot_global_state(orders: pd.DataFrame) -> None:
    plt.close("all")
    plots.open_orders_heatmap(orders)
    plots.outcome_breakdown(orders.assign(outcome="canceled"))
    assert plt.get_fignums() == []


# --------------------------------------------------------------------------- open orders
def test_heatmap_counts_by_account_and_instrument(orders: pd.DataFrame) -> None:
    ax = plots.open_orders_heatmap(orders)
    image = ax.images[0].get_array()
    # rows: busiest account first (9: 3 orders, 10: 2, 11: 1); columns: busiest instrument first
    assert image.tolist() == [[2, 1, 0], [1, 0, 1], [1, 0, 0]]
    assert _ytick_labels(ax) == ["9 Account 9", "10 Account 10", "11 Account 11"]
    assert _xtick_labels(ax) == ["BTCUSD", "ETHUSD", "SOLUSD"]
    assert "2" in _texts(ax)
    assert ax.get_title() == "Open orders by account and instrument: 6 orders\naccounts with most orders first"
    assert ax.get_xlabel() == "instrument (most orders first)" and ax.get_ylabel() == "account"


def test_heatmap_title_is_true_when_every_account_ties() -> None:
    frame = make_orders([(i, 20 - i, 1 + i % 2, "Buy") for i in range(1, 11)])  # 10 accounts, 1 order each
    ax = plots.open_orders_heatmap(frame)
    assert ax.get_title().endswith("every account has 1, in id order")
    assert _ytick_labels(ax)[:2] == ["10 Account 10", "11 Account 11"]
    bar = ax.get_figure().axes[-1]  # the colorbar: counts, so whole numbers only
    assert all(float(t).is_integer() for t in bar.get_yticks())


def test_heatmap_sorts_busiest_account_first_not_by_id() -> None:
    frame = make_orders([(1, 5, 1, "Buy"), (2, 7, 1, "Buy"), (3, 7, 2, "Sell"), (4, 7, 2, "Buy"),
                         (5, 5, 2, "Buy")])
    ax = plots.open_orders_heatmap(frame)
    assert _ytick_labels(ax) == ["7 Account 7", "5 Account 5"]  # 3 orders before 2, although 5 < 7
    assert _xtick_labels(ax) == ["ETHUSD", "BTCUSD"]  # 3 orders before 2
    assert ax.images[0].get_array().tolist() == [[2, 1], [1, 1]]


def test_heatmap_caps_accounts_and_says_so() -> None:
    frame = make_orders([(i, i, 1, "Buy") for i in range(1, 41)])
    ax = plots.open_orders_heatmap(frame, max_accounts=10)
    assert ax.images[0].get_array().shape == (10, 1)
    assert "top 10 of 40 accounts" in ax.get_title()


def test_heatmap_without_names_uses_ids(orders: pd.DataFrame) -> None:
    ax = plots.open_orders_heatmap(orders.drop(columns=["account_name", "symbol"]))
    assert _ytick_labels(ax)[0] == "9"
    assert _xtick_labels(ax) == ["#1", "#2", "#3"]


def test_notional_by_instrument_stacks_sides(orders: pd.DataFrame) -> None:
    ax = plots.notional_by_instrument(orders.drop(columns=["quote_currency"], errors="ignore"))
    # every order: 100 x 2 = 200. BTCUSD: 3 buys... (101 B, 102 S, 104 B, 106 S) -> 400 buy, 400 sell
    widths = [round(p.get_width()) for p in ax.patches]
    assert widths == [400, 200, 0, 400, 0, 200]  # Buy bars (BTC, ETH, SOL), then Sell bars
    assert _ytick_labels(ax) == ["BTCUSD", "ETHUSD", "SOLUSD"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Buy", "Sell"]
    assert "notional" in ax.get_xlabel()


def test_order_age_distribution_in_minutes(orders: pd.DataFrame) -> None:
    ax = plots.order_age_distribution(orders, now=NOW, bins=6)
    assert sum(_bar_heights(ax)) == 6
    assert ax.get_xlabel() == "age (hours)"  # ages 30..180 minutes
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "median 1.8 hours" in legend
    frame = make_orders([(1, 9, 1, "Buy"), (2, 9, 1, "Buy")], age_minutes=10)
    ax = plots.order_age_distribution(frame, now=NOW)
    assert ax.get_xlabel() == "age (minutes)"
    assert "median 15.0 minutes" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "2025-01-02 12:00 UTC" in ax.get_title()


def test_order_age_distribution_switches_to_days_and_accepts_naive_now() -> None:
    frame = make_orders([(1, 9, 1, "Buy"), (2, 9, 1, "Buy")], age_minutes=60 * 24 * 5)
    ax = plots.order_age_distribution(frame, now=NOW.tz_localize(None))
    assert ax.get_xlabel() == "age (days)"


def test_order_age_distribution_without_times() -> None:
    frame = make_orders([(1, 9, 1, "Buy")])
    frame["receive_time"] = pd.NaT
    ax = plots.order_age_distribution(frame, now=NOW)
    assert "no order has a receive time" in _texts(ax)


# --------------------------------------------------------------------------- plans and results
def test_plan_composition_accepts_a_plan_object(orders: pd.DataFrame) -> None:
    ax = plots.plan_composition(SimpleNamespace(orders=orders))
    assert ax.get_title() == "Orders the plan will cancel: 6, accounts with most first"
    assert _ytick_labels(ax) == ["9 Account 9", "10 Account 10", "11 Account 11"]
    widths = [round(p.get_width()) for p in ax.patches]
    assert widths == [2, 1, 0, 1, 1, 1]  # Buy per account, then Sell per account


def test_plan_composition_of_empty_plan() -> None:
    ax = plots.plan_composition(SimpleNamespace(orders=EMPTY))
    assert "the plan cancels no orders" in _texts(ax)


def test_outcome_breakdown_orders_outcomes_and_adds_collateral(orders: pd.DataFrame) -> None:
    frame = orders.assign(outcome=["canceled"] * 3 + ["filled_before_cancel", "still_open", "canceled"])
    result = SimpleNamespace(orders=frame, summary={"collateral": 2})
    ax = plots.outcome_breakdown(result)
    assert _xtick_labels(ax) == ["canceled", "filled before cancel", "still open", "unknown", "collateral"]
    assert _bar_heights(ax) == [4, 1, 1, 0, 2]
    assert "2 collateral" in ax.get_title()


def test_outcome_breakdown_collateral_frame_and_unknown_outcomes(orders: pd.DataFrame) -> None:
    frame = orders.assign(outcome=["canceled"] * 5 + ["weird"])
    result = SimpleNamespace(orders=frame, collateral=orders.head(1))
    ax = plots.outcome_breakdown(result)
    assert _xtick_labels(ax)[-2:] == ["weird", "collateral"]
    assert _bar_heights(ax) == [5, 0, 0, 0, 1, 1]


def test_outcome_breakdown_empty_and_missing_column(orders: pd.DataFrame) -> None:
    ax = plots.outcome_breakdown(SimpleNamespace(orders=EMPTY.assign(outcome=pd.Series(dtype="string"))))
    assert "no orders were in the plan" in _texts(ax)
    with pytest.raises(ValueError, match="'outcome'"):
        plots.outcome_breakdown(orders)


def test_before_after_by_account(orders: pd.DataFrame) -> None:
    after = orders[orders["account_id"] != 9]
    ax = plots.before_after_by_account(orders, after)
    assert _xtick_labels(ax) == ["9 Account 9", "10 Account 10", "11 Account 11"]
    assert _bar_heights(ax) == [3, 2, 1, 0, 2, 1]  # before bars, then after bars
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["before", "after"]


def test_before_after_empty_and_missing() -> None:
    ax = plots.before_after_by_account(EMPTY, EMPTY)
    assert "no open orders before or after" in _texts(ax)
    with pytest.raises(ValueError, match="account_id"):
        plots.before_after_by_account(EMPTY, pd.DataFrame({"x": [1]}))


def _timeline() -> pd.DataFrame:
    t0 = pd.Timestamp("2025-01-02 12:00:00", tz="UTC")
    events = ["preview", "intent", "send", "ack", "verify", "verify", "verify", "outcome"]
    details = ["37 orders", "reason: runaway", "CancelAllOrders", "result true", "poll 1", "poll 2",
               "poll 3", "35 canceled, 2 filled"]
    return pd.DataFrame({
        "time": [t0 + pd.Timedelta(seconds=i) for i in range(len(events))],
        "event": events,
        "detail": details,
    })


def test_incident_timeline_lanes_and_annotations() -> None:
    ax = plots.incident_timeline(_timeline())
    assert _ytick_labels(ax) == ["preview", "intent journalled", "request sent", "acknowledgement", "verification",
                                 "outcome"]
    assert len(ax.collections[0].get_offsets()) == 8
    assert "poll 1 (x3)" in _texts(ax)
    assert "37 orders" in _texts(ax)
    assert ax.get_title() == "Incident timeline: 8 events from 12:00:00 to 12:00:07 UTC"
    assert ax.get_xlabel() == "seconds after the first event (12:00:00 UTC)"


def test_incident_timeline_unsorted_naive_without_detail() -> None:
    frame = _timeline().drop(columns=["detail"]).iloc[::-1]
    frame["time"] = frame["time"].dt.tz_localize(None)
    ax = plots.incident_timeline(frame)
    assert _ytick_labels(ax)[0] == "preview"
    assert _texts(ax) == ["x3"]


def test_incident_timeline_reads_the_journal_columns() -> None:
    frame = _timeline().rename(columns={"time": "at", "event": "kind"})
    frame["detail"] = [{"previewed": 37}, None, {"mode": "cancel_all", "payload": {"AccountId": 9}},
                       {"status": "ok"}, {"poll": 1, "open": 3}, {"poll": 2}, {"poll": 3}, "text"]
    ax = plots.incident_timeline(frame)
    assert _ytick_labels(ax)[0] == "preview"
    assert "37 previewed" in _texts(ax)
    assert "account 9, mode cancel_all" in _texts(ax)  # words, not {'AccountId': 9}
    assert "acknowledged" in _texts(ax)
    assert "open 3 (x3)" in _texts(ax)
    assert not any("{" in t or "=" in t for t in _texts(ax))


def test_incident_timeline_of_a_real_journal(tmp_path: object) -> None:
    from apex_notebook.audit.journal import Journal

    journal = Journal(":memory:")
    journal.event("e1", "send", {"mode": "cancel_all"})
    journal.event("e1", "poll", {"open": 2})
    journal.event("e1", "poll", {"open": 0})
    frame = journal.timeline("e1")
    ax = plots.incident_timeline(frame)
    assert _ytick_labels(ax) == ["request sent", "verification poll"]


def test_incident_timeline_empty_and_missing() -> None:
    ax = plots.incident_timeline(pd.DataFrame({"time": [], "event": []}))
    assert "no journal events" in _texts(ax)
    with pytest.raises(ValueError, match=r"'kind' \(or 'event'\)"):
        plots.incident_timeline(pd.DataFrame({"time": [NOW]}))
    with pytest.raises(ValueError, match=r"'at' \(or 'time'\), 'kind'"):
        plots.incident_timeline(pd.DataFrame({"x": [NOW]}))


def test_figure_png(orders: pd.DataFrame) -> None:
    png = plots.figure_png(plots.plan_composition(orders))
    assert png.startswith(b"\x89PNG")


# --------------------------------------------------------------------------- issue 12: axes, legends, currencies
def _legend_clear_of_axes(ax: object) -> bool:
    canvas = FigureCanvasAgg(ax.get_figure())  # type: ignore[attr-defined]
    canvas.draw()
    renderer = canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)  # type: ignore[attr-defined]
    return bool(legend.x0 >= ax.get_window_extent(renderer).x1 - 1)  # type: ignore[attr-defined]


def test_count_axes_have_whole_number_ticks_only(orders: pd.DataFrame) -> None:
    small = make_orders([(1, 9, 1, "Buy"), (2, 10, 1, "Sell")])
    for ax, axis in ((plots.plan_composition(small), "x"),
                     (plots.outcome_breakdown(small.assign(outcome="canceled")), "y"),
                     (plots.before_after_by_account(small, small.head(1)), "y"),
                     (plots.order_age_distribution(small, now=NOW), "y")):
        ax.get_figure().draw_without_rendering()
        ticks = ax.get_xticks() if axis == "x" else ax.get_yticks()
        assert len(ticks) and all(float(t).is_integer() for t in ticks), (ax.get_title(), ticks)


def test_legends_sit_outside_the_data(orders: pd.DataFrame) -> None:
    assert _legend_clear_of_axes(plots.plan_composition(orders))
    assert _legend_clear_of_axes(plots.order_age_distribution(orders, now=NOW))
    assert _legend_clear_of_axes(plots.before_after_by_account(orders, orders.head(2)))


def _two_currencies() -> pd.DataFrame:
    frame = make_orders([(1, 9, 1, "Buy"), (2, 9, 1, "Sell"), (3, 9, 6, "Buy")])
    frame["quote_currency"] = pd.Categorical(["USD", "USD", "BTC"])
    frame["symbol"] = pd.Categorical(["BTCUSD", "BTCUSD", "LTCBTC"])
    frame.loc[2, "notional"] = 0.0063
    return frame


def test_notional_is_drawn_per_quote_currency_never_on_one_axis() -> None:
    ax = plots.notional_by_instrument(_two_currencies())
    facets = ax.get_figure().axes
    assert len(facets) == 2
    assert [f.get_xlabel() for f in facets] == ["notional in USD (price x remaining quantity)",
                                                "notional in BTC (price x remaining quantity)"]
    assert [round(p.get_width(), 4) for p in facets[1].patches] == [0.0063]  # visible on its own scale
    assert facets[1].get_xlim()[1] < 0.01
    assert _ytick_labels(facets[1]) == ["LTCBTC"]
    assert "never summed" in ax.get_figure().get_suptitle()


def test_notional_facets_share_a_given_axes_slot() -> None:
    figure = Figure(figsize=(12, 4), layout="constrained")
    left, right = figure.subplots(1, 2)
    first = plots.notional_by_instrument(_two_currencies(), ax=left)
    assert first is left and len(figure.axes) == 3 and right in figure.axes
    one = plots.notional_by_instrument(_two_currencies().head(2), ax=right)
    assert one is right and one.get_title() == "Open notional by instrument in USD: 400.00"
