"""Webhooks for integrations (a clinic's system, a chat channel), per the Standard Webhooks spec.

- `addresses`  which URLs may be called: http(s), and every address the host resolves to global
               (no private, loopback, link-local… — SSRF), checked at registration and again at
               each delivery, which connects to the very address it checked.
- `signing`    the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers (v1,
               HMAC-SHA256 over `id.timestamp.body`, `whsec_` secrets), through `standardwebhooks`.
- `sending`    one POST: short timeout, no redirects, to a checked address.
- `services`   endpoints registered, changed and removed; events recorded (in the caller's
               transaction: the outbox) for the endpoints of everyone who may read the client;
               a delivery attempted, retried, and an endpoint failing for days disabled.
- `selectors`  an owner's endpoints and their delivery log.
- `tasks`      the delivery task and the sweep (queue: `sessions.background`).
"""
