"""Rate limits: a sliding window over kernel time, for submits and for modifies."""

from sapphire.risk.pretrade import RiskConfig
from sapphire.risk.pretrade.rate import SlidingWindow
from tests.unit.risk.pretrade._harness import BUY, NS, T0, Harness

MS = 1_000_000


def test_window_counts_events_in_the_half_open_window():
    window = SlidingWindow(3, NS)
    for t in (0, 500 * MS, 900 * MS):
        window.record(t)
    assert window.full(999 * MS)
    assert window.in_window(NS) == 2  # the event at 0 is exactly one window old: gone
    assert not window.full(NS)
    assert window.describe() == "3/00:00:01"


def test_the_101st_order_in_the_window_is_denied_and_allowed_once_it_slides():
    h = Harness(RiskConfig(max_order_rate="100/00:00:01"))
    for i in range(100):
        h.at(T0 + i * MS)
        assert h.limit(BUY, 1, 2_000_000).status.value == "accepted"
    h.at(T0 + 999 * MS)
    denied = h.limit(BUY, 1, 2_000_000)
    assert h.denial(denied) == ("max_order_rate",
                                "100 in the last window >= limit 100/00:00:01")
    assert denied.order_id not in h.venue.received
    h.at(T0 + NS)  # the order sent at T0 leaves the window
    assert h.limit(BUY, 1, 2_000_000).status.value == "accepted"
    # 1..99 ms and 1 s fill the window again; denials were never counted
    assert h.denial(h.limit(BUY, 1, 2_000_000))[0] == "max_order_rate"
    h.at(T0 + NS + MS)
    assert h.limit(BUY, 1, 2_000_000).status.value == "accepted"
    assert h.risk.denials == {"max_order_rate": 2}


def test_modifies_have_their_own_window():
    h = Harness(RiskConfig(max_order_rate="1/00:00:01", max_modify_rate="2/00:00:10"))
    order = h.limit(BUY, 10, 2_000_000)
    execution = h.kernel.execution
    execution.modify(order, 11, 2_000_000, None)
    h.at(T0 + 9 * NS)
    execution.modify(order, 12, 2_000_000, None)
    execution.modify(order, 13, 2_000_000, None)
    assert order.quantity == 12
    assert order.reason == "max_modify_rate: 2 in the last window >= limit 2/00:00:10"
    h.at(T0 + 10 * NS)  # the first modify left the window
    execution.modify(order, 13, 2_000_000, None)
    assert order.quantity == 13
