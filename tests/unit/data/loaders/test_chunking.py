"""Chunked reading: same rows whatever the chunk size, and disorder caught across chunks."""

from __future__ import annotations

import pyarrow as pa
import pytest

from sapphire.core.errors import ConfigError, DataValidationError
from sapphire.data.loaders import CsvLoader
from tests.unit.data.loaders.helpers import EURUSD, T0, read_all, write

COLUMNS = {"ts_event": "time", "bid_price": "bid", "ask_price": "ask"}


def _file(tmp_path, seconds):
    lines = "\n".join(f"{T0 // 10**9 + s},1.1,1.2" for s in seconds)
    return write(tmp_path, "q.csv", f"time,bid,ask\n{lines}")


def test_small_chunks_give_the_same_rows_as_one_chunk(tmp_path):
    path = _file(tmp_path, range(10))
    loader = CsvLoader("quotes", COLUMNS, timestamp="s")
    chunks = list(loader.read(path, EURUSD, chunk_rows=3))
    assert [len(chunk) for chunk in chunks] == [3, 3, 3, 1]
    assert pa.concat_tables(chunks).equals(read_all(loader, path, EURUSD))
    assert pa.concat_tables(chunks).column("ts_event").to_pylist() == [
        T0 + s * 10**9 for s in range(10)]


def test_disorder_across_a_chunk_boundary_names_the_file_row(tmp_path):
    path = _file(tmp_path, [0, 1, 2, 3, 2, 5])  # row 5 goes back; chunks of 2 start it
    loader = CsvLoader("quotes", COLUMNS, timestamp="s")
    with pytest.raises(DataValidationError, match=r"q\.csv, row 5, column 'time'.*backwards"):
        read_all(loader, path, EURUSD, chunk_rows=2)


def test_chunk_rows_must_be_positive(tmp_path):
    path = _file(tmp_path, [0])
    with pytest.raises(ConfigError, match="chunk_rows"):
        read_all(CsvLoader("quotes", COLUMNS, timestamp="s"), path, EURUSD, chunk_rows=0)


def test_progress_bar_does_not_change_the_rows(tmp_path):
    path = _file(tmp_path, range(5))
    loader = CsvLoader("quotes", COLUMNS, timestamp="s")
    shown = pa.concat_tables(loader.read(path, EURUSD, progress=True))
    assert shown.equals(read_all(loader, path, EURUSD))
