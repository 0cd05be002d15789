"""Fetching one file over HTTP(S) so that a broken transfer costs only what was lost, and a wrong file is never used.

The file is written to ``<dest>.part`` and renamed to ``dest`` only once its digest matched. A
transfer that breaks (a reset connection, a stall longer than the timeout, a body shorter than its
Content-Length, a 5xx answer) is tried again after a back-off that doubles each time, asking the
server with an HTTP Range request for the bytes still missing; a server that ignores the range (200
instead of 206) or refuses it (416) gets the whole file again. Before any byte is written the free
space under the destination is checked against what is still to come (the server's
Content-Length, else the published size). A wrong digest is never retried: the partial file is
removed and the error names the file, both digests and the fix.

A transfer that delivers less than MIN_RATE bytes a second over ``timeout_s`` counts as stalled, as one
that delivers nothing does. A file already at ``dest`` before the download started is never removed:
if its digest is wrong it is refused, untouched, unless the caller says it put it there itself.

Errors a user can act on (no space, a URL that answers 404 or cannot be a URL, a network that stays
down, a wrong digest) raise ``ge2e.errors.InputError`` in one line; a rule script turns it into one
log line. Only what another try may mend (a broken or stalled transfer, a 5xx answer) is retried.
"""

import dataclasses
import errno
import http.client
import logging
import re
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from ge2e.errors import InputError
from ge2e.fetch.digests import of_file, parse

BLOCK = 1 << 20  # bytes read from the connection at a time
AGENT = "ge2e-pipeline corpus download"
RETRIED_STATUS = {408, 429}  # besides 5xx: answers that say "try again later"
PART = ".part"
PROGRESS_S = 10.0  # seconds between progress lines in the log
MIN_RATE = 1000  # bytes a second a transfer must keep up over download.timeout_s, or it counts as stalled
SCHEMES = ("http", "https")
log = logging.getLogger("ge2e")


@dataclasses.dataclass(frozen=True)
class Policy:
    """How hard to try (config keys ``download.retries``, ``retry_delay_s``, ``timeout_s``)."""

    retries: int  # tries after the first failed one (a wrong digest is never retried)
    retry_delay_s: float  # wait before the first retry; it doubles with each further one
    timeout_s: float  # a connection or read that stalls this long fails the try


class ChecksumError(InputError):
    """The downloaded file's digest is not the expected one (never retried)."""


class _Broken(Exception):
    """A try that failed in a way another try may not (the message says how)."""


def size_text(n):
    """Bytes for people: ``6.4 GB``, ``340.2 MB``, ``512 B``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def check_space(folder, needed, name, where):
    """InputError when ``folder`` (or the nearest existing folder above it) has less than ``needed`` bytes free.

    ``where``: what the user can point elsewhere (a config key), named in the message with the fix.
    """
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if needed is not None and needed > free:
        raise InputError(
            f"{name}: needs {size_text(needed)} of disk space under {folder}, which has {size_text(free)} free; free "
            f"some space or point {where} at a disk with room, then run again (a partial download is kept and resumed)"
        )


def check_url(url, name, key):
    """InputError (never retried) unless ``url`` is an http(s) URL with a host and, if given, a numeric port."""
    parts = urllib.parse.urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    plain = all(32 < ord(c) < 127 for c in url)
    if parts.scheme not in SCHEMES or not parts.hostname or not port_ok or not plain:
        raise InputError(
            f"{name}: {url!r} is not a URL it can download from (http:// or https://, a host, an optional numeric "
            f"port, no spaces); check config key {key}"
        )


def _length(headers):
    """The Content-Length header as an int, or None where it is missing or not plain ASCII digits."""
    value = (headers.get("Content-Length") or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


def _content_range(headers):
    """(first byte, total size or None) of a Content-Range header (``bytes 100-199/200``, ``bytes */200``)."""
    match = re.match(r"bytes (\d+|\*)(?:-\d+)?/(\d+|\*)", headers.get("Content-Range") or "")
    if not match:
        return None, None
    start, total = match.groups()
    return (None if start == "*" else int(start)), (None if total == "*" else int(total))


def _open(url, have, timeout):
    """The server's answer to a GET of ``url`` from byte ``have`` on (a Range request when ``have`` > 0)."""
    headers = {"User-Agent": AGENT}
    if have:
        headers["Range"] = f"bytes={have}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)


