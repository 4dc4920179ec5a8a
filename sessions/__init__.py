"""Logged sessions and everything around them (app label `stretch_sessions`). A map:

Domain (no HTTP here; `tests/stretchapi/test_architecture.py` holds it so):
- `models/`      one module per concept: accounts, logged (sessions, holds, stop events,
                 measurements), trainers (invitations, consent links, access log, alerts),
                 programs, health (a client's flags), exports, idempotency.
- `choices.py`   every value of the API contract; `limits.py` the bounds of logged values.
- `rules/`       the rules, written once: `records` (what makes a session or row valid),
                 `safety` (flags, the alerts they raise, their urgency), `progression` (the
                 next step and the one freeze), `adherence` (sessions against the program),
                 `values` (every threshold, with its source).
- `access.py`    who may see what: roles, the consented-clients query, the access log.
- `accounts/`    sign-up and device tokens (services).
- `logbook/`     upload, live appends, edits, deletion (services); session reads (selectors); the
                 catalog rows uploads refer to, per catalog version (references).
- `alerts/`      raising and acknowledging alerts (services); the trainer's feed, per reason
                 or grouped per session (selectors); what an alert shows of its hold or stop
                 event, for every door (rules).
- `trainers/`    invitations and consent (services); a trainer's clients (selectors).
- `programs/`    assigning a program (services); following one (selectors).
- `progress/`    an exercise's history per side, balance and next step (selectors).
- `health/`      a client's contraindication flags (services); the flags, which of them an
                 exercise lists, and the plan warnings they raise (selectors; the catalog
                 calls `plan_warnings` through the `CATALOG_PLAN_WARNINGS` setting).
- `exports/`     analytics exports: the column dictionary, streams, FHIR, pseudonyms.
- `notifications/` alert emails to trainers (outbox rows written with the upload; immediate,
                 daily digest or off), their tasks.
- `webhooks/`    webhook endpoints, Standard Webhooks signing, SSRF checks, deliveries, tasks.
- `background/`  the queue's own pieces: the worker's clock (periodic tasks), the outbox
                 (claim, retry, sweep) every delivery shares.

Doors:
- `api/`         one module per URL prefix (`accounts`, `sessions`, `progress`, `me`,
                 `trainer`, `exports`), `serializers/` by concept, `filters`,
                 `permissions`, `pagination`, `idempotency`, `schema`, `urls`.
- `admin/`       the staff and trainer panel, one module per concept; `scoping` decides visibility.
- `management/commands/`  create_user, export, purge_idempotency_records, worker.
"""
