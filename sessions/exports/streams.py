"""Export formats as streams of `(bytes, rows)` chunks, so memory stays flat whatever the row count.

On PostgreSQL every format is written by PostgreSQL's own `COPY … TO STDOUT`
through psycopg 3, the fastest way rows leave the server: the CSV
(`queries.copy_sql`), and the NDJSON and the FHIR resources (`fhir_sql`) as
JSON lines (`queries.json_copy_sql`). Elsewhere (SQLite) rows come from
a chunked `values_list` iterator and are written here; that path is also the
reference the COPY output is tested against, line by line and byte for byte.
The CSV written here follows COPY's rules to the byte: `,` between fields,
`\\n` after each record, a field quoted (with `"` doubled) when it is empty or
holds `,`, `"`, `\\r` or `\\n`, and an empty unquoted field for null.

The first chunk leaves as soon as it exists (the CSV header, or the first
row) and later ones once `chunk_bytes` have gathered. `chunks` is the stream
an HTTP response or a command sends; `write` puts a whole export in a binary
file (a background job's), without the export record `services` keeps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import nullcontext
from typing import BinaryIO

from django.conf import settings
from django.db import connections, transaction

from stretchapi.db_routers import export_database

from . import fhir, fhir_sql
from .datasets import DATASETS, ExportFilters, Recipient
from .queries import JSON_QUOTE, copy_sql, json_copy_sql, rows

CSV = "csv"
NDJSON = "ndjson"
FHIR = "fhir"
MEDIA_TYPES = {CSV: "text/csv", NDJSON: "application/x-ndjson", FHIR: "application/fhir+ndjson"}
EXTENSIONS = {CSV: "csv", NDJSON: "ndjson", FHIR: "ndjson"}
ITERATOR_CHUNK_ROWS = 2_000

_NEEDS_QUOTES = re.compile(r'[,"\r\n]')

Chunks = Iterator[tuple[bytes, int]]


def csv_field(text: str | None) -> str:
    if text is None:
        return ""
    if text == "" or _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_record(fields) -> str:
    return ",".join(csv_field(f) for f in fields) + "\n"


class CsvRecordCounter:
    """Counts the CSV records that end in the bytes fed to it: the newlines outside quotes
    (`"`, or for COPY's JSON lines `JSON_QUOTE`, around a line of several resources).

    A doubled quote inside a quoted field toggles the state twice, so counting
    quotes is enough to know whether a newline ends a record.
    """

    def __init__(self, quote: bytes = b'"') -> None:
        self.quote = quote
        self.quoted = False

    def feed(self, data: bytes) -> int:
        if self.quote not in data and not self.quoted:
            return data.count(b"\n")
        parts = data.split(self.quote)
        start = 1 if self.quoted else 0
        records = sum(part.count(b"\n") for part in parts[start::2])
        self.quoted ^= (len(parts) - 1) % 2 == 1
        return records


def _gather(lines: Iterator[tuple[str, int]], chunk_bytes: int) -> Chunks:
    """Join (text, rows) pieces into chunks: the first at once, the others of about `chunk_bytes`."""
    pending: list[str] = []
    size = count = 0
    first = True
    for text, n in lines:
        pending.append(text)
        size += len(text)
        count += n
        if first or size >= chunk_bytes:
            yield "".join(pending).encode(), count
            pending, size, count, first = [], 0, 0, False
    if pending:
        yield "".join(pending).encode(), count


def _python_lines(dataset: str, fmt: str, filters: ExportFilters, audience: Recipient) -> Iterator[tuple[str, int]]:
    columns = DATASETS[dataset].columns_for(audience)
    names = [c.name for c in columns]
    if fmt == CSV:
        yield csv_record(names), 0
        converters = [c.text_converter(audience) for c in columns]
    else:
        converters = [c.json_converter(audience) for c in columns]
    build = fhir.BUILDERS[dataset]
    iterator = rows(dataset, filters, audience).iterator(chunk_size=ITERATOR_CHUNK_ROWS)
    try:
        for row in iterator:
            values = [None if v is None else convert(v) for convert, v in zip(converters, row, strict=True)]
            if fmt == CSV:
                yield csv_record(values), 1
            elif fmt == NDJSON:
                yield _json_line(dict(zip(names, values, strict=True))), 1
            else:
                yield "".join(_json_line(r) for r in build(dict(zip(names, values, strict=True)))), 1
    finally:
        iterator.close()  # frees the server-side cursor when the client leaves early


def _json_line(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def python_chunks(dataset: str, fmt: str, filters: ExportFilters, audience: Recipient, *, chunk_bytes: int) -> Chunks:
    """Any format, from the Python iterator."""
    return _gather(_python_lines(dataset, fmt, filters, audience), chunk_bytes)


def copy_chunks(
    dataset: str, filters: ExportFilters, audience: Recipient, *, chunk_bytes: int, fmt: str = CSV
) -> Chunks:
    """Any format from PostgreSQL's COPY (the CSV, the NDJSON, the FHIR resources written by
    PostgreSQL); leaving early cancels the COPY (psycopg does it on exit)."""
    if fmt == CSV:
        sql, params = copy_sql(dataset, filters, audience)
        counter, header_pending = CsvRecordCounter(), True
    else:
        line = fhir_sql.line_sql(dataset, audience) if fmt == FHIR else None
        sql, params = json_copy_sql(dataset, filters, audience, line=line)
        counter, header_pending = CsvRecordCounter(JSON_QUOTE), False
    connection = connections[export_database()]
    # COPY is one statement for the whole export: the web's statement_timeout
    # (DATABASE_STATEMENT_TIMEOUT) would cut any large one, so the export runs
    # under its own bound, set for its transaction only (SET LOCAL): the
    # transaction keeps the setting and the COPY on one server connection, also
    # behind a pooler such as PgBouncer in transaction mode, and the setting
    # ends with it. The transaction only reads, and is rolled back.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{settings.EXPORT_STATEMENT_TIMEOUT}s"])
        # Logged like any query when queries are (DEBUG, tests), without the pseudonym key's pads.
        shown = ["<key>" if isinstance(p, bytes) else p for p in params]
        logged = cursor.debug_sql(sql, shown) if connection.queries_logged else nullcontext()
        try:
            with logged, cursor.cursor.copy(sql, params) as copy:
                pending = bytearray()
                for block in copy:
                    pending += block
                    if header_pending or len(pending) >= chunk_bytes:
                        yield _copied(pending, counter, header_pending)
                        pending.clear()
                        header_pending = False
                if pending:
                    yield _copied(pending, counter, header_pending)
        finally:
            transaction.set_rollback(True, using=connection.alias)


def _copied(pending: bytearray, counter: CsvRecordCounter, header: bool) -> tuple[bytes, int]:
    """A chunk of COPY's output and the rows that end in it; JSON lines lose their `JSON_QUOTE`s."""
    records = counter.feed(pending) - header
    if counter.quote == JSON_QUOTE and JSON_QUOTE in pending:
        return bytes(pending).replace(JSON_QUOTE, b""), records
    return bytes(pending), records


def uses_copy(fmt: str) -> bool:
    """Whether this format comes from PostgreSQL's COPY: every format does, on PostgreSQL."""
    return fmt in MEDIA_TYPES and connections[export_database()].vendor == "postgresql"


def chunks(dataset: str, fmt: str, filters: ExportFilters, audience: Recipient, *, chunk_bytes: int) -> Chunks:
    """The export's bytes, by the fastest path this database offers."""
    if uses_copy(fmt):
        return copy_chunks(dataset, filters, audience, chunk_bytes=chunk_bytes, fmt=fmt)
    return python_chunks(dataset, fmt, filters, audience, chunk_bytes=chunk_bytes)


def write(
    file: BinaryIO, dataset: str, fmt: str, filters: ExportFilters, audience: Recipient, *, chunk_bytes: int
) -> tuple[int, int]:
    """Write a whole export to a binary file-like object (no record: see `services.export_start`);
    its rows and bytes."""
    rows_written = bytes_written = 0
    for data, count in chunks(dataset, fmt, filters, audience, chunk_bytes=chunk_bytes):
        file.write(data)
        rows_written += count
        bytes_written += len(data)
    return rows_written, bytes_written
