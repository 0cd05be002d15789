"""Audio files of known content in each format the readers meet, written with soundfile."""

import dataclasses

import numpy as np
import soundfile as sf

from ge2e.audio.files import ReadPolicy

RATE = 8000  # telephone rate, as LDC ships SPHERE: below the pipeline's 16 kHz
# The strictest read: 16 kHz only, multi-channel and bad files refused. Tests change what they test.
STRICT = ReadPolicy(sample_rate=16000, resample=False, channel=None, on_bad_file="fail")


def read_policy(**changes):
    """``STRICT`` with ``changes`` (ge2e.audio.files.ReadPolicy fields)."""
    return dataclasses.replace(STRICT, **changes)


def tone(frames=800, channels=1):
    """(S, C) float32: a different sine per channel, so channels are told apart."""
    t = np.arange(frames) / RATE
    return np.stack([0.5 * np.sin(2 * np.pi * 200 * (c + 1) * t) for c in range(channels)], 1).astype(np.float32)


def write_sphere(path, subtype="ULAW", channels=1, frames=800, **kwargs):
    """A SPHERE file of ``tone(frames, channels)`` at RATE, coded as libsndfile's ``subtype``."""
    data = tone(frames, channels)
    sf.write(path, data, RATE, format="NIST", subtype=subtype, **kwargs)
    return path


def write_stereo(path, kind):
    """A 2-channel 16 kHz file of ``kind`` (wav, flac, sphere) and its (S, 2) samples."""
    data = np.stack([np.full(1600, 0.25, np.float32), np.full(1600, -0.5, np.float32)], 1)
    fmt = {"wav": "WAV", "flac": "FLAC", "sphere": "NIST"}[kind]
    sf.write(path, data, 16000, format=fmt, subtype="PCM_16")
    return path


def write_m4a(path, samples, rate=16000):
    """An AAC-in-MP4 file (as VoxCeleb2 ships) of ``samples`` (S,) or (S, C) float, encoded with PyAV."""
    import av

    data = np.asarray(samples, np.float32).reshape(len(samples), -1)
    layout = {1: "mono", 2: "stereo"}[data.shape[1]]
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data.T), format="fltp", layout=layout)
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path
