"""Prometheus exposition of engine metrics, the /metrics server and the WSGI app."""

from __future__ import annotations

import socket
import urllib.request
from wsgiref.util import setup_testing_defaults

import pytest

from sapphire.core.errors import ConfigError
from sapphire.core.settings import MetricsSettings
from sapphire.metrics import (
    LATENCY_BUCKETS_NS,
    NULL_METRICS,
    MetricsRegistry,
    create_registry,
    serve_metrics,
    wsgi_app,
)


def lines(registry):
    return registry.exposition().decode().splitlines()


def test_counters_gauges_and_histogram_in_text_format():
    registry = MetricsRegistry()
    m = registry.engine_metrics("backtest")
    m.events += 1000
    m.count_orders(3)
    m.count_risk_denials()
    m.open_orders = 2
    m.risk_check.observe(4200)   # (4000, 4500] -> le=4.5e-06
    m.risk_check.observe(150)    # (125, 150]   -> le=1.5e-07
    text = lines(registry)
    assert 'sapphire_events_total{engine="backtest"} 1000.0' in text
    assert 'sapphire_orders_total{engine="backtest"} 3.0' in text
    assert 'sapphire_risk_denials_total{engine="backtest"} 1.0' in text
    assert 'sapphire_fills_total{engine="backtest"} 0.0' in text
    assert 'sapphire_open_orders{engine="backtest"} 2.0' in text
    bucket = 'sapphire_latency_seconds_bucket{engine="backtest",le="%s",stage="risk_check"} %s'
    assert bucket % ("1.25e-07", "0.0") in text
    assert bucket % ("1.5e-07", "1.0") in text
    assert bucket % ("4e-06", "1.0") in text
    assert bucket % ("4.5e-06", "2.0") in text
    assert bucket % ("+Inf", "2.0") in text
    assert 'sapphire_latency_seconds_count{engine="backtest",stage="risk_check"} 2.0' in text
    assert 'sapphire_latency_seconds_sum{engine="backtest",stage="risk_check"} 4.35e-06' in text
    per_stage = [t for t in text if t.startswith("sapphire_latency_seconds_bucket")
                 and 'stage="book_update"' in t]
    assert len(per_stage) == len(LATENCY_BUCKETS_NS) + 1


def test_engines_are_labelled_and_created_once():
    registry = MetricsRegistry()
    assert registry.engine_metrics("live") is registry.engine_metrics("live")
    registry.engine_metrics("live").fills = 4
    registry.engine_metrics("paper").fills = 1
    text = lines(registry)
    assert 'sapphire_fills_total{engine="live"} 4.0' in text
    assert 'sapphire_fills_total{engine="paper"} 1.0' in text
    with pytest.raises(ConfigError, match="engine name ''"):
        registry.engine_metrics("")


def test_disabled_registry_hands_out_null_metrics():
    registry = create_registry(MetricsSettings(enabled=False))
    assert registry.engine_metrics("backtest") is NULL_METRICS
    assert create_registry(MetricsSettings(enabled=True)).engine_metrics().enabled is True
    assert not any(t.startswith("sapphire_events_total{") for t in lines(registry))


def test_http_server_serves_metrics():
    registry = MetricsRegistry()
    registry.engine_metrics().events = 7
    server = serve_metrics(registry, port=0)
    try:
        assert server.url == f"http://127.0.0.1:{server.port}/metrics"
        with urllib.request.urlopen(server.url, timeout=5) as response:
            body = response.read().decode()
        assert 'sapphire_events_total{engine="backtest"} 7.0' in body.splitlines()
    finally:
        server.close()


def test_busy_port_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=rf"127\.0\.0\.1:{port}: cannot listen"):
            serve_metrics(MetricsRegistry(), port=port)


def test_wsgi_app_is_mountable():
    registry = MetricsRegistry()
    registry.engine_metrics().orders = 5
    environ: dict = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = "/metrics"
    seen = []
    body = b"".join(wsgi_app(registry)(environ, lambda status, headers: seen.append(status)))
    assert seen == ["200 OK"]
    assert b'sapphire_orders_total{engine="backtest"} 5.0' in body
