import pytest


@pytest.fixture
def world(db):
    """Clients, a trainer, an analyst and their sessions (tests/sessions/exports_world.py)."""
    from tests.sessions.exports_world import build_world

    return build_world()
