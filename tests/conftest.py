"""Fixtures shared by the test modules; a module may define its own of the same name."""

import pytest

from builders import make_register
from ingest_fixtures import make_workspace


@pytest.fixture
def register():
    """A fresh copy of the small register of tests/builders.py."""
    return make_register()


@pytest.fixture
def ws(tmp_path):
    """An empty workspace (inbox/, outbox/, archive/) in the test's own folder."""
    return make_workspace(tmp_path / "ws")
