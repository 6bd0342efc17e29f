"""Logging set up from settings: JSON in production, readable colour in development.

:func:`configure_logging` installs handlers on the root logger (replacing only the ones it
installed before, so calling it twice is safe): a console handler (JSON lines when
``logging.json`` is on, else rich's coloured output when the stream is a terminal and plain
text otherwise), per-component levels (``logging.components``), and optionally a rotating
file (``logging.file``, rotated at ``max_bytes``, ``backup_count`` kept; JSON lines when
``json`` is on).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
import time
from pathlib import Path
from typing import IO, Any

from sapphire.core.settings import LoggingSettings

_MARK = "_sapphire_handler"
PLAIN_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC ISO and ns), level, logger, message, extras."""

    _STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message"}

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single JSON line."""
        data: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                  + f".{int(record.msecs):03d}Z",
            "ts_ns": round(record.created * 1e6) * 1000,  # float seconds hold µs, not ns
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                plain = isinstance(value, str | int | float | bool | None)
                data[key] = value if plain else repr(value)
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(data)


def _console_handler(settings: LoggingSettings, stream: IO[str]) -> logging.Handler:
    if settings.json:
        handler: logging.Handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        return handler
    if stream.isatty():
        from rich.console import Console
        from rich.logging import RichHandler

        return RichHandler(console=Console(file=stream), rich_tracebacks=True, show_path=False)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(PLAIN_FORMAT))
    return handler


def configure_logging(settings: LoggingSettings,
                      stream: IO[str] | None = None) -> list[logging.Handler]:
    """Install Sapphire's log handlers and levels on the root logger.

    Parameters
    ----------
    settings
        The ``logging`` section of the settings.
    stream
        Console stream (default ``sys.stderr``).

    Returns
    -------
    list of logging.Handler
        The handlers installed (console first, then the file when configured).
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
        old.close()
    handlers = [_console_handler(settings, stream or sys.stderr)]
    if settings.file is not None:
        path = Path(settings.file)
        path.parent.mkdir(parents=True, exist_ok=True)
        rotating = logging.handlers.RotatingFileHandler(
            path, maxBytes=settings.max_bytes, backupCount=settings.backup_count, encoding="utf-8")
        rotating.setFormatter(JsonFormatter() if settings.json else logging.Formatter(PLAIN_FORMAT))
        handlers.append(rotating)
    for handler in handlers:
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(settings.level)
    for component, level in settings.components.items():
        logging.getLogger(component).setLevel(level)
    return handlers
