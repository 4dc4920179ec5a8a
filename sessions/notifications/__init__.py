"""Telling trainers (and integrations) what their clients' sessions raised, outside the request.

- `services`  called by the writes that raise or acknowledge alerts and store sessions, in their
              own transaction (the outbox: `sessions.background.outbox`): an alert email owed to
              each consented trainer for escalation, stop-event and high-pain alerts (one per
              session's alerts, by the trainer's preference: at once, in the daily digest, or
              none), and the webhook events (`sessions.webhooks`); then the email attempts, the
              daily digests and the preference.
- `emails`    what the emails say: one line per alert (`alerts.summaries.alert_summary_line`),
              a link to the client's page in the panel, no health detail beyond the panel's.
- `tasks`     the email delivery task, the sweep and the digest run (queue: `sessions.background`).
"""
