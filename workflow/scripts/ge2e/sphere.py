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
