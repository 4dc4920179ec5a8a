"""Throttles that count in the shared "throttle" cache (settings.CACHES), not in one process's memory."""

from __future__ import annotations

from django.core.cache import caches
from rest_framework.throttling import ScopedRateThrottle


class SharedScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, counting in `caches["throttle"]`: every gunicorn worker and every machine
    sees the same counts, so `THROTTLE_LOGIN=10/min` means ten attempts, whatever the number of workers."""

    @property
    def cache(self):
        return caches["throttle"]
