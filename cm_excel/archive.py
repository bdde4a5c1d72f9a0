"""The archive: verified, append-only, byte-identical copies of the returns the engine kept.

``archive/<FY>/<Q>/<Contract ID>/<contract>_<kind>_v<version>_<sha256[:12]>.xlsx``

A copy is written to a temporary name in the target folder, flushed and fsynced (by a
worker process while files are checked, or here), read back and its sha256 checked, and
only then given its real name; its folder is fsynced before the ledger names the copy.
Nothing already in the archive is ever modified or deleted: a target that exists with the
same bytes is simply reused, and one with different bytes is an error. An inbox file is
removed only after the archive copy has been verified against it (:func:`remove_archived`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .atomic import fsync_dir
from .crashpoints import crashpoint
from .environment import why
from .errors import WorkspaceError
from .periods import Period
from .workspace import Workspace

_CHUNK = 1 << 20
_ENVIRONMENT = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO,
                errno.ENOTDIR, errno.EEXIST, getattr(errno, "EDQUOT", errno.ENOSPC)}


class ArchiveError(WorkspaceError):
    """The archive cannot take a copy safely (a clash, a failed verification, a full disk)."""


class SourceChanged(ArchiveError):
    """The inbox file no longer holds the bytes that were validated (saved over meanwhile)."""


@dataclass(frozen=True)
class ArchivedCopy:
    path: Path  # absolute
    relative: str  # relative to the workspace, forward slashes (what the ledger stores)
    sha256: str
    created: bool  # False when an identical copy was already there


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def archive_name(contract_id: str, kind: str, version: int, sha256: str) -> str:
    """``VS-001_performance_v2_0123456789ab.xlsx``."""
    return f"{contract_id}_{kind}_v{version}_{sha256[:12]}.xlsx"


def archive_target(workspace: Workspace, period: Period, contract_id: str, kind: str,
                   version: int, sha256: str) -> Path:
    return workspace.archive_dir(period, contract_id) / archive_name(
        contract_id, kind, version, sha256)


def relative_to_workspace(workspace: Workspace, path: Path) -> str:
    path = Path(path)
    if path.is_absolute() and ".." not in path.parts:  # built from the workspace's root
        try:
            return path.relative_to(workspace.root).as_posix()
        except ValueError:
            pass
    return path.resolve().relative_to(workspace.root).as_posix()


def archive_copy(workspace: Workspace, source: str | os.PathLike, target: Path,
                 sha256: str, staged: Path | None = None,
                 sync_folder: Callable[[Path], None] = fsync_dir) -> ArchivedCopy:
    """Copy ``source`` to ``target`` in the archive, verified against ``sha256``.

    ``staged`` is a temporary copy of the same bytes already written and fsynced in the
    target's folder (``stage_copy``, by a worker process): it is verified and given the
    target's name instead of writing the bytes again; it never outlives this call.
    ``sync_folder`` makes the new name durable: at once by default, or later, before the
    ledger names the copy (``CommitGroup.sync_later``).

    Raises SourceChanged when ``source`` no longer has that sha256 (nothing is written),
    ArchiveError when ``target`` exists with other bytes or the copy does not verify.
    """
    target = Path(target)
    if staged is not None and Path(staged).parent != target.parent:
        discard(staged)
        staged = None
    if target.exists():
        discard(staged)
        if sha256_file(target) == sha256:
            return ArchivedCopy(target, relative_to_workspace(workspace, target), sha256, False)
        raise ArchiveError(f"{target}: already in the archive with different contents; "
                           "the archive is never overwritten")
    try:
        if staged is None:
            data = Path(source).read_bytes()
            if hashlib.sha256(data).hexdigest() != sha256:
                raise SourceChanged(f"{source}: the file changed while it was being read")
            staged = stage_copy(target.parent, data, target.stem)
        return _publish_verified(workspace, Path(staged), source, target, sha256,
                                 sync_folder)
    except OSError as exc:  # a full disk, a read-only folder: say where, and what to do
        if exc.errno not in _ENVIRONMENT:
            raise
        raise ArchiveError(f"{target}: cannot be written to the archive: {why(exc)}") from exc
    finally:
        discard(staged)


def stage_copy(folder: Path, data: bytes, stem: str) -> Path:
    """``data`` written to a temporary file in ``folder`` (created if need be), flushed and
    fsynced. Its name is one ``atomic.remove_leftovers`` removes if a run stops here."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".partial", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        discard(tmp)
        raise
    return Path(tmp)


def discard(tmp: str | os.PathLike | None) -> None:
    """Remove a temporary copy, if there is one; one that cannot be removed is left to the
    next run's sweep of leftovers (``atomic.remove_leftovers``)."""
    if tmp is not None:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _publish_verified(workspace: Workspace, tmp: Path, source, target: Path, sha256: str,
                      sync_folder: Callable[[Path], None]) -> ArchivedCopy:
    """Give the staged copy ``tmp`` its name once it verifies; sync the folder."""
    crashpoint("archive.partial_written")
    try:  # mkstemp makes the file private (0600); keep the inbox file's permissions
        shutil.copymode(source, tmp)
    except OSError:
        pass
    if sha256_file(tmp) != sha256:
        raise ArchiveError(f"{target}: the archive copy did not verify (disk problem?)")
    _publish(tmp, target, sha256)
    crashpoint("archive.published")
    discard(tmp)
    sync_folder(target.parent)
    return ArchivedCopy(target, relative_to_workspace(workspace, target), sha256, True)


def _publish(tmp: Path, target: Path, sha256: str) -> None:
    """Give the verified temporary file its name without ever replacing an archived file."""
    try:
        os.link(tmp, target)  # fails if the target appeared meanwhile: never overwrites
        return
    except FileExistsError:
        if sha256_file(target) == sha256:
            return
        raise ArchiveError(f"{target}: appeared in the archive with different contents")
    except OSError:
        pass  # no hard links on this file system (some network shares): rename instead
    if target.exists():
        raise ArchiveError(f"{target}: appeared in the archive meanwhile")
    os.rename(tmp, target)


def remove_archived(inbox_file: str | os.PathLike, archived: str | os.PathLike,
                    sha256: str) -> bool:
    """Remove ``inbox_file`` if it and the archive copy both hold ``sha256``; True if removed.

    An inbox file saved over since it was read (different bytes) is left alone: it is a
    new file, for the next run.
    """
    inbox_file = Path(inbox_file)
    if not Path(archived).is_file() or sha256_file(archived) != sha256:
        return False
    if not inbox_file.is_file() or sha256_file(inbox_file) != sha256:
        return False
    crashpoint("archive.before_inbox_removed")
    inbox_file.unlink()
    return True
