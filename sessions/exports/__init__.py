"""Analytics exports: sessions, holds, stop events and measurements as CSV, NDJSON or FHIR R4.

- `datasets`: the columns (the versioned dictionary); `dictionary`: that dictionary as people
  read it; `queries`: the rows (`rows`) and the COPY SQL (`copy_sql` for CSV, `json_copy_sql`
  for JSON lines);
- `pseudonyms`: the keyed hash that stands for people in analysts' exports;
- `streams`: the formats, as chunked byte streams (COPY on PostgreSQL, the Python iterator elsewhere),
  or written to a file (`write`);
- `fhir`: FHIR R4 resources made from rows (the reference); `fhir_sql`: the same, written by PostgreSQL
  (with `stretchapi.jsonsql`, JSON templates compiled to SQL that writes the JSON `json.dumps` would);
- `services`: filters checked, the export recorded, its stream counted;
- `jobs`: exports run by the background worker into the `exports` storage (kick-off, heartbeat,
  the sweep of dead and expired jobs); `parquet`: the Parquet format of jobs (pyarrow, row groups).

"""
