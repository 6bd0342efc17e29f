"""Round trips, trade statistics and exposure on hand-worked fill lists."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sapphire.backtest.round_trips import exposure, round_trips, trade_statistics
from sapphire.core.errors import DataValidationError, SchemaError
from tests.unit.backtest.results_helpers import MIXED_FILLS, as_numpy, fills_table


def test_three_round_trips_with_a_flip():
    # Long 2 @ 10 + 1 @ 13 (avg 11), sold 3 @ 12: +3 gross, fees 0.2+0.1+0.3 = 0.6.
    # Short 2 @ 12, bought 5 @ 13: the flip closes the short for -2 and opens long 3 @ 13;
    # its fee 0.5 splits 2/5 = 0.2 to the short and 3/5 = 0.3 to the new long.
    # Long 3 @ 13 sold @ 14 for +3 with a maker rebate of -0.15.
    trips = round_trips(fills_table([f for f in MIXED_FILLS if f[1] == "A.SIM"]))
    assert as_numpy(trips, "direction").tolist() == [1, -1, 1]
    assert as_numpy(trips, "ts_open").tolist() == [100, 400, 500]
    assert as_numpy(trips, "ts_close").tolist() == [300, 500, 600]
    assert as_numpy(trips, "closed").tolist() == [True, True, True]
    assert as_numpy(trips, "fills").tolist() == [3, 2, 2]
    assert as_numpy(trips, "max_quantity").tolist() == [3.0, 2.0, 3.0]
    assert as_numpy(trips, "realized_pnl").tolist() == [3.0, -2.0, 3.0]
    assert as_numpy(trips, "fees") == pytest.approx([0.6, 0.4, 0.15], abs=1e-12)
    assert as_numpy(trips, "net_pnl") == pytest.approx([2.4, -2.4, 2.85], abs=1e-12)


def test_trades_of_two_instruments_ordered_by_open_time():
    trips = round_trips(fills_table(MIXED_FILLS))
    assert as_numpy(trips, "instrument_id").tolist() == ["A.SIM", "B.SIM", "A.SIM", "A.SIM",
                                                         "B.SIM"]
    assert as_numpy(trips, "ts_open").tolist() == [100, 250, 400, 500, 900]
    assert as_numpy(trips, "ts_close").tolist() == [300, 700, 500, 600, -1]
    assert as_numpy(trips, "closed").tolist() == [True, True, True, True, False]
    assert as_numpy(trips, "net_pnl") == pytest.approx([2.4, -1.1, -2.4, 2.85, -0.05], abs=1e-12)


def test_trade_statistics_hand_worked():
    # Closed net pnl: +2.4, -1.1, -2.4, +2.85 (B's second trade is open and left out).
    stats = trade_statistics(round_trips(fills_table(MIXED_FILLS)))
    assert stats["trades"] == 4
    assert stats["open_trades"] == 1
    assert stats["wins"] == 2
    assert stats["losses"] == 2
    assert stats["win_rate"] == 0.5
    assert stats["profit_factor"] == pytest.approx(5.25 / 3.5)  # = 1.5
    assert stats["expectancy"] == pytest.approx(1.75 / 4)
    assert stats["average_win"] == pytest.approx(2.625)
    assert stats["average_loss"] == pytest.approx(-1.75)


def test_profit_factor_is_inf_without_losses_and_zero_without_wins():
    win = fills_table([(1, "A.SIM", 1, 1.0, 10.0, 0.0, 0.0, 1.0),
                       (2, "A.SIM", -1, 1.0, 11.0, 0.0, 1.0, 0.0)])
    assert trade_statistics(round_trips(win))["profit_factor"] == math.inf
    loss = fills_table([(1, "A.SIM", 1, 1.0, 10.0, 0.0, 0.0, 1.0),
                        (2, "A.SIM", -1, 1.0, 9.0, 0.0, -1.0, 0.0)])
    stats = trade_statistics(round_trips(loss))
    assert stats["profit_factor"] == 0.0
    assert math.isnan(stats["average_win"])
    assert stats["average_loss"] == -1.0


def test_break_even_trade_counts_but_neither_wins_nor_loses():
    flat = fills_table([(1, "A.SIM", 1, 1.0, 10.0, 0.5, 0.0, 1.0),
                        (2, "A.SIM", -1, 1.0, 11.0, 0.5, 1.0, 0.0)])
    stats = trade_statistics(round_trips(flat))
    assert (stats["trades"], stats["wins"], stats["losses"]) == (1, 0, 0)
    assert stats["win_rate"] == 0.0
    assert math.isnan(stats["profit_factor"])
    assert stats["expectancy"] == 0.0


def test_no_fills_gives_no_trades():
    trips = round_trips(fills_table([]))
    assert trips.num_rows == 0
    stats = trade_statistics(trips)
    assert stats["trades"] == 0
    for name in ("win_rate", "profit_factor", "expectancy", "average_win", "average_loss"):
        assert math.isnan(stats[name]), name
    assert exposure(trips, 0, 100) == 0.0


def test_exposure_is_the_union_of_holding_intervals():
    # A holds [100,300], [400,500], [500,600]; B holds [250,700] and [900, end=1000].
    # Union: [100,700] and [900,1000] = 700 of 1000.
    trips = round_trips(fills_table(MIXED_FILLS))
    assert exposure(trips, 0, 1000) == pytest.approx(0.7)


def test_exposure_clips_to_the_run_and_is_nan_for_a_zero_length_run():
    trips = round_trips(fills_table(MIXED_FILLS))
    assert exposure(trips, 200, 400) == pytest.approx(1.0)   # [200,400] all inside [100,700]
    assert math.isnan(exposure(trips, 5, 5))


def test_inconsistent_position_after_names_the_row():
    rows = [(1, "A.SIM", 1, 1.0, 10.0, 0.0, 0.0, 1.0), (2, "A.SIM", 1, 1.0, 10.0, 0.0, 0.0, 3.0)]
    with pytest.raises(DataValidationError, match=r"row 2.*position_after.*expected 2\.0"):
        round_trips(fills_table(rows))


def test_first_fill_must_follow_from_flat():
    rows = [(1, "A.SIM", -1, 1.0, 10.0, 0.0, 0.0, 1.0)]
    with pytest.raises(DataValidationError, match="position_after"):
        round_trips(fills_table(rows))


@pytest.mark.parametrize(("index", "value", "message"), [
    (2, 0, "side must be"),
    (3, 0.0, "quantity must be > 0"),
    (3, -1.0, "quantity must be > 0"),
    (4, math.nan, "price.*not finite"),
    (5, math.inf, "fee.*not finite"),
    (0, 0, "time goes backwards"),
])
def test_bad_fill_values_are_rejected(index, value, message):
    rows = [list(f) for f in MIXED_FILLS[:2]]
    rows[1][index] = value
    with pytest.raises(DataValidationError, match=message):
        round_trips(fills_table([tuple(r) for r in rows]))  # type: ignore[misc]


def test_unknown_liquidity_is_rejected():
    table = fills_table(MIXED_FILLS[:1])
    table = table.set_column(table.schema.get_field_index("liquidity"), "liquidity",
                             [["both"]])
    with pytest.raises(DataValidationError, match=r"liquidity.*'both'"):
        round_trips(table)


def test_missing_or_mistyped_columns_are_schema_errors():
    table = fills_table(MIXED_FILLS[:1])
    with pytest.raises(SchemaError, match=r"missing \['fee'\]"):
        round_trips(table.drop_columns(["fee"]))
    with pytest.raises(SchemaError, match="column 'side' has type int64, expected int8"):
        round_trips(table.set_column(3, "side", [[1]]))
    with pytest.raises(SchemaError, match=r"unexpected \['extra'\]"):
        round_trips(table.append_column("extra", [[1]]))


def reference_trips(rows) -> list[tuple[str, int, float, float]]:
    """A plain loop over fills: (instrument, ts_open, realized_pnl, fees) per closed trade."""
    open_trade: dict[str, list] = {}
    position: dict[str, float] = {}
    closed = []
    for ts, instrument, _side, _qty, _px, fee, pnl, after in rows:
        before = position.get(instrument, 0.0)
        position[instrument] = after
        if before == 0.0:
            open_trade[instrument] = [ts, pnl, fee]
        elif after == 0.0 or (before > 0) != (after > 0):
            share = abs(before) / (abs(before) + abs(after))
            trade = open_trade.pop(instrument)
            closed.append((instrument, trade[0], trade[1] + pnl, trade[2] + fee * share))
            if after != 0.0:
                open_trade[instrument] = [ts, 0.0, fee * (1 - share)]
        else:
            open_trade[instrument][1] += pnl
            open_trade[instrument][2] += fee
    return sorted(closed, key=lambda t: t[1])


@given(st.lists(st.tuples(st.sampled_from(["A.SIM", "B.SIM"]), st.integers(-3, 3),
                          st.integers(-50, 50), st.integers(0, 20)), max_size=40))
@settings(max_examples=150, deadline=None)
def test_round_trips_match_a_plain_loop(steps):
    # Each step moves an instrument's position to a new whole value (a fill per change).
    rows, position = [], {"A.SIM": 0, "B.SIM": 0}
    for ts, (instrument, target, pnl, fee) in enumerate(steps):
        change = target - position[instrument]
        if change == 0:
            continue
        rows.append((ts, instrument, 1 if change > 0 else -1, float(abs(change)), 10.0,
                     fee / 10, float(pnl), float(target)))
        position[instrument] = target
    trips = round_trips(fills_table(rows))
    closed = trips.filter(trips.column("closed"))
    expected = reference_trips(rows)
    assert as_numpy(closed, "instrument_id").tolist() == [t[0] for t in expected]
    assert as_numpy(closed, "ts_open").tolist() == [t[1] for t in expected]
    assert as_numpy(closed, "realized_pnl") == pytest.approx([t[2] for t in expected])
    assert as_numpy(closed, "fees") == pytest.approx([t[3] for t in expected])
    open_count = sum(1 for p in position.values() if p != 0)
    assert trips.num_rows - closed.num_rows == open_count
