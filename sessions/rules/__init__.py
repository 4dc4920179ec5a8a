"""The rules of the logged-session domain, written once and called by every door.

Plain functions over plain values (model instances the caller has loaded,
dicts of input, datetimes): no request, no serializer, no query. The
services call them inside their transactions, the admin's forms and the
bench generator call the same functions.

- `values`: every named threshold, with where it comes from.
- `records`: what makes an uploaded or live-logged session, hold, stop event
  or measurement valid — problems as `{field path: (code, message)}`.
"""
