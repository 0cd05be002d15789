"""Unpacking a verified archive (tar.gz or zip) into its place, whole or not at all, and never outside it.

The archive is unpacked into a temporary folder beside its destination (same file system, so the
final moves are renames): ``ge2e.fetch.archive_read`` reads its members as data, refusing links, devices
and any name that is not a plain path inside, and checks that the archive is complete;
``ge2e.fetch.folder_writer`` makes each folder and file itself, never following a link. Only when every
member is out, and the archive proved whole, is the result moved into place. A refused or damaged
archive leaves nothing behind but itself.

What the destination holds is never touched: an entry of the archive (a LibriSpeech subset, its
``SPEAKERS.TXT``) goes in only where the destination has no such entry or an empty folder of that
name. One unpack at a time runs per download root (an ``flock`` on the folder), and a temporary
folder left by a killed run is removed only once its process is gone.
"""

import contextlib
import errno
import fcntl
import logging
import os
import re
import shutil
import socket
import stat
from pathlib import Path

from ge2e.errors import InputError
from ge2e.fetch import archive_read
from ge2e.fetch.download import check_space
from ge2e.fetch.folder_writer import FolderWriter, name_max

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")
ZIP_SUFFIXES = (".zip",)
TEMPORARY = re.compile(r"^\..*\.unpack-(?P<host>[^/]*)-(?P<pid>\d+)$")  # .<into>.<archive>.unpack-<host>-<pid>
log = logging.getLogger("ge2e")


def kind(name):
    """``tar``, ``zip``, or None (a plain file, e.g. a trial list), from a file name."""
    if name.endswith(TAR_SUFFIXES):
        return "tar"
    return "zip" if name.endswith(ZIP_SUFFIXES) else None


@contextlib.contextmanager
def locked(folder):
    """Hold an exclusive lock on ``folder`` (flock on the folder itself: no lock file is left behind)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_stale(folder):
    """Remove the temporary folders in ``folder`` whose unpacking process (on this host) is gone; the names
    removed. Called under ``locked(folder)``, so no live unpack of this host can be half-way."""
    host, removed = socket.gethostname(), []
    for entry in sorted(Path(folder).iterdir()):
        match = TEMPORARY.match(entry.name)
        if match and match["host"] == host and not _alive(int(match["pid"])) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed


def _unpack_into(archive, tmp, archive_name, where):
    """Every member of ``archive`` into the folder ``tmp``."""
    refuse = lambda name, why: archive_read.refuse(archive_name, name, why)  # noqa: E731
    space = lambda needed: check_space(tmp, needed, archive_name, where)  # noqa: E731
    with FolderWriter(tmp, refuse, space) as writer:

        def write(member, chunks):
            if member.is_dir:
                writer.folder(member.parts, member.name)
            else:
                writer.file(member.parts, chunks, member.size, member.name)

        limit = name_max(tmp)
        if kind(archive_name) == "tar":
            archive_read.tar_members(archive, archive_name, limit, write)
        else:
            total = lambda members: space(sum(m.size for m in members))  # noqa: E731
            archive_read.zip_members(archive, archive_name, limit, write, before=total)
        return writer.written


def _empty_folder(path):
    """True for a real folder (not a link) with nothing in it."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode) and not any(Path(path).iterdir())
    except FileNotFoundError:
        return False


def _put(entry, target):
    """Move ``entry`` to ``target`` where ``target`` is missing or an empty folder; True when it moved."""
    if _empty_folder(target):
        os.rmdir(target)
    elif os.path.lexists(target):
        return False
    os.rename(entry, target)
    return True


def place(content, into, archive_name):
    """Move the unpacked folder ``content`` to ``into`` (missing or empty: as a whole; otherwise entry by entry,
    each only where ``into`` lacks it or has an empty folder); the names moved and the names kept."""
    if not stat.S_ISDIR(os.lstat(content).st_mode):
        raise InputError(f"{archive_name}: {content.name} in the archive is not a folder; is it the right file?")
    names = sorted(p.name for p in content.iterdir())
    if _put(content, into):
        return names, []
    if not into.is_dir():
        raise InputError(f"{archive_name}: {into} is there and is not a folder; move it away and run again")
    moved, kept = [], []
    for name in names:
        (moved if _put(content / name, into / name) else kept).append(name)
    return moved, kept


def unpack(archive, into, archive_name, top=None, where="download.root"):
    """Unpack ``archive`` so that its folder ``top`` (None: its top level) becomes ``into``, keeping whatever
    ``into`` holds already; return the names moved into ``into``.

    InputError (naming ``archive_name``) for a member that is not a plain file or folder inside, an archive
    that is truncated or damaged, is no archive or lacks ``top``, or a disk that fills up (``where``: the
    config key to point at a roomier disk); nothing is moved into place then, and the temporary folder is
    removed in every case. The archive itself is never changed.
    """
    archive, into = Path(archive), Path(into)
    into.parent.mkdir(parents=True, exist_ok=True)
    with locked(into.parent):
        for name in clear_stale(into.parent):
            log.info("%s: removed %s, left by an unpacking that was killed", archive_name, name)
        tmp = into.parent / f".{into.name}.{archive_name}.unpack-{socket.gethostname()}-{os.getpid()}"
        tmp.mkdir()
        try:
            log.info("%s: unpacking into %s", archive_name, into)
            try:
                written = _unpack_into(archive, tmp, archive_name, where)
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    raise InputError(
                        f"{archive_name}: the disk of {into} filled up while unpacking; free some space or point "
                        f"{where} at a disk with room, and run again (the verified archive is kept and reused)"
                    ) from None
                raise InputError(f"{archive_name}: could not unpack it into {tmp} ({exc})") from None
            content = tmp / top if top else tmp
            if not os.path.lexists(content):
                found = ", ".join(sorted(p.name for p in tmp.iterdir())[:5]) or "nothing"
                raise InputError(
                    f"{archive_name}: holds no folder {top}/ (its top level: {found}); is it the right file?"
                )
            try:
                moved, kept = place(content, into, archive_name)
            except OSError as exc:
                raise InputError(f"{archive_name}: could not move what it holds into {into} ({exc})") from None
            if kept:
                log.info("%s: kept what %s has already: %s", archive_name, into, ", ".join(kept))
            log.info("%s: %d bytes unpacked", archive_name, written)
            return moved
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
