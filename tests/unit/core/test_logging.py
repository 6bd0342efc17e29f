"""Logging set-up: JSON lines, plain text, per-component levels, rotating files."""

from __future__ import annotations

import io
import json
import logging

import pytest

from sapphire.core.logging import JsonFormatter, configure_logging
from sapphire.core.settings import LoggingSettings


@pytest.fixture(autouse=True)
def restore_root():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    for name in ("sapphire.data", "sapphire.engine"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_json_formatter_fields():
    record = logging.LogRecord("sapphire.engine", logging.WARNING, __file__, 1, "filled %d",
                               (3,), None)
    record.created = 1_700_000_000.25
    record.msecs = 250.0
    record.order_id = "O-1"
    data = json.loads(JsonFormatter().format(record))
    assert data == {"ts": "2023-11-14T22:13:20.250Z", "ts_ns": 1_700_000_000_250_000_000,
                    "level": "WARNING", "logger": "sapphire.engine", "message": "filled 3",
                    "order_id": "O-1"}


def test_json_console_and_component_levels():
    stream = io.StringIO()
    configure_logging(LoggingSettings(level="WARNING", json=True,
                                      components={"sapphire.data": "DEBUG"}), stream)
    logging.getLogger("sapphire.engine").info("hidden: root is WARNING")
    logging.getLogger("sapphire.data").debug("shown: component at DEBUG")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(d["logger"], d["level"], d["message"]) for d in lines] == [
        ("sapphire.data", "DEBUG", "shown: component at DEBUG")]


def test_plain_text_when_not_json_and_not_a_terminal():
    stream = io.StringIO()
    configure_logging(LoggingSettings(level="INFO"), stream)
    logging.getLogger("sapphire.engine").info("hello")
    assert stream.getvalue().rstrip().endswith("INFO     sapphire.engine: hello")


def test_configuring_twice_does_not_duplicate_output():
    stream = io.StringIO()
    configure_logging(LoggingSettings(level="INFO"), stream)
    configure_logging(LoggingSettings(level="INFO"), stream)
    logging.getLogger("sapphire.engine").info("once")
    assert stream.getvalue().count("once") == 1


def test_rotating_file(tmp_path):
    path = tmp_path / "logs" / "sapphire.log"
    configure_logging(LoggingSettings(level="INFO", json=True, file=str(path), max_bytes=500,
                                      backup_count=2), io.StringIO())
    log = logging.getLogger("sapphire.engine")
    for i in range(60):
        log.info("line %03d", i)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["sapphire.log", "sapphire.log.1", "sapphire.log.2"]  # 2 backups kept
    last = path.read_text().splitlines()[-1]
    assert json.loads(last)["message"] == "line 059"
    assert all(p.stat().st_size <= 500 for p in path.parent.iterdir())
