"""Parquet files of a dataset (pyarrow), for analysts' tools: typed columns, written in row groups.

The types come from the column dictionary (`datasets`), one rule per kind of column:

- timestamps → `timestamp[us, tz=UTC]`; booleans → `bool`; decimals → `double`; UUIDs → `string`;
- integers → `int16` (every logged value is a small bound: intensity and pain 0–10, seconds ≤ 600,
  positions), except counts (`…_count`: `int32`) and user ids (`int64`, trainers' exports);
- strings that name a category (sides, SNOMED codes, goals, outcomes, exercises, stop signs,
  actions, units) → dictionary-encoded (`dictionary<int32, string>`: pandas reads a categorical);
  free text and names (the trainer-only columns) and pseudonyms stay plain strings.

Rows come from the same query as the other formats (`queries.rows`, a chunked iterator: a
server-side cursor on PostgreSQL) and leave every `row_group_rows` rows as one row group, so at
most one row group is held in memory whatever the export's size. The file's metadata names the
dictionary version (`export_dictionary_version`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from .datasets import DATASETS, DICTIONARY_VERSION, Column, ColumnType, ExportFilters, Recipient
from .queries import rows

PARQUET = "parquet"
MEDIA_TYPE = "application/vnd.apache.parquet"
ITERATOR_CHUNK_ROWS = 2_000

_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.UUID: pa.string(),
    ColumnType.INTEGER: pa.int16(),
    ColumnType.BOOLEAN: pa.bool_(),
    ColumnType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    ColumnType.DECIMAL: pa.float64(),
    ColumnType.STRING: pa.dictionary(pa.int32(), pa.string()),
}
_VALUES: dict[ColumnType, Callable[[Any], Any]] = {
    ColumnType.UUID: str,
    ColumnType.DECIMAL: float,
}


def column_type(column: Column, audience: Recipient) -> pa.DataType:
    """The Parquet (Arrow) type of one column for this audience."""
    if column.person:
        return pa.string() if audience.pseudonymized else pa.int64()
    if column.type == ColumnType.INTEGER and column.name.endswith("_count"):
        return pa.int32()
    if column.type == ColumnType.STRING and column.trainer_only:
        return pa.string()
    return _TYPES[column.type]


def schema(dataset: str, audience: Recipient) -> pa.Schema:
    fields = [pa.field(c.name, column_type(c, audience)) for c in DATASETS[dataset].columns_for(audience)]
    return pa.schema(fields, metadata={"export_dictionary_version": DICTIONARY_VERSION})


def _converter(column: Column, audience: Recipient) -> Callable[[Any], Any] | None:
    if column.person:
        return column.json_converter(audience)  # a pseudonym for analysts, the user id for trainers
    return _VALUES.get(column.type)


def write(
    target: BinaryIO, dataset: str, filters: ExportFilters, audience: Recipient, *, row_group_rows: int
) -> Iterator[int]:
    """Write the dataset's rows to `target` as Parquet; yields the rows of each row group as it is written.

    Closing the generator early (a cancelled job) closes the query's cursor; the file is then unfinished.
    """
    columns = DATASETS[dataset].columns_for(audience)
    arrow_schema = schema(dataset, audience)
    converters = [_converter(c, audience) for c in columns]
    iterator = rows(dataset, filters, audience).iterator(chunk_size=ITERATOR_CHUNK_ROWS)
    writer = pq.ParquetWriter(target, arrow_schema, compression="zstd")
    try:
        batch: list[list[Any]] = [[] for _ in columns]
        for row in iterator:
            for values, convert, value in zip(batch, converters, row, strict=True):
                values.append(value if value is None or convert is None else convert(value))
            if len(batch[0]) >= row_group_rows:
                yield _flush(writer, arrow_schema, batch)
        if batch[0]:
            yield _flush(writer, arrow_schema, batch)
    finally:
        iterator.close()
        writer.close()


def _flush(writer: pq.ParquetWriter, arrow_schema: pa.Schema, batch: list[list[Any]]) -> int:
    count = len(batch[0])
    arrays = [pa.array(values, type=f.type) for values, f in zip(batch, arrow_schema, strict=True)]
    writer.write_table(pa.Table.from_arrays(arrays, schema=arrow_schema), row_group_size=count)
    for values in batch:
        values.clear()
    return count
