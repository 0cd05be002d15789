"""Digests of downloaded files: what one is expected to be, and what a file on disk has.

A digest is written ``<algorithm>:<hex>`` (``md5:2a93...``, ``sha256:af14...``), as the archive
catalogue (``ge2e.fetch.archives``) holds them; in config (``download.checksums``) the prefix may be left
out, since the length of the hex digits says which algorithm it is. Only md5 and sha256 occur:
openslr.org publishes md5 sums, the dataset modules of public libraries pin sha256.
"""

import dataclasses
import hashlib
import re
from pathlib import Path

from ge2e.errors import InputError

ALGORITHMS = {"md5": 32, "sha256": 64}  # algorithm -> hex digits of its digest
BLOCK = 1 << 20  # bytes read at a time when hashing a file
_FORM = re.compile(r"^(?:(md5|sha256):)?([0-9a-fA-F]+)$")


@dataclasses.dataclass(frozen=True)
class Digest:
    """An expected or found digest: ``algorithm`` (md5 or sha256) and lower-case ``hex``."""

    algorithm: str
    hex: str

    def __str__(self):
        return f"{self.algorithm}:{self.hex}"


def parse(text, where):
    """``md5:<hex>``, ``sha256:<hex>`` or bare hex (32 digits: md5, 64: sha256) -> Digest.

    ``where``: the config key or catalogue entry the text comes from, named in the InputError.
    """
    match = _FORM.match(str(text).strip())
    algorithm = match and (match.group(1) or next((a for a, n in ALGORITHMS.items() if n == len(match.group(2))), None))
    if not match or not algorithm or len(match.group(2)) != ALGORITHMS[algorithm]:
        raise InputError(
            f"{where}: {text!r} is no digest; write the md5 (32 hex digits) or sha256 (64), optionally as "
            "md5:<hex> or sha256:<hex>"
        )
    return Digest(algorithm, match.group(2).lower())


def of_file(path, algorithm):
    """The ``algorithm`` Digest of the file at ``path``, read back from disk (so it checks what was stored)."""
    hasher = hashlib.new(algorithm)
    with open(Path(path), "rb") as fh:
        while block := fh.read(BLOCK):
            hasher.update(block)
    return Digest(algorithm, hasher.hexdigest())
