"""The numba CSV fast path gives exactly Arrow's columns, and leaves anything else to Arrow.

Reference: ``pyarrow.csv.read_csv`` on the same bytes with the same column types.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from sapphire.data.loaders import CsvLoader, csv_io
from sapphire.data.loaders.csv_io import _FastPlan
from tests.unit.data.loaders.helpers import EURUSD, read_all

NAMES = ["time", "note", "bid", "count"]
TYPES = {"time": pa.timestamp("ns", "UTC"), "bid": pa.float64(), "count": pa.int64()}


def arrow(body: bytes, types=TYPES, names=NAMES) -> pa.Table:
    read = pcsv.ReadOptions(column_names=names, use_threads=False)
    convert = pcsv.ConvertOptions(column_types=types, include_columns=list(types))
    return pcsv.read_csv(pa.py_buffer(body), read_options=read, convert_options=convert)


def fast(body: bytes, types=TYPES, names=NAMES) -> pa.Table | None:
    plan = _FastPlan.of(names, types, ",")
    assert plan is not None
    return plan.parse(body)


def _random_lines(rng, count):
    seconds = rng.integers(0, 2**31, count)
    days = np.datetime64("1970-01-01T00:00:00") + seconds.astype("timedelta64[s]")
    lines = []
    for i, stamp in enumerate(days.astype(str)):
        digits = int(rng.integers(0, 10))
        fraction = f".{int(rng.integers(0, 10**digits)):0{digits}d}" if digits else ""
        sep = "T" if i % 2 else " "
        places = int(rng.integers(0, 10))  # with 6 whole digits: below 2**53
        whole = int(rng.integers(0, 10**int(rng.integers(1, 7))))
        decimal = f"{whole}.{int(rng.integers(0, 10**places)):0{places}d}" if places else str(whole)
        sign = "-" if rng.random() < 0.2 else ""
        count_ = int(rng.integers(-10**17, 10**17))
        lines.append(f"{stamp.replace('T', sep)}{fraction}Z,any text,{sign}{decimal},{count_}")
    return lines


def test_random_plain_rows_equal_arrows_bit_for_bit():
    rng = np.random.default_rng(11)
    body = ("\n".join(_random_lines(rng, 5000)) + "\n").encode()
    got = fast(body)
    assert got is not None
    expected = arrow(body)
    assert got.equals(expected)
    # floats compared bit for bit, not just ==
    assert np.array_equal(got.column("bid").to_numpy().view(np.int64),
                          expected.column("bid").to_numpy().view(np.int64))


@pytest.mark.parametrize("line", [
    "2024-02-29 23:59:59.123456789Z,x,0.1,0",
    "1678-01-01T00:00:00Z,x,-0.0,-5",
    "2261-12-31T23:59:59.9Z,x,9007199254740992,999999999999999999",
    "2024-01-01 00:00:00Z,,0000.00001,007",
])
def test_edge_rows_equal_arrows(line):
    body = f"{line}\r\n\r\n{line}".encode()
    got = fast(body)
    assert got is not None and got.num_rows == 2
    assert got.equals(arrow(body))


@pytest.mark.parametrize("line", [
    '2024-01-01T00:00:00Z,"quoted",1.5,1',       # quotes: Arrow's quoting rules
    "2024-01-01T00:00:00Z,x,1e5,1",              # exponent
    "2024-01-01T00:00:00Z,x,+1.5,1",             # explicit plus
    "2024-01-01T00:00:00Z,x, 1.5,1",             # white space
    "2024-01-01T00:00:00Z,x,,1",                 # empty (null)
    "2024-01-01T00:00:00Z,x,NaN,1",              # text
    "2024-01-01T00:00:00Z,x,1.,1",               # no digit after the dot
    "2024-01-01T00:00:00Z,x,.5,1",               # no digit before it
    "2024-01-01T00:00:00Z,x,9007199254740993,1",  # above 2**53: not exact as a double
    "2024-01-01T00:00:00Z,x,1.5,1234567890123456789",  # 19 digits
    "2024-01-01T00:00:00Z,x,1.5,1.0",            # a dot in an integer
    "2024-01-01T00:00:00+01:00,x,1.5,1",         # an offset instead of Z
    "2024-01-01T00:00:00,x,1.5,1",               # no zone
    "2024-01-01T00:00:00.1234567891Z,x,1.5,1",   # 10 fraction digits
    "2024-02-30T00:00:00Z,x,1.5,1",              # no such day
    "1677-12-31T23:59:59Z,x,1.5,1",              # outside int64 nanoseconds
    "2024-01-01T24:00:00Z,x,1.5,1",              # hour 24
    "2024-01-01T00:00:00Z,x,1.5",                # a field short
    "2024-01-01T00:00:00Z,x,1.5,1,extra",        # a field too many
    "2024-01-01T00:00:00Z,x,1.5,1\rnext",        # a lone carriage return
])
def test_anything_else_is_left_to_arrow(line):
    assert fast(f"2024-01-01T00:00:00Z,x,1.5,1\n{line}\n".encode()) is None


def test_plan_needs_numeric_or_utc_columns_all_present_once():
    assert _FastPlan.of(NAMES, {**TYPES, "note": pa.string()}, ",") is None
    assert _FastPlan.of(NAMES, {"time": pa.timestamp("ns")}, ",") is None  # zone-less
    assert _FastPlan.of(NAMES, {"missing": pa.float64()}, ",") is None
    assert _FastPlan.of(["a", "a"], {"a": pa.float64()}, ",") is None
    assert _FastPlan.of(NAMES, TYPES, ";") is not None


def test_loader_gives_the_same_rows_with_or_without_the_fast_path(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    ts = 1_704_067_200 + np.cumsum(rng.integers(0, 3, 3000))
    bid = 110_000 + rng.integers(-50, 50, 3000)
    lines = [f"{np.datetime64(int(t), 's')}.{i:06d}Z,{b / 100_000:.5f},{(b + 2) / 100_000:.5f}"
             for i, (t, b) in enumerate(zip(ts, bid, strict=True))]
    lines[1500] = lines[1500].replace("Z", "+00:00")  # one piece goes through Arrow
    path = tmp_path / "q.csv"
    path.write_text("time,bid,ask\n" + "\n".join(lines) + "\n")
    monkeypatch.setattr(csv_io, "PIECE_BYTES", 4096)
    loader = CsvLoader("quotes", {"ts_event": "time", "bid_price": "bid", "ask_price": "ask"})
    parsed = []
    real_parse = _FastPlan.parse
    monkeypatch.setattr(_FastPlan, "parse",
                        lambda self, piece: parsed.append(real_parse(self, piece)) or parsed[-1])
    with_fast = read_all(loader, path, EURUSD, chunk_rows=700)
    assert sum(table is None for table in parsed) == 1  # the piece with +00:00
    assert len(parsed) > 20
    monkeypatch.setattr(_FastPlan, "of", classmethod(lambda cls, *args: None))
    assert with_fast.equals(read_all(loader, path, EURUSD, chunk_rows=700))
    assert with_fast.column("bid_price").to_pylist() == bid.tolist()


def test_a_piece_of_the_shortest_lines_fits():
    line = "2024-01-01T00:00:00Z,,1,2"  # as short as a supported line of NAMES can be
    for body in ("\n".join([line] * 50), "\n".join([line] * 50) + "\n", line):
        got = fast(body.encode())
        assert got is not None and got.num_rows == body.count(line)
        assert got.equals(arrow(body.encode()))