class _Transfer:
    """One file's transfer into its partial file, across however many tries it takes."""

    def __init__(self, url, part, name, size, policy, key, where):
        self.url, self.part, self.name, self.size = url, Path(part), name, size
        self.policy, self.key, self.where = policy, key, where

    def have(self):
        return self.part.stat().st_size if self.part.exists() else 0

    def start_over(self, why):
        log.warning("%s: %s; starting over from the first byte", self.name, why)
        self.part.unlink(missing_ok=True)

    def response(self):
        """The answer to one try's request, resuming where the partial file ends; None when it is whole already."""
        have = self.have()
        try:
            return _open(self.url, have, self.policy.timeout_s)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 416 and have:
                total = _content_range(exc.headers)[1]
                if total == have:  # the partial file is whole: a run died between its last byte and its rename
                    return None
                self.start_over(f"the server refused the range request for bytes {have}- (416)")
                return self.response()
            if exc.code >= 500 or exc.code in RETRIED_STATUS:
                raise _Broken(f"the server answered {exc.code} {exc.reason}") from None
            raise InputError(
                f"{self.name}: {self.url} answered {exc.code} {exc.reason}; check config key {self.key} (a mirror "
                "must have the original's layout)"
            ) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise _Broken(f"could not connect ({getattr(exc, 'reason', exc)})") from None

    def run(self):
        """One try: request the missing bytes and append them; _Broken when the transfer breaks."""
        resp = self.response()
        if resp is None:
            return
        with resp:
            have = self.have()
            if have and resp.status != 206:
                self.start_over(f"the server ignored the range request (answered {resp.status}, not 206)")
                have = 0
            elif have and _content_range(resp.headers)[0] != have:
                self.start_over(f"the server resumed at byte {_content_range(resp.headers)[0]}, not {have}")
                raise _Broken("the resumed transfer did not start where the partial file ends")
            remaining = _length(resp.headers)
            total = have + remaining if remaining is not None else self.size
            needed = remaining if remaining is not None else (total - have if total else None)
            check_space(self.part.parent, needed, self.name, self.where)
            log.info(
                "%s: downloading %s%s%s",
                self.name,
                self.url,
                f" ({size_text(total)})" if total else "",
                f", resuming at {size_text(have)}" if have else "",
            )
            written = self._copy(resp, have, total)
        if remaining is not None and written != remaining:
            raise _Broken(f"the connection closed after {size_text(have + written)} of {size_text(total)}")

    def _copy(self, resp, have, total):
        """Append the body of ``resp`` to the partial file, logging progress; the bytes written.

        ``read1`` returns what has arrived, so a server that trickles (a byte each half second, never silent
        for a whole timeout) is measured against MIN_RATE instead of holding the transfer for ever.
        """
        written, started, last = 0, time.monotonic(), time.monotonic()
        window, in_window = started, 0  # the current stretch of timeout_s and the bytes it brought
        try:
            with open(self.part, "ab" if have else "wb") as out:
                while block := resp.read1(BLOCK):
                    out.write(block)
                    written += len(block)
                    in_window += len(block)
                    now = time.monotonic()
                    if now - window >= self.policy.timeout_s:
                        if in_window < MIN_RATE * (now - window):
                            raise _Broken(
                                f"the transfer stalled: {in_window} bytes in {now - window:.0f} s, under the "
                                f"{MIN_RATE} bytes a second a download must keep"
                            )
                        window, in_window = now, 0
                    if now - last >= PROGRESS_S:
                        last = now
                        done = have + written
                        share = f" ({100 * done / total:.0f} %)" if total else ""
                        rate = written / max(now - started, 1e-9) / 1e6
                        log.info("%s: %s%s, %.1f MB/s", self.name, size_text(done), share, rate)
        except (http.client.HTTPException, OSError) as exc:
            if getattr(exc, "errno", None) == errno.ENOSPC:  # the disk filled up (with other files) meanwhile
                raise InputError(f"{self.name}: {self.where}'s disk filled up while downloading ({exc})") from None
            raise _Broken(f"the transfer broke after {size_text(have + written)} ({exc})") from None
        return written


