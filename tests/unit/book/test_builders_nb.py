"""Parity: the batch sequencing kernel decides as Sequencer.step does a message at a time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sapphire.book.builders import (
    _REASONS,
    RESYNC,
    STALE,
    Sequencer,
    _Messages,
    _messages,
)
from sapphire.book.integrity import OnError
from sapphire.core.errors import BookIntegrityError


def _random_stream(vendor: str, seed: int, n: int = 400) -> _Messages:
    """Mostly well-sequenced ids with stale diffs, gaps, repeats, snapshots and no-pu runs."""
    rng = np.random.default_rng(seed)
    first, last, previous, snapshot = [], [], [], []
    u = 100
    for _ in range(n):
        kind = rng.choice(["next", "next", "next", "gap", "repeat", "snap", "stale", "nopu"])
        width = int(rng.integers(1, 4))
        if kind == "snap":
            u += int(rng.integers(0, 5))
            first.append(u), last.append(u), previous.append(-1), snapshot.append(True)
            continue
        pu = u
        if kind == "gap":
            u += int(rng.integers(1, 4))
        start = u - 5 if kind == "stale" else u - width if kind == "repeat" else u + 1
        end = start + width - 1
        if vendor == "bybit":  # u is first, seq is last
            end = start * 10 + int(rng.integers(-3, 5))
        first.append(start), last.append(end), snapshot.append(False)
        previous.append(-1 if kind == "nopu" else pu)
        u = max(u, start + width - 1)
    rows = np.arange(1, n + 1)
    return _messages(first, last, previous, snapshot, rng.random(n) < 0.9, rows,
                     Path("f.csv"))


def _one_at_a_time(vendor: str, batch: _Messages) -> tuple[list[int], Sequencer]:
    sequencer = Sequencer(vendor, OnError.RESYNC)
    codes = [_REASONS.index(sequencer.step(batch.message(i))) for i in range(len(batch))]
    return codes, sequencer


@pytest.mark.parametrize("vendor", ["binance", "bybit", "tardis"])
@pytest.mark.parametrize("seed", range(6))
def test_batch_decides_as_one_at_a_time(vendor, seed):
    batch = _random_stream(vendor, seed)
    expected, reference = _one_at_a_time(vendor, batch)
    sequencer = Sequencer(vendor, OnError.RESYNC)
    # split into uneven batches: state must carry across calls
    codes = np.concatenate([sequencer.step_batch(batch.slice(a, b))
                            for a, b in [(0, 7), (7, 8), (8, 150), (150, None)]])
    assert codes.tolist() == expected
    assert (sequencer.messages, sequencer.dropped) == (reference.messages, reference.dropped)
    assert sequencer.gaps == reference.gaps
    if vendor != "tardis":  # the streams do break the rules and drop stale diffs
        assert reference.gaps and _REASONS.index(RESYNC) in expected


def test_binance_stream_has_stale_diffs():
    expected, _ = _one_at_a_time("binance", _random_stream("binance", 0))
    assert _REASONS.index(STALE) in expected


@pytest.mark.parametrize("vendor", ["binance", "bybit"])
def test_batch_raises_the_same_error_as_one_at_a_time(vendor):
    batch = _random_stream(vendor, 3)
    reference = Sequencer(vendor)
    with pytest.raises(BookIntegrityError) as expected:
        for i in range(len(batch)):
            reference.step(batch.message(i))
    sequencer = Sequencer(vendor)
    with pytest.raises(BookIntegrityError) as got:
        sequencer.step_batch(batch)
    assert str(got.value) == str(expected.value)
    assert "f.csv, row " in str(got.value)
    assert (sequencer.messages, sequencer.dropped) == (reference.messages, reference.dropped)
