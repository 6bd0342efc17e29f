"""BybitOrderbookLoader on hand-written JSON lines."""

from __future__ import annotations

import json

import pytest

from sapphire.core.enums import BookAction as A
from sapphire.core.enums import Side
from sapphire.core.errors import DataValidationError, UnknownInstrumentError
from sapphire.data.loaders import BybitOrderbookLoader
from sapphire.model.instruments import Perpetual
from tests.unit.data.loaders.helpers import read_all, rows

XRP = Perpetual(id="XRPUSDT.BYBIT", quote_currency="USDT", base_currency="XRP",
                settlement_currency="USDT", price_increment="0.0001", size_increment="1")
MS = 1_000_000
SNAP, LAST = 1, 2


def _message(kind, ts, cts, bids, asks, seq, symbol="XRPUSDT"):
    return json.dumps({"topic": f"orderbook.500.{symbol}", "type": kind, "ts": ts, "cts": cts,
                       "data": {"s": symbol, "b": bids, "a": asks, "u": seq, "seq": seq}})


def _file(tmp_path, *lines):
    path = tmp_path / "ob.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_snapshot_then_delta(tmp_path):
    path = _file(tmp_path,
                 _message("snapshot", 1005, 1000, [["1.9531", "10"]], [["1.9535", "5"]], 7),
                 _message("delta", 1010, 1008, [["1.9531", "0"]], [["1.9536", "3"]], 9))
    assert rows(read_all(BybitOrderbookLoader(), path, XRP)) == [
        (1000 * MS, 1005 * MS, 7, Side.NONE, A.CLEAR, 0, 0, SNAP),
        (1000 * MS, 1005 * MS, 7, Side.BUY, A.ADD, 19531, 10, SNAP),
        (1000 * MS, 1005 * MS, 7, Side.SELL, A.ADD, 19535, 5, SNAP | LAST),
        (1008 * MS, 1010 * MS, 9, Side.BUY, A.DELETE, 19531, 0, 0),
        (1008 * MS, 1010 * MS, 9, Side.SELL, A.UPDATE, 19536, 3, LAST),
    ]


def test_chunks_follow_messages(tmp_path):
    path = _file(tmp_path,
                 _message("snapshot", 1005, 1000, [["1.9531", "10"]], [["1.9535", "5"]], 7),
                 _message("delta", 1010, 1008, [["1.9531", "0"]], [], 9))
    chunks = list(BybitOrderbookLoader().read(path, XRP, chunk_rows=1))
    assert [len(chunk) for chunk in chunks] == [3, 1]


def test_malformed_json_names_the_line(tmp_path):
    path = _file(tmp_path, _message("delta", 1010, 1008, [["1.9531", "1"]], [], 9), '{"topic": ')
    with pytest.raises(DataValidationError, match=r"ob\.jsonl, row 2: malformed JSON"):
        read_all(BybitOrderbookLoader(), path, XRP)


@pytest.mark.parametrize(("second", "error", "where"), [
    (_message("delta", 1020, 1018, [["1.95315", "1"]], [], 10), DataValidationError,
     "row 2, column 'data.b price'"),
    (_message("delta", 1020, 1018, [], [["1.9531", "-1"]], 10), DataValidationError,
     "row 2, column 'data.b/a size'"),
    (_message("delta", 1020, 1000, [["1.9531", "1"]], [], 10), DataValidationError,
     "row 2, column 'cts'"),
    (_message("delta", 1020, 1018, [["1.9531", "1"]], [], 10, symbol="BTCUSDT"),
     UnknownInstrumentError, "row 2, column 'data.s'"),
])
def test_bad_messages(tmp_path, second, error, where):
    path = _file(tmp_path, _message("delta", 1010, 1008, [["1.9531", "1"]], [], 9), second)
    with pytest.raises(error) as caught:
        read_all(BybitOrderbookLoader(), path, XRP)
    assert "ob.jsonl" in str(caught.value) and where in str(caught.value)
