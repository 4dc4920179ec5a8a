"""The catalog rows a logged session refers to — exercises (with their PNF protocol and doses) and
stop signs — remembered by each process per catalog version.

Judging an upload needs every exercise it names with its doses, and every stop
sign; reading them costs two or three queries and the building of a few dozen
model instances, on every upload, for a catalog that changes a few times a
year. So the whole catalog's exercises and stop signs (a few dozen rows) are
read once and kept in this process under the catalog version
(`catalog.selectors.catalog_version_recent`): an edit through the API, the
admin or `load_catalog` moves the version, and the next upload reads the rows
again — at once in the process that edited, within
`CATALOG_VERSION_CACHE_SECONDS` in the others, the same delay as every catalog
answer. A slug the remembered rows do not know (an exercise added since) is
looked up in the database before it is called unknown.

The version alone does not name the rows everywhere: a test database rolled
back to the same version number may hold other rows. A stamp kept in the
catalog cache beside the version (cleared with that cache) names the rows this
process read; a stamp it does not hold means reading them again. The instances
are shared by every upload of the process and must be read, never changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.core.cache import caches
from django.db.models import QuerySet

from catalog.models import Exercise, StopSign
from catalog.selectors import VERSION_CACHE, catalog_version_recent

from .selectors import without_exercise_json

STAMP_SECONDS = 300  # however still the catalog, the rows are read again this often


@dataclass(frozen=True)
class _Rows:
    stamp: str | None = None
    exercises: dict[str, Exercise] = field(default_factory=dict)
    signs: dict[str, StopSign] = field(default_factory=dict)


_held = _Rows()


def _exercises() -> QuerySet[Exercise]:
    return without_exercise_json(Exercise.objects.select_related("pnf").prefetch_related("doses"))


def _current() -> _Rows:
    """The rows of the current catalog version, read again when this process does not hold them."""
    global _held
    stamp = caches[VERSION_CACHE].get_or_set(
        f"catalog:upload-rows:{catalog_version_recent()}", lambda: uuid.uuid4().hex, STAMP_SECONDS
    )
    held = _held
    if held.stamp != stamp:
        held = _Rows(
            stamp=stamp,
            exercises={e.slug: e for e in _exercises()},
            signs={s.slug: s for s in StopSign.objects.all()},
        )
        _held = held
    return held


def _resolve(slugs: set[str], held: dict, load) -> dict:
    found = {slug: held[slug] for slug in slugs if slug in held}
    missing = slugs - found.keys()
    if missing:  # added since this process read the rows: the database knows
        found.update((row.slug, row) for row in load(missing))
    return found


def exercises_by_slug(slugs: set[str]) -> dict[str, Exercise]:
    """The exercises named by `slugs` (those that exist), with their PNF protocol and doses: judging a
    hundred holds then costs no query."""
    if not slugs:
        return {}
    return _resolve(slugs, _current().exercises, lambda missing: _exercises().filter(slug__in=missing))


def stop_signs_by_slug(slugs: set[str]) -> dict[str, StopSign]:
    """The stop signs named by `slugs` (those that exist)."""
    if not slugs:
        return {}
    return _resolve(slugs, _current().signs, lambda missing: StopSign.objects.filter(slug__in=missing))
