"""Reading audio of any supported kind into float32 mono at the pipeline's rate.

SPHERE is recognised by its magic bytes, not its name (TIMIT copies differ in both
case and format); everything else goes through soundfile. Every failure becomes an
``InputError`` naming the file.
"""

import os

import numpy as np
import soundfile as sf
from sphfile import SPHFile

from ge2e import sphere
from ge2e.errors import InputError


def is_sphere(path):
    """True when ``path`` starts with the NIST SPHERE magic."""
    with open(path, "rb") as fh:
        return fh.read(len(sphere.MAGIC)) == sphere.MAGIC


def read_sphere(path):
    """Read a PCM SPHERE file. Returns ``(samples (S,) int16, sample_rate)``.

    The header is checked first (``ge2e.sphere.parse_header``): a truncated or corrupt
    header, a sample_count that disagrees with the data, or compressed samples is an
    InputError naming the file. Samples are then read with sphfile (``.content``; its
    ``write_wav`` is broken under numpy 2).
    """
    with open(path, "rb") as fh:
        head = fh.read(sphere.HEADER_BYTES * 4)
    try:
        fields, size = sphere.parse_header(head, os.path.getsize(path))
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    if fields.get("sample_n_bytes", 2) != 2 or fields.get("channel_count", 1) != 1:
        raise InputError(
            f"{path}: expected 16-bit mono SPHERE, got {fields.get('sample_n_bytes')} bytes "
            f"x {fields.get('channel_count')} channels"
        )
    if size != sphere.HEADER_BYTES:
        raise InputError(f"{path}: SPHERE header of {size} bytes; only the standard 1024 is supported")
    samples = np.asarray(SPHFile(str(path)).content, dtype=np.int16)
    return samples, int(fields["sample_rate"])


def read(path, sample_rate=16000):
    """Read ``path`` (SPHERE, wav, flac, ...) as float32 mono in [-1, 1]. Returns (S,).

    Files at another rate are an error here; resampling is a later, explicit choice.
    """
    try:
        if is_sphere(path):
            samples, rate = read_sphere(path)
            audio = samples.astype(np.float32) / 32768.0
        else:
            audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
            audio = audio.mean(axis=1)
    except InputError:
        raise
    except (OSError, RuntimeError, sf.LibsndfileError) as exc:
        raise InputError(f"{path}: unreadable audio ({exc})") from exc
    if rate != sample_rate:
        raise InputError(f"{path}: sample rate {rate} Hz, expected {sample_rate} Hz")
    if audio.size == 0:
        raise InputError(f"{path}: audio file holds no samples")
    return audio


def write_wav(path, audio, sample_rate=16000):
    """Write float audio (S,) in [-1, 1] as 16-bit PCM wav."""
    sf.write(str(path), np.asarray(audio), sample_rate, subtype="PCM_16")


def to_int16(audio):
    """Float (S,) in [-1, 1] -> int16 (S,), clipped."""
    return np.clip(np.round(np.asarray(audio) * 32767.0), -32768, 32767).astype(np.int16)
