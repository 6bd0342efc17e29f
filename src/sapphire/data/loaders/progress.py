"""A progress bar over the bytes of a file, shown only when asked for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ByteProgress:
    """Report how far into a file reading has got (does nothing when disabled)."""

    def __init__(self, total: int, update: object = None) -> None:
        self.total = total
        self._update = update

    def at(self, position: int) -> None:
        """Record that the first ``position`` bytes have been read."""
        if self._update is not None:
            self._update(min(int(position), self.total))  # type: ignore[operator]

    def fraction(self, done: float) -> None:
        """Record that the fraction ``done`` (0 to 1) of the file has been read."""
        self.at(int(done * self.total))


@contextmanager
def byte_progress(path: Path, *, enabled: bool) -> Iterator[ByteProgress]:
    """Yield a :class:`ByteProgress` for ``path``, drawn with rich when ``enabled``."""
    total = path.stat().st_size
    if not enabled:
        yield ByteProgress(total)
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
               TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(f"reading {path.name}", total=total)
        yield ByteProgress(total, lambda done: bar.update(task, completed=done))
        bar.update(task, completed=total)
