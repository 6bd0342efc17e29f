"""Ad-hoc SQL over the catalog with DuckDB.

For each stored data type two views are defined:

- ``<type>_raw`` (for example ``quotes_raw``): the stored columns (prices in ticks,
  sizes in lots) plus ``instrument_id`` (and ``bar_type`` for bars);
- ``<type>`` (for example ``quotes``): the same rows with prices and sizes as
  decimals, and ``time``, a DuckDB timestamp of ``ts_event``.

An ``instruments`` table holds each instrument's id, kind and increments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from sapphire.core.enums import DataType, PriceType
from sapphire.core.errors import CatalogError
from sapphire.data.bar_type import BarType
from sapphire.data.schemas import ROLES, schema_for

if TYPE_CHECKING:
    import duckdb

    from sapphire.data.catalog import Catalog


def connect(catalog: Catalog) -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB connection with the catalog's views defined."""
    import duckdb

    connection = duckdb.connect()
    _create_instruments_table(connection, catalog)
    by_type: dict[DataType, list[str]] = {}
    for series in catalog.series():
        files = [str(p) for p in catalog.files(series.data_type, series.name)]
        if files:
            by_type.setdefault(series.data_type, []).append(_select_series(series.data_type,
                                                                           series.name, files))
    for data_type, selects in by_type.items():
        connection.execute(f"CREATE VIEW {data_type.value}_raw AS " + " UNION ALL ".join(selects))
        connection.execute(f"CREATE VIEW {data_type.value} AS {_decoded(data_type)}")
    return connection


def run_sql(catalog: Catalog, query: str) -> pa.Table:
    """Run ``query`` against the catalog's views and return an Arrow table."""
    import duckdb

    connection = connect(catalog)
    try:
        relation = connection.sql(query)
        if relation is None:
            raise CatalogError(f"SQL returned no result set: {query!r}")
        # DuckDB 2 renamed the Arrow export; 1.x only has `arrow()`.
        export = getattr(relation, "to_arrow_table", None) or relation.arrow
        return export()
    except duckdb.Error as exc:
        raise CatalogError(f"SQL failed: {exc}") from None
    finally:
        connection.close()


def _create_instruments_table(connection: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    rows = [
        (str(i.id), i.kind.value, str(i.price_increment), str(i.size_increment),
         i.price_step.mantissa, float(10 ** i.price_step.exponent),
         i.size_step.mantissa, float(10 ** i.size_step.exponent))
        for i in catalog.instruments()
    ]
    connection.execute(
        "CREATE TABLE instruments (instrument_id VARCHAR, kind VARCHAR, price_increment VARCHAR, "
        "size_increment VARCHAR, price_mantissa BIGINT, price_divisor DOUBLE, "
        "size_mantissa BIGINT, size_divisor DOUBLE)"
    )
    if rows:
        connection.executemany("INSERT INTO instruments VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _select_series(data_type: DataType, name: str, files: list[str]) -> str:
    file_list = "[" + ", ".join(_quote(f) for f in files) + "]"
    if data_type == DataType.BARS:
        bar_type = BarType.parse(name)
        scale = 2 if bar_type.spec.price_type == PriceType.MID else 1
        prefix = (f"{_quote(str(bar_type.instrument_id))} AS instrument_id, {_quote(name)} AS "
                  f"bar_type, {scale} AS price_scale")
    else:
        prefix = f"{_quote(name)} AS instrument_id"
    return f"SELECT {prefix}, * FROM read_parquet({file_list})"


def _decoded(data_type: DataType) -> str:
    roles = ROLES[data_type]
    scale = " * r.price_scale" if data_type == DataType.BARS else ""
    columns = []
    for name in schema_for(data_type).names:
        if name in roles.prices:
            columns.append(f"r.{name} * i.price_mantissa / (i.price_divisor{scale}) AS {name}")
        elif name in roles.sizes:
            columns.append(f"r.{name} * i.size_mantissa / i.size_divisor AS {name}")
        else:
            columns.append(f"r.{name}")
    lead = "r.instrument_id, " + ("r.bar_type, " if data_type == DataType.BARS else "")
    return (f"SELECT {lead}make_timestamp_ns(r.ts_event) AS time, {', '.join(columns)} "
            f"FROM {data_type.value}_raw r JOIN instruments i USING (instrument_id)")
