"""CSV pieces parsed in parallel: cut only at line ends, rows in file order, errors located.

``PIECE_BYTES`` is shrunk to a few bytes so that small files are cut into many pieces,
with lines longer than a piece, CRLF line ends, blank lines and no final line end.
"""

from __future__ import annotations

import pytest

from sapphire.core.errors import DataValidationError
from sapphire.data.loaders import CsvLoader, csv_io
from tests.unit.data.loaders.helpers import EURUSD, T0, read_all

COLUMNS = {"ts_event": "time", "bid_price": "bid", "ask_price": "ask"}
ROWS = 40


@pytest.fixture(autouse=True)
def _tiny_pieces(monkeypatch):
    monkeypatch.setattr(csv_io, "PIECE_BYTES", 16)  # shorter than every line of these files


def _lines(count=ROWS):
    return [f"{T0 // 10**9 + s},1.{10000 + s},1.{20000 + s}" for s in range(count)]


def _read(tmp_path, body: bytes, **options):
    path = tmp_path / "q.csv"
    path.write_bytes(body)
    return read_all(CsvLoader("quotes", COLUMNS, timestamp="s", **options), path, EURUSD,
                    chunk_rows=7)


def _expected_ts(count=ROWS):
    return [T0 + s * 10**9 for s in range(count)]


def test_many_pieces_give_every_row_once_in_order(tmp_path):
    table = _read(tmp_path, ("time,bid,ask\n" + "\n".join(_lines()) + "\n").encode())
    assert table.column("ts_event").to_pylist() == _expected_ts()
    # bid 1.10000 + s * 0.00001 is 110000 + s ticks of 0.00001
    assert table.column("bid_price").to_pylist() == [110_000 + s for s in range(ROWS)]
    assert table.column("ask_price").to_pylist() == [120_000 + s for s in range(ROWS)]


def test_crlf_blank_lines_and_no_final_line_end(tmp_path):
    lines = _lines()
    body = "time,bid,ask\r\n" + "\r\n".join(lines[:20]) + "\r\n\r\n" + "\r\n".join(lines[20:])
    table = _read(tmp_path, body.encode())
    assert table.column("ts_event").to_pylist() == _expected_ts()


def test_file_without_header_uses_the_given_names(tmp_path):
    table = _read(tmp_path, ("\n".join(_lines()) + "\n").encode(), has_header=False,
                  column_names=["time", "bid", "ask"])
    assert table.column("ts_event").to_pylist() == _expected_ts()


def test_quoted_header_names_are_unquoted(tmp_path):
    table = _read(tmp_path, ('"time","bid","ask"\n' + "\n".join(_lines(3)) + "\n").encode())
    assert table.column("ts_event").to_pylist() == _expected_ts(3)


def test_bad_value_in_a_late_piece_names_its_file_row(tmp_path):
    lines = _lines()
    lines[32] = lines[32].replace(",1.", ",x.", 1)  # data row 33, many pieces in
    with pytest.raises(DataValidationError, match=r"q\.csv, row 33, column 'bid'"):
        _read(tmp_path, ("time,bid,ask\n" + "\n".join(lines) + "\n").encode())


def test_short_row_in_a_late_piece_names_its_file_row(tmp_path):
    lines = _lines()
    lines[25] = lines[25].rsplit(",", 1)[0]  # data row 26 lacks its last field
    with pytest.raises(DataValidationError, match=r"q\.csv, row 26.*malformed row"):
        _read(tmp_path, ("time,bid,ask\n" + "\n".join(lines) + "\n").encode())


def test_header_only_file_gives_no_rows(tmp_path):
    assert _read(tmp_path, b"time,bid,ask\n").num_rows == 0
