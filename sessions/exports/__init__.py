"""Analytics exports: sessions, holds, stop events and measurements as CSV, NDJSON or FHIR R4.

- `datasets`: the columns (the versioned dictionary); `queries`: the rows (`rows`) and the COPY SQL (`copy_sql`);
- `pseudonyms`: the keyed hash that stands for people in analysts' exports;
- `streams`: the formats, as chunked byte streams (COPY on PostgreSQL for CSV);
- `fhir`: FHIR R4 resources made from rows;
- `services`: filters checked, the export recorded, its stream counted;
- `jobs`: exports run by the background worker into the `exports` storage (kick-off, heartbeat,
  the sweep of dead and expired jobs); `parquet`: the Parquet format of jobs (pyarrow, row groups).
"""
