"""Unpacking a verified archive (tar.gz or zip) into its place, whole or not at all, and never outside it.

The archive is unpacked into a temporary folder beside its destination (same file system, so the
final moves are renames) and moved into place only once every member is out. A member whose path
is absolute or climbs out with ``..``, or a link (symbolic or hard) that points outside, stops the
unpacking before anything reaches the destination, with one error naming the archive and the
member: an archive is data, and data must not write where it pleases.

The destination is merged into, never overwritten: what is already there (a LibriSpeech subset
unpacked earlier, its ``SPEAKERS.TXT``) is kept, and the archive's copy of it dropped.
"""

import errno
import glob
import logging
import os
import posixpath
import re
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path

from ge2e.errors import InputError
from ge2e.fetch.download import check_space

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")
ZIP_SUFFIXES = (".zip",)
# Python's own "data" filter (3.11.4 on) refuses the same and more (special files, unsafe permissions).
_DATA_FILTER = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
_FILTER_ERRORS = (tarfile.FilterError,) if hasattr(tarfile, "FilterError") else ()
log = logging.getLogger("ge2e")


def kind(name):
    """``tar``, ``zip``, or None (a plain file, e.g. a trial list), from a file name."""
    if name.endswith(TAR_SUFFIXES):
        return "tar"
    return "zip" if name.endswith(ZIP_SUFFIXES) else None


def _climbs_out(path):
    """True when ``path`` (relative to the folder being unpacked into) is absolute or leads out of it."""
    path = path.replace("\\", "/")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        return True
    normal = posixpath.normpath(path)
    return normal == ".." or normal.startswith("../")


def problem(name, link=None, hard=False):
    """Why member ``name`` must not be unpacked, or None. ``link``: where a symbolic link points (relative to the
    member's folder) or, with ``hard``, which member a hard link names (relative to the archive's top)."""
    if _climbs_out(name):
        return "would land outside the folder it unpacks into"
    if link is not None:
        target = link if hard else posixpath.join(posixpath.dirname(name.replace("\\", "/")), link)
        if link.startswith("/") or _climbs_out(target):
            return f"links to {link!r}, outside the folder it unpacks into"
    return None


def _refuse(archive_name, member, why):
    return InputError(
        f"{archive_name}: member {member!r} {why}; refusing to unpack {archive_name} (nothing was unpacked): is it "
        "the archive it should be?"
    )


def _untar(archive, into, archive_name, where):
    """Every member of a tar archive into ``into``, in one pass over it (a stream: the archive may be many GB; its
    unpacked size is not known before the end, so the disk is watched by the caller, not checked first)."""
    with tarfile.open(archive, "r|*") as tar:
        for member in tar:
            link = member.linkname if (member.issym() or member.islnk()) else None
            why = problem(member.name, link, member.islnk())
            if why is None and not (member.isfile() or member.isdir() or link is not None):
                why = "is a device or pipe, not a file"
            if why:
                raise _refuse(archive_name, member.name, why)
            try:
                tar.extract(member, into, set_attrs=False, **_DATA_FILTER)
            except _FILTER_ERRORS as exc:
                raise _refuse(archive_name, member.name, f"is refused by tarfile ({exc})") from None


def _unzip(archive, into, archive_name, where):
    """Every member of a zip archive into ``into``, after checking them all (its directory lists them cheaply)."""
    with zipfile.ZipFile(archive) as zf:
        members = zf.infolist()
        for info in members:
            is_link = stat.S_ISLNK(info.external_attr >> 16)
            link = zf.read(info).decode("utf-8", "replace") if is_link else None
            why = problem(info.filename, link)
            if why:
                raise _refuse(archive_name, info.filename, why)
        check_space(into, sum(info.file_size for info in members), archive_name, where)
        for info in members:
            zf.extract(info, into)


def _merge(content, into):
    """Move each entry of ``content`` into ``into`` unless ``into`` has it already; the names moved and kept."""
    moved, kept = [], []
    for entry in sorted(content.iterdir()):
        target = into / entry.name
        if target.exists() or target.is_symlink():
            kept.append(entry.name)
        else:
            os.replace(entry, target)
            moved.append(entry.name)
    return moved, kept


def unpack(archive, into, archive_name, top=None, where="download.root"):
    """Unpack ``archive`` so that its folder ``top`` (None: its top level) becomes ``into``, keeping whatever
    ``into`` holds already; return the names moved into ``into``.

    InputError (naming ``archive_name``) for a member that would land outside, an archive that is no archive
    or lacks ``top``, or a disk that fills up (``where``: the config key to point at a roomier disk); the
    temporary folder is removed in every case.
    """
    archive, into = Path(archive), Path(into)
    into.parent.mkdir(parents=True, exist_ok=True)
    stem = f".{into.name}.{archive_name}.unpack"
    for stale in into.parent.glob(f"{glob.escape(stem)}-*"):  # a killed earlier try's; never another archive's
        shutil.rmtree(stale, ignore_errors=True)
    tmp = into.parent / f"{stem}-{os.getpid()}"
    tmp.mkdir()
    try:
        log.info("%s: unpacking into %s", archive_name, into)
        try:
            {"tar": _untar, "zip": _unzip}[kind(archive_name)](archive, tmp, archive_name, where)
        except (tarfile.ReadError, tarfile.CompressionError, zipfile.BadZipFile, EOFError) as exc:
            raise InputError(f"{archive_name}: {archive} is not a readable archive ({exc})") from None
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise InputError(
                    f"{archive_name}: the disk of {into} filled up while unpacking; free some space or point {where} "
                    "at a disk with room, and run again (the verified archive is kept and reused)"
                ) from None
            raise
        content = tmp / top if top else tmp
        if not content.is_dir():
            found = ", ".join(sorted(p.name for p in tmp.iterdir())[:5]) or "nothing"
            raise InputError(f"{archive_name}: holds no folder {top}/ (its top level: {found}); is it the right file?")
        if not into.exists():
            try:
                os.replace(content, into)  # the usual case: one rename puts all of it in place
                return sorted(p.name for p in into.iterdir())
            except OSError:
                pass  # another job made ``into`` meanwhile: merge
        moved, kept = _merge(content, into)
        if kept:
            log.info("%s: kept what %s has already: %s", archive_name, into, ", ".join(kept))
        return moved
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
