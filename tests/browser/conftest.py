"""Browser tests: Playwright drives Debian's headless Chromium against pytest-django's live server.

The live server answers from another thread, so these tests need committed data:
pytest-django runs them as transactional tests and FLUSHES the whole database
after each one. The rest of the suite expects what the flush removes: the real
catalog (loaded once per test database by tests/conftest.py), the rows that
migrations create (the "Catalog editors" group and its permission), content
types and permissions. pytest-django runs transactional tests after the others,
but the tests without a database marker (the PostgreSQL concurrency tests) still
come later and upload sessions of catalog exercises.

So the database is put back as it was. The flush is the teardown of
pytest-django's per-test database fixture, which its autouse fixtures set up
before any fixture a test asks for: a function-scoped fixture's teardown always
runs *before* the flush, whatever order the test lists its fixtures in. A
module-scoped fixture is set up before, and torn down after, every
function-scoped one: it snapshots the database (Django's serialized-rollback
format) before the module's first test and restores it after the last flush.
A later test in the same module gets the snapshot back as it starts.

On PostgreSQL the flush is a TRUNCATE, and a plain TRUNCATE of the user table
fails: knox's migrations create a table for its own AuthToken model, which
DeviceToken swaps out, so no model owns that table, yet it keeps a foreign key
to the users. `browser_db` therefore names every installed app as
`available_apps`, which is what makes Django flush with TRUNCATE ... CASCADE.
It also makes Django skip the post_migrate signal after the flush (so the
restore puts back content types and permissions under their own ids) and send
it as each test starts (so a later test first drops those fresh copies).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from playwright.sync_api import Page, sync_playwright

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); .ci/run installs it"
)
browser_db = pytest.mark.django_db(transaction=True, available_apps=[app.name for app in apps.get_app_configs()])


class Snapshot:
    """The committed database as the module found it, and whether a test has flushed it since."""

    def __init__(self) -> None:
        self.data = connection.creation.serialize_db_to_string()
        self.flushed = False

    def restore(self) -> None:
        ContentType.objects.all().delete()  # post_migrate's fresh copies, if any, under other ids
        connection.creation.deserialize_db_from_string(self.data)
        ContentType.objects.clear_cache()
        self.flushed = False


@pytest.fixture(scope="module", autouse=True)
def database_snapshot(django_db_setup, django_db_blocker) -> Iterator[Snapshot]:
    with django_db_blocker.unblock():
        snapshot = Snapshot()
    yield snapshot
    if snapshot.flushed:
        with django_db_blocker.unblock():
            snapshot.restore()


@pytest.fixture(autouse=True)
def database_as_the_module_found_it(database_snapshot: Snapshot, transactional_db) -> Iterator[None]:
    if database_snapshot.flushed:
        database_snapshot.restore()
    yield
    database_snapshot.flushed = True  # pytest-django flushes right after this teardown


@contextmanager
def chromium_page() -> Iterator[Page]:
    """A fresh page of Debian's Chromium (Playwright's own browser download is not used).

    Touch the database before and after this block, never inside it: while it is
    open, Playwright's sync API keeps an asyncio loop running in this thread, and
    Django then hands out another database connection (asgiref's Local follows the
    loop), one that pytest-django does not know of and never closes: on PostgreSQL
    it keeps the test database from being dropped at the end of the run.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


@pytest.fixture
def screenshot(request) -> Callable[[Page, str], Path]:
    """Save a full-page PNG as test-artifacts/<database>/<test module>-<step>.png
    (test-artifacts/sqlite/trainer_panel-01-login.png): `make test` runs both databases at once."""
    folder = ARTIFACTS / connection.vendor
    folder.mkdir(parents=True, exist_ok=True)
    prefix = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")

    def take(page: Page, step: str) -> Path:
        path = folder / f"{prefix}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
