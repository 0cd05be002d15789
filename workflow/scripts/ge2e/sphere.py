"""NIST SPHERE (the format of TIMIT's ``.WAV`` files): header writing and parsing checks.

Reading samples is done by ``sphfile`` in ``ge2e.audio``; this module owns the header
layout so that the built-in corpus writes exactly what LDC's TIMIT ships.
"""

import numpy as np

HEADER_BYTES = 1024
MAGIC = b"NIST_1A"


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


def parse_header(head, data_bytes):
    """Check and parse a SPHERE header.

    Args:
        head: the file's first bytes (at least the declared header size when intact).
        data_bytes: total file size, to check sample_count against the data present.
    Returns:
        (fields dict, header size in bytes).
    Raises:
        ValueError with a user-facing reason when the header is truncated or corrupt,
        the data disagrees with sample_count, or the samples are compressed.
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
    fields = {}
    for line in head[:size].split(b"end_head")[0].splitlines()[2:]:
        parts = line.decode("latin-1").split(None, 2)
        if len(parts) == 3 and parts[1].startswith("-"):
            name, kind, value = parts
            try:
                fields[name] = int(value) if kind == "-i" else float(value) if kind == "-r" else value
            except ValueError:
                raise ValueError(f"corrupt SPHERE header field {line!r}") from None
    coding = str(fields.get("sample_coding", "pcm"))
    if any(name in coding for name in ("shorten", "wavpack", "shortpack")):
        raise ValueError(
            f"SPHERE samples are compressed ({coding}), which is unsupported; "
            "decompress first, e.g. `sph2pipe -f wav IN OUT.wav`"
        )
    if not coding.startswith("pcm"):
        raise ValueError(f"SPHERE sample_coding {coding!r} is unsupported; only 16-bit PCM is read")
    for key in ("sample_count", "sample_rate"):
        if not isinstance(fields.get(key), int):
            raise ValueError(f"corrupt SPHERE header: {key} missing or not an integer")
    width = fields.get("sample_n_bytes", 2) * fields.get("channel_count", 1)
    expected = fields["sample_count"] * width
    if data_bytes - size != expected:
        raise ValueError(
            f"SPHERE sample_count {fields['sample_count']} needs {expected} data bytes, "
            f"but the file holds {data_bytes - size}; the file is truncated or the header is wrong"
        )
    return fields, size
