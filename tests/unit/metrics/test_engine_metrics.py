"""Engine metrics: bucket placement, batched parity, quantiles, the no-op variant."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sapphire.metrics import (
    COUNTERS,
    LATENCY_BUCKETS_NS,
    STAGES,
    EngineMetrics,
    LatencyHistogram,
    NullMetrics,
)


def test_bucket_layout():
    assert len(LATENCY_BUCKETS_NS) == 106
    assert LATENCY_BUCKETS_NS[:16] == (100, 125, 150, 175, 200, 250, 300, 350, 400, 450, 500,
                                       600, 700, 800, 900, 1000)
    assert LATENCY_BUCKETS_NS[-1] == 1_000_000_000
    assert list(LATENCY_BUCKETS_NS) == sorted(set(LATENCY_BUCKETS_NS))
    # 4 to 5 µs is read to 0.5 µs
    assert LATENCY_BUCKETS_NS.index(5000) - LATENCY_BUCKETS_NS.index(4000) == 2


@pytest.mark.parametrize(("ns", "index"), [(0, 0), (100, 0), (101, 1), (125, 1), (126, 2),
                                           (1_000_000_000, 105), (1_000_000_001, 106)])
def test_observe_places_value_in_its_bucket(ns, index):
    h = LatencyHistogram()
    h.observe(ns)
    assert h.counts[index] == 1 and h.count == 1 and h.sum_ns == ns


def test_observe_many_equals_observe_one_by_one():
    values = np.random.default_rng(5).lognormal(8, 2, 10_000).astype(np.int64)
    one, many = LatencyHistogram(), LatencyHistogram()
    for v in values.tolist():
        one.observe(v)
    many.observe_many(values[:4000])
    many.observe_many(values[4000:])
    many.observe_many(np.array([], dtype=np.int64))
    assert many.counts == one.counts and many.sum_ns == one.sum_ns


def test_quantile_interpolates_like_prometheus():
    h = LatencyHistogram()
    for _ in range(99):
        h.observe(1000)  # bucket (900, 1000]
    h.observe(5000)      # bucket (4500, 5000]
    assert h.quantile(0.5) == pytest.approx(900 + 100 * 50 / 99)
    assert h.quantile(0.99) == 1000
    assert h.quantile(1.0) == 5000
    assert h.quantile(0.0) == 900  # rank 0 falls at the lower edge of the first used bucket


def test_quantile_edge_cases():
    h = LatencyHistogram()
    assert math.isnan(h.quantile(0.99))
    h.observe(5_000_000_000)
    assert h.quantile(0.5) == 1_000_000_000  # in +Inf: the largest finite bound
    with pytest.raises(ValueError, match=r"quantile 1\.5"):
        h.quantile(1.5)
    h.reset()
    assert h.count == 0 and h.sum_ns == 0


def test_engine_metrics_counters_and_stages():
    m = EngineMetrics()
    assert m.enabled is True
    m.events += 10
    m.count_events(5)
    m.count_orders()
    m.count_fills(2)
    m.count_rejections()
    m.count_risk_denials(3)
    m.open_orders = 4
    assert m.snapshot() == {"events": 15, "orders": 1, "fills": 2, "rejections": 1,
                            "risk_denials": 3, "open_orders": 4, "open_positions": 0}
    for stage in STAGES:
        m.histogram(stage).observe(200)
    assert m.risk_check.count == 1
    with pytest.raises(KeyError, match="unknown latency stage 'risk'"):
        m.histogram("risk")


def test_null_metrics_record_nothing():
    m = NullMetrics()
    assert m.enabled is False
    for name in COUNTERS:
        getattr(m, f"count_{name}")(7)
    for stage in STAGES:
        m.histogram(stage).observe(1000)
        m.histogram(stage).observe_many(np.arange(10))
    assert set(m.snapshot().values()) == {0}
    assert m.book_update.count == 0


def test_slots_reject_typos():
    with pytest.raises(AttributeError):
        EngineMetrics().evnets = 1  # type: ignore[attr-defined]