def fetch(
    url,
    dest,
    name,
    digest,
    size=None,
    policy=None,
    key="download",
    where="download.root",
    *,
    published="the digest given",
    ours=False,
):
    """Download ``url`` to ``dest`` (resuming ``dest``.part), verify it, and return the digest it has (a str).

    Args:
        url: where the file is.
        dest: where it goes once verified; its folder is made.
        name: the file's name in messages (the key of download.checksums).
        digest: the expected ``<algorithm>:<hex>``; None downloads with a warning that nothing can be verified
            (its sha256 is then returned, for the record).
        size: its size in bytes where published (the free-space check falls back on it without a Content-Length).
        policy: a Policy (retries, back-off, timeout).
        key: the config key of the URL, named when the server says the file is not there.
        where: what to point at a disk with room (a config key), named when space runs short.
        published: where the expected digest comes from, named when it does not match.
        ours: True when a file already at ``dest`` was downloaded by the pipeline itself, and so may be
            replaced when its digest is wrong; a file the user put there is refused untouched instead.
    """
    check_url(url, name, key)
    dest, expected = Path(dest), parse(digest, name) if digest else None
    part = dest.with_name(dest.name + PART)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if expected is None:
        log.warning("%s: no digest of it is published, so this download cannot be verified", name)
    if dest.is_file():  # fetched and verified by a run that died before using it, or put there by hand
        found = of_file(dest, expected.algorithm if expected else "sha256")
        if expected is None or found == expected:
            log.info("%s: %s is there already (%s)", name, dest, found)
            return str(found)
        if not ours:
            raise ChecksumError(
                f"{name}: {dest} was there before this run and has {found}, not {expected} ({published}); it is left "
                "as it is: delete it to have the pipeline download the file, or put the published file there"
            )
        log.warning("%s: %s is there but has %s, not %s; downloading it again", name, dest, found, expected)
        dest.unlink()
    transfer = _Transfer(url, part, name, size, policy, key, where)
    for attempt in range(policy.retries + 1):
        try:
            transfer.run()
            break
        except _Broken as exc:
            if attempt == policy.retries:
                raise InputError(
                    f"{name}: could not download {url} in {policy.retries + 1} tries ({exc}); check the network or "
                    f"config key {key}, then run again to resume from the {size_text(transfer.have())} already there"
                ) from None
            delay = policy.retry_delay_s * 2**attempt
            log.warning("%s: %s; trying again in %g s (%d of %d)", name, exc, delay, attempt + 1, policy.retries)
            time.sleep(delay)
    found = of_file(part, expected.algorithm if expected else "sha256")
    if expected and found != expected:
        part.unlink()
        raise ChecksumError(
            f"{name}: checksum mismatch, expected {expected} ({published}) but the download from {url} has {found} "
            f"(removed, nothing unpacked): the file is damaged or is not the published one; check that config key "
            f"{key} names a mirror of the original, and compare a copy downloaded by hand with "
            f"`{expected.algorithm}sum` against the digest its publisher gives"
        )
    part.replace(dest)
    log.info("%s: %s %s", name, found, "verified" if expected else "(not verified: nothing to compare with)")
    return str(found)
