"""Bad input common to the vendor CSV loaders: a missing column, a malformed row, a bad time."""

from __future__ import annotations

import pytest

from sapphire.core.errors import DataValidationError, SchemaError
from sapphire.data.loaders import (
    BarCsvLoader,
    BinanceDepthLoader,
    HistDataQuotesLoader,
    TardisL2Loader,
    TardisTradesLoader,
    TrueFxQuotesLoader,
)
from tests.unit.data.loaders.helpers import EURUSD, read_all, write

T = 1_583_020_803_145_000
# loader, header, good row, the time column, a bad time
CASES = {
    "tardis-trades": (TardisTradesLoader, "exchange,symbol,timestamp,local_timestamp,id,side,"
                      "price,amount", f"x,EURUSD,{T},{T},a,buy,1.1,1", "timestamp", "soon"),
    "tardis-l2": (TardisL2Loader, "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,"
                  "price,amount", f"x,EURUSD,{T},{T},false,bid,1.1,1", "local_timestamp", "1.5x"),
    "binance-depth": (BinanceDepthLoader, "symbol,timestamp,first_update_id,last_update_id,side,"
                      "update_type,price,qty,pu", f"EURUSD,{T // 1000},1,1,b,set,1.1,1,0",
                      "timestamp", "yesterday"),
    "truefx": (TrueFxQuotesLoader, "timestamp,bid,ask", "2024-01-01 00:00:00+00:00,1.1,1.2",
               "timestamp", "2024-13-01 00:00:00+00:00"),
    "bars": (lambda: BarCsvLoader("1-min-bid"), "timestamp,open,high,low,close",
             "2024-01-01 00:00:00+00:00,1.1,1.2,1.0,1.1", "timestamp", "2024-01-01T25:00Z"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_missing_column(tmp_path, case):
    make, header, row, column, _ = CASES[case]
    names = header.split(",")
    cut = names.index(column)
    path = write(tmp_path, "f.csv", ",".join(names[:cut] + names[cut + 1:]) + "\n" + row)
    with pytest.raises(SchemaError, match=rf"f\.csv: missing column '{column}'; the file has"):
        read_all(make(), path, EURUSD)


@pytest.mark.parametrize("case", sorted(CASES))
def test_row_with_too_few_fields(tmp_path, case):
    make, header, row, *_ = CASES[case]
    path = write(tmp_path, "f.csv", f"{header}\n{row}\n{row.rsplit(',', 1)[0]}")
    with pytest.raises(DataValidationError, match=r"f\.csv, row 2: malformed row: Expected"):
        read_all(make(), path, EURUSD)


@pytest.mark.parametrize("case", sorted(CASES))
def test_unparseable_time(tmp_path, case):
    make, header, row, column, bad = CASES[case]
    names = header.split(",")
    fields = row.split(",")
    fields[names.index(column)] = bad
    path = write(tmp_path, "f.csv", f"{header}\n{row}\n{','.join(fields)}")
    with pytest.raises(DataValidationError, match=rf"f\.csv, row 2, column '{column}'"):
        read_all(make(), path, EURUSD)


def test_histdata_row_with_too_many_fields(tmp_path):
    path = write(tmp_path, "h.csv", "20240101 000000065,1.1,1.2,0\n20240101 000000066,1.1,1.2,0,9")
    with pytest.raises(DataValidationError, match=r"h\.csv, row 2: malformed row"):
        read_all(HistDataQuotesLoader(), path, EURUSD)
