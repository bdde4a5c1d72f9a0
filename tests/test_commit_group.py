"""Group commit on a real ledger: a file that fails is undone alone, nothing is visible to
another reader (or acted on) before the commit, and a transaction outside a group still
commits at once."""

import sqlite3

import pytest

from cm_excel.commit_group import CommitGroup
from cm_excel.ledger import db


@pytest.fixture
def conn(tmp_path):
    conn = db.connect(tmp_path / "ledger.sqlite3")
    conn.execute("CREATE TABLE notes (file TEXT)")
    yield conn
    conn.close()


def _write(conn, name):
    with db.transaction(conn):
        conn.execute("INSERT INTO notes VALUES (?)", (name,))


def _seen_by_another_reader(tmp_path):
    other = sqlite3.connect(tmp_path / "ledger.sqlite3")
    try:
        return sorted(r[0] for r in other.execute("SELECT file FROM notes"))
    finally:
        other.close()


def _record(group, conn, name, ran):
    """A file's ledger row written, and its removal queued for after the commit."""
    _write(conn, name)
    group.then(lambda: ran.append(f"remove {name}"))


def test_a_failing_file_is_undone_alone_and_its_actions_dropped(conn, tmp_path):
    group = CommitGroup(conn)
    ran = []
    with group.file():
        _record(group, conn, "a", ran)
    with pytest.raises(ValueError):
        with group.file():
            _record(group, conn, "b", ran)
            raise ValueError("b is broken")
    with group.file():
        _record(group, conn, "c", ran)
        group.sync_later(tmp_path)

    assert _seen_by_another_reader(tmp_path) == []  # nothing durable before the commit
    assert ran == []
    group.commit()
    assert _seen_by_another_reader(tmp_path) == ["a", "c"]
    assert ran == ["remove a", "remove c"]
    assert not conn.in_transaction and not conn.grouped


def test_a_failure_inside_a_files_transaction_keeps_the_files_other_writes(conn, tmp_path):
    group = CommitGroup(conn)
    with group.file():
        _write(conn, "kept")
        with pytest.raises(sqlite3.OperationalError):
            with db.transaction(conn):
                conn.execute("INSERT INTO notes VALUES ('undone')")
                conn.execute("INSERT INTO no_such_table VALUES (1)")
    group.commit()
    assert _seen_by_another_reader(tmp_path) == ["kept"]


def test_an_abandoned_group_leaves_nothing(conn, tmp_path):
    group = CommitGroup(conn)
    ran = []
    with group.file():
        _record(group, conn, "a", ran)
    group.abandon()
    group.commit()  # nothing left to commit or run
    assert _seen_by_another_reader(tmp_path) == [] and ran == []


def test_outside_a_group_a_transaction_commits_at_once(conn, tmp_path):
    _write(conn, "alone")
    assert _seen_by_another_reader(tmp_path) == ["alone"]
    with pytest.raises(RuntimeError):
        with db.transaction(conn):
            with db.transaction(conn):
                pass


def test_a_group_is_due_after_its_files_or_its_time(conn):
    group = CommitGroup(conn, max_files=2, max_seconds=3600)
    assert not group.due()
    with group.file():
        pass
    assert not group.due()
    with group.file():
        pass
    assert group.due()
    group.commit()
    assert not group.due()
    timed = CommitGroup(conn, max_files=100, max_seconds=0)
    with timed.file():
        pass
    assert timed.due()
    timed.commit()
