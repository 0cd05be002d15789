"""NIST SPHERE (TIMIT's ``.WAV``, and the LDC telephone corpora): header writing and checking.

This module owns the header: the built-in corpus writes exactly what LDC's TIMIT ships, and
``parse_header`` checks a file's header more strictly than libsndfile does (which, for one,
silently reads a file shorter than its ``sample_count``) and says how its samples are laid
out. ``ge2e.audio.files`` then decodes them with libsndfile's raw reader.
"""

import dataclasses

import numpy as np

HEADER_BYTES = 1024
MAGIC = b"NIST_1A"
# Fields read as integers whatever their declared type: soundfile itself writes
# ``sample_n_bytes -s1 1``, and some corpora type the rate as ``-r``.
NUMERIC = ("channel_count", "sample_count", "sample_rate", "sample_n_bytes")
# LDC spells the same coding differently across corpora; pculaw is mu-law with each byte's
# bits in reverse order (libsndfile does not know it, so it is reversed back before decoding).
CODINGS = {"pcm": "PCM", "ulaw": "ULAW", "mu-law": "ULAW", "pculaw": "ULAW", "alaw": "ALAW"}
PCM_SUBTYPES = {1: "PCM_S8", 2: "PCM_16", 3: "PCM_24", 4: "PCM_32"}
COMPRESSIONS = ("shorten", "wavpack", "shortpack")


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where and how a checked SPHERE file holds its samples (soundfile RAW read arguments)."""

    fields: dict  # every header field, numeric ones as int
    header_bytes: int
    sample_rate: int
    frames: int  # samples per channel
    channels: int
    subtype: str  # PCM_S8 | PCM_16 | PCM_24 | PCM_32 | ULAW | ALAW
    endian: str  # LITTLE | BIG | FILE (one-byte samples)
    bit_reversed: bool  # pculaw


def header(fields):
    """Return the 1024-byte SPHERE header for ``fields`` (name -> int | str), in order.

    Integers are written as ``-i``, strings as ``-sN`` (N = byte length), as in TIMIT.
    """
    lines = ["NIST_1A", "   1024"]
    for name, value in fields.items():
        if isinstance(value, (int, np.integer)):
            lines.append(f"{name} -i {int(value)}")
        else:
            value = str(value)
            lines.append(f"{name} -s{len(value.encode('latin-1'))} {value}")
    lines.append("end_head")
    text = ("\n".join(lines) + "\n").encode("latin-1")
    if len(text) > HEADER_BYTES:
        raise ValueError(f"SPHERE header fields need {len(text)} > {HEADER_BYTES} bytes")
    # TIMIT pads the header with spaces after end_head.
    return text + b" " * (HEADER_BYTES - len(text))


def write_timit(path, samples, utterance_id, sample_rate=16000):
    """Write int16 ``samples`` (S,) as a TIMIT-style SPHERE file (little-endian PCM)."""
    samples = np.asarray(samples)
    if samples.dtype != np.int16 or samples.ndim != 1:
        raise ValueError("SPHERE writer expects a 1-D int16 array")
    fields = {
        "database_id": "TIMIT",
        "database_version": "1.0",
        "utterance_id": utterance_id,
        "channel_count": 1,
        "sample_count": len(samples),
        "sample_rate": sample_rate,
        "sample_min": int(samples.min(initial=0)),
        "sample_max": int(samples.max(initial=0)),
        "sample_n_bytes": 2,
        "sample_byte_format": "01",
        "sample_sig_bits": 16,
    }
    with open(path, "wb") as fh:
        fh.write(header(fields))
        fh.write(samples.astype("<i2").tobytes())


def _fields(head, size):
    """name -> int | float | str of the header's ``name -type value`` lines."""
    fields = {}
    for line in head[:size].split(b"end_head")[0].splitlines()[2:]:
        parts = line.decode("latin-1").split(None, 2)
        if len(parts) == 3 and parts[1].startswith("-"):
            name, kind, value = parts
            try:
                fields[name] = int(value) if kind == "-i" else float(value) if kind == "-r" else value
            except ValueError:
                raise ValueError(f"corrupt SPHERE header field {line!r}") from None
    for name in NUMERIC:
        value = fields.get(name)
        if isinstance(value, str) and value.strip().isdigit():
            fields[name] = int(value)
        elif isinstance(value, float) and value.is_integer():
            fields[name] = int(value)
        elif value is not None and not isinstance(value, int):
            raise ValueError(f"corrupt SPHERE header: {name} is {value!r}, not an integer")
    return fields


