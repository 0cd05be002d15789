"""What a download rule does: make sure one archive's contents (or one plain file) are where the config wants
them, fetching, verifying and unpacking only what is missing, and say what was done.

What is there already is never fetched, changed or removed: a LibriSpeech subset folder unpacked by
hand, a Speech Commands root that holds files, a trial list in its place, an archive put beside
them by hand. Otherwise the archive is downloaded beside its destination (``ge2e.fetch.download``:
resumed, retried, verified), unpacked into place (``ge2e.fetch.unpack``) and then deleted, since the
unpacked tree is what the pipeline reads and keeping both would double the disk it takes. Only an
archive the pipeline downloaded itself is deleted: a ``<archive>.fetched`` file beside it says so
from its download until it is gone, so a run killed while unpacking still knows it on the next
try. An archive that fails to unpack is kept for inspection. A plain file (a trial list) is
downloaded to its place.
"""

import logging
from pathlib import Path

from ge2e.fetch import download, unpack

FETCHED = ".fetched"  # beside an archive the pipeline downloads: it may delete that archive
log = logging.getLogger("ge2e")


def present(path):
    """True when ``path`` is a file, or a folder holding anything."""
    path = Path(path)
    return path.is_file() or (path.is_dir() and any(path.iterdir()))


def obtain(source, into, there, policy, where):
    """Fetch ``source`` (a dict of ``ge2e.fetch.archives.source``) into ``into`` unless ``there`` is present; return the
    marker's text, saying what was done.

    Args:
        source: name, url, digest, size, top (the folder inside the archive that becomes ``into``) and key.
        into: the folder the archive's contents (its ``top``) go to; for a plain file, the file's path.
        there: the path whose presence means nothing is to be done (a subset folder, a root, the file).
        policy: a ``ge2e.fetch.download.Policy``.
        where: the config key of the destination, named when the disk is too small.
    """
    name, into = source["name"], Path(into)
    if present(there):
        log.info("%s: %s is there already; nothing downloaded, nothing changed", name, there)
        return f"{name}: {there} was there already; nothing was downloaded or changed\n"
    fetch = {k: source[k] for k in ("url", "digest", "size", "key", "published")}
    if unpack.kind(name) is None:
        found = download.fetch(dest=into, name=name, policy=policy, where=where, **fetch)
        return f"{name}: downloaded from {source['url']} to {into} ({found})\n"
    archive = into.parent / name
    mine = archive.with_name(name + FETCHED)
    users = archive.is_file() and not mine.is_file()
    found = download.fetch(dest=archive, name=name, policy=policy, where=where, ours=not users, **fetch)
    if not users:
        mine.write_text("downloaded by the pipeline, which deletes it once it is unpacked\n")
    moved = unpack.unpack(archive, into, name, source["top"], where)
    if users:
        log.info("%s: unpacked into %s (%s); %s was there before, so it is kept", name, into, ", ".join(moved), archive)
        return f"{name}: {archive} ({found}), put there by hand, unpacked into {into}: {', '.join(moved)}\n"
    archive.unlink()
    mine.unlink()
    log.info("%s: unpacked into %s (%s); the archive is deleted", name, into, ", ".join(moved))
    return f"{name}: downloaded from {source['url']} ({found}) and unpacked into {into}: {', '.join(moved)}\n"
