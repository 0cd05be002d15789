"""One config seed, derived per stage and wildcard so every job is reproducible alone."""

import zlib


def derive(seed, *parts):
    """A 31-bit seed from ``seed`` and names (stable across Python runs, unlike hash())."""
    value = int(seed) & 0x7FFFFFFF
    for part in parts:
        value = zlib.crc32(str(part).encode(), value) & 0x7FFFFFFF
    return value