def _compression(fields):
    """The compression named by sample_coding or (shortpack) sample_byte_format, or None."""
    for key in ("sample_coding", "sample_byte_format"):
        value = str(fields.get(key, ""))
        for name in COMPRESSIONS:
            if name in value.lower():
                return name, f"{key} {value}"
    return None


def _endian(fields, width):
    """LITTLE or BIG from sample_byte_format ("01", "10", "0123", "3210", ...)."""
    order = str(fields.get("sample_byte_format", "")).strip()
    if width == 1:
        return "FILE"
    if not order:
        return "LITTLE"  # as libsndfile (and sphfile, which read it before) assume; TIMIT says 01
    if order.isdigit() and order == "".join(sorted(order)):
        return "LITTLE"
    if order.isdigit() and order == "".join(sorted(order, reverse=True)):
        return "BIG"
    raise ValueError(f"corrupt SPHERE header: sample_byte_format {order!r} is not a byte order")


def parse_header(head, data_bytes):
    """Check a SPHERE header and work out its sample layout.

    Args:
        head: the file's first bytes (at least the declared header size when intact).
        data_bytes: total file size, to check sample_count against the data present.
    Returns:
        a ``Layout``.
    Raises:
        ValueError with a user-facing reason when the header is truncated or corrupt,
        the data disagrees with sample_count, or the samples are compressed or in a
        coding that is not read.
    """
    lines = head.split(b"\n", 2)
    if len(lines) < 3 or lines[0].strip() != MAGIC:
        raise ValueError("not a NIST SPHERE header (no NIST_1A line)")
    try:
        size = int(lines[1].strip())
    except ValueError:
        raise ValueError("corrupt SPHERE header: second line is not the header size") from None
    if len(head) < size or b"end_head" not in head[:size]:
        raise ValueError(f"truncated or corrupt SPHERE header (no end_head within {size} bytes)")
    fields = _fields(head, size)
    # Compression first: a compressed file's size never matches sample_count, and
    # "truncated" would send the user after the wrong fix.
    compressed = _compression(fields)
    if compressed:
        raise ValueError(
            f"SPHERE samples are compressed ({compressed[0]}: {compressed[1]}), which is not read; "
            "decompress first, e.g. `sph2pipe -f wav IN OUT.wav`"
        )
    coding = str(fields.get("sample_coding", "pcm")).strip().lower()
    if coding not in CODINGS:
        raise ValueError(f"SPHERE sample_coding {coding!r} is not read; known: {', '.join(CODINGS)} (8-32 bit PCM)")
    for key in ("sample_count", "sample_rate"):
        if not isinstance(fields.get(key), int):
            raise ValueError(f"corrupt SPHERE header: {key} missing or not an integer")
    channels = fields.get("channel_count", 1)
    for key, value in (("sample_rate", fields["sample_rate"]), ("channel_count", channels)):
        if value < 1:
            raise ValueError(f"corrupt SPHERE header: {key} {value}")
    if str(fields.get("channels_interleaved", "TRUE")).strip().upper() == "FALSE":
        raise ValueError("SPHERE channels are not interleaved (channels_interleaved FALSE), which is not read")
    if CODINGS[coding] == "PCM":
        width = fields.get("sample_n_bytes", 2)
        if width not in PCM_SUBTYPES:
            raise ValueError(f"SPHERE PCM with sample_n_bytes {width} is not read; only 1 to 4 bytes")
        subtype = PCM_SUBTYPES[width]
    else:
        width = fields.get("sample_n_bytes", 1)
        if width != 1:
            raise ValueError(f"corrupt SPHERE header: {coding} samples are 1 byte, sample_n_bytes says {width}")
        subtype = CODINGS[coding]
    expected = fields["sample_count"] * width * channels
    if data_bytes - size != expected:
        raise ValueError(
            f"SPHERE sample_count {fields['sample_count']} needs {expected} data bytes, "
            f"but the file holds {data_bytes - size}; the file is truncated or the header is wrong"
        )
    return Layout(
        fields=fields,
        header_bytes=size,
        sample_rate=fields["sample_rate"],
        frames=fields["sample_count"],
        channels=channels,
        subtype=subtype,
        endian=_endian(fields, width),
        bit_reversed=coding == "pculaw",
    )
