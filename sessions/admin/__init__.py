"""The admin: staff look after every account and record here; trainers use it as their panel.

One module per concept (`accounts`, `logbook`, `alerts`, `trainers`,
`programs`, `exports`); who sees what is decided in `scoping`, from the roles
of `sessions.access`.

knox's own admin registers `knox.AuthToken`; that model is swapped out for
`DeviceToken` (KNOX_TOKEN_MODEL), and Django's AdminSite ignores registrations
of swapped models, so there is no stale token page.
"""

from . import accounts, alerts, exports, logbook, programs, trainers

__all__ = ["accounts", "alerts", "exports", "logbook", "programs", "trainers"]
