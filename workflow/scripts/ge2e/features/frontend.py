"""VAD + log-mel features: the one place feature parameters are interpreted.

An utterance's features are its VAD-trimmed samples' log-mels, (T, n_mels) float32 natural-log mel
energies, normalised per utterance; a manifest's rows become a ``ge2e.features.store.FeatureSet``.

The arithmetic is ``ge2e.portable``'s, so features are the same bits on every x86-64 CPU:
librosa's (which this follows: centred frames, periodic Hann window, Slaney mel filters, the
VAD of ``librosa.effects.split``) goes through numpy's CPU-dispatched log and complex kernels
and through BLAS, and differs in the last bits between machines.
"""

import dataclasses
import functools

import numpy as np

from ge2e import portable
from ge2e.audio import files as audio
from ge2e.errors import InputError
from ge2e.features import silence
from ge2e.features.store import FeatureSet

LOG_FLOOR = 1e-6  # added before log so silence does not give -inf
# Per-utterance normalisation of the log-mels, applied wherever features are made (shards,
# augmentation, ge2e embed/verify) and stored in checkpoints with the other parameters:
# - none: raw log-mels; the input then depends on the recording level;
# - level: subtract the utterance's mean log-mel (one number): a gain of g dB adds the same
#   constant to every log-mel, so this removes level exactly and keeps the spectral shape;
# - mean: subtract each mel channel's mean over the utterance (cepstral mean normalisation):
#   removes a fixed channel too, and with it part of the speaker's long-term spectrum.
NORMALISATIONS = ("none", "level", "mean")
# The arithmetic of the STFT, mel projection and log (config ``features.arithmetic``):
# - portable: ge2e.portable's operations (ge2e.features.kernels's kernel, series log): the same bits on every
#   x86-64 CPU (docs/reproducibility.md), and faster than librosa's front end (bench/features.py);
# - native: librosa's STFT, a BLAS matmul with librosa's mel filters and numpy's log, whose last bits
#   depend on the CPU's vector units; within 1e-5 of portable (tests/test_features.py). For matching
#   features computed elsewhere with librosa, not for speed.
# The VAD is portable in both: a last-bit difference at its threshold would move whole frames.
ARITHMETICS = ("portable", "native")
# What cuts the silence out of a recording before its features (config ``features.params.vad``):
# - top_db: frames quieter than the loudest frame by more than ``top_db`` are silence (librosa.effects.split's
#   rule), wherever they are;
# - webrtc: Resemblyzer's trimming (ge2e.features.silence): WebRTC's voice decision on 30 ms windows, smoothed,
#   and only long silences cut; what the imported Resemblyzer encoder was trained on.
VADS = ("top_db", "webrtc")
RELATIVE_FLOOR = 1e-8  # 80 dB below the utterance's mean mel power
SILENCE_PEAK = 1e-4  # -80 dBFS: quieter audio holds no speech
VAD_FLOOR = 1e-10  # frame power floor of the VAD (librosa's amin)


@dataclasses.dataclass(frozen=True)
class FeatureParams:
    """How audio becomes features (config ``features.params``, whose schema holds the defaults: the
    paper's 25 ms window, 10 ms hop, 40 log-mels)."""

    sample_rate: int
    n_mels: int
    window_ms: float
    hop_ms: float
    n_fft: int
    top_db: float  # VAD: frames quieter than peak - top_db are silence
    normalise: str  # per-utterance log-mel normalisation, one of NORMALISATIONS
    arithmetic: str = ARITHMETICS[0]  # one of ARITHMETICS; checkpoints from before the switch are portable
    vad: str = VADS[0]  # one of VADS; checkpoints from before the choice used top_db
    level_dbfs: float | None = None  # None, or the RMS level quieter audio is raised to before the VAD

    def __post_init__(self):
        if self.arithmetic not in ARITHMETICS:
            raise ValueError(f"feature arithmetic {self.arithmetic!r}; use one of {ARITHMETICS}")
        if self.vad not in VADS:
            raise ValueError(f"feature vad {self.vad!r}; use one of {VADS}")

    @property
    def win_length(self):
        return int(round(self.sample_rate * self.window_ms / 1000))

    @property
    def hop_length(self):
        return int(round(self.sample_rate * self.hop_ms / 1000))


def stored(params):
    """The settings of ``params`` (a dict of FeatureParams' fields) that checkpoints and rule parameters keep: the
    fields with a default (added after the first checkpoints were written) only where they differ from it, so
    the settings of a run that does not use them are what they were before they existed."""
    defaults = later_defaults()
    return {key: value for key, value in params.items() if key not in defaults or value != defaults[key]}


def later_defaults():
    """{field: default} of the FeatureParams fields a checkpoint may lack (it was written before they existed)."""
    return {f.name: f.default for f in dataclasses.fields(FeatureParams) if f.default is not dataclasses.MISSING}


def centred(samples, frame_length, hop_length):
    """``samples`` (S,) zero-padded by frame_length // 2 at both ends, and the number T of frames centred
    on every ``hop_length``-th sample (librosa's ``center=True``, ``pad_mode='constant'``).

    Returns (padded (S + 2 (frame_length // 2),), T).
    """
    padded = np.pad(samples, frame_length // 2)
    return padded, 1 + (len(padded) - frame_length) // hop_length


def frames(samples, frame_length, hop_length):
    """Frames of ``samples`` (S,) as ``centred`` places them. Returns a (1 + S // hop_length, frame_length) view."""
    padded, count = centred(samples, frame_length, hop_length)
    return np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::hop_length][:count]


def silent(samples):
    """True where ``samples`` (S,) hold no speech for either VAD: none, or a peak below SILENCE_PEAK."""
    return samples.size == 0 or np.abs(samples).max() < SILENCE_PEAK


def vad(samples, params):
    """Keep the non-silent parts of ``samples`` (S,), concatenated. Returns (S',).

    librosa.effects.split's rule: a frame is speech when its mean power is within ``top_db`` of
    the loudest frame's, compared as powers (librosa compares decibels, through a CPU-dependent
    log10). Relative to the loudest frame, digital silence would count as all speech: audio whose
    peak is below SILENCE_PEAK is treated as empty.
    """
    if silent(samples):
        return samples[:0]
    padded, count = centred(np.asarray(samples, dtype=np.float64), params.win_length, params.hop_length)
    from ge2e.features import kernels  # numba: imported where used, not by every snakemake start-up (common.smk)

    power = np.maximum(kernels.frame_power(padded, params.hop_length, count, params.win_length), VAD_FLOOR)
    speech = power > power.max() * float(portable.exp(-params.top_db / 10 * portable.LN10))
    # Runs of speech frames -> sample intervals [frame start * hop, frame end * hop), as librosa.
    edges = np.flatnonzero(np.diff(np.concatenate([[False], speech, [False]]).astype(np.int8)))
    bounds = np.minimum(edges * params.hop_length, len(samples)).reshape(-1, 2)
    if len(bounds) == 0:
        return samples[:0]
    return np.concatenate([samples[a:b] for a, b in bounds])


@functools.lru_cache(maxsize=8)
def _stft_window(win_length, n_fft):
    """Periodic Hann window of ``win_length`` centred in ``n_fft`` zeros (librosa's). Returns (n_fft,) read-only."""
    window = np.zeros(n_fft)
    start = (n_fft - win_length) // 2
    window[start : start + win_length] = portable.hann(win_length)
    window.flags.writeable = False
    return window


def _hz_to_mel(hz):
    """Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    log_step = float(portable.log(6.4)) / 27.0
    return np.where(hz >= 1000.0, 15.0 + portable.log(hz / 1000.0) / log_step, hz * 3 / 200)


def _mel_to_hz(mel):
    log_step = float(portable.log(6.4)) / 27.0
    return np.where(mel >= 15.0, 1000.0 * portable.exp(log_step * (mel - 15.0)), mel * 200 / 3)


@functools.lru_cache(maxsize=8)
def mel_filters(sample_rate, n_fft, n_mels):
    """Slaney-normalised triangular mel filters from 0 Hz to Nyquist, librosa.filters.mel's defaults.

    Returns (n_mels, n_fft // 2 + 1) float64, read-only.
    """
    fft_hz = np.arange(n_fft // 2 + 1) * (sample_rate / n_fft)
    edges = _mel_to_hz(np.linspace(0.0, float(_hz_to_mel(sample_rate / 2)), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    rising, falling = -ramps[:-2] / widths[:-1, None], ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    weights.flags.writeable = False
    return weights


def mel_power(samples, params):
    """Mel power spectrogram of ``samples`` (S,): |STFT|^2 through the mel filters. Returns (T, n_mels) float64.

    Frames as ``centred`` places them. Portable: ``ge2e.features.kernels``'s compiled kernel, ``portable.rfft``'s
    arithmetic with each filter's bins summed in a fixed order (a BLAS matmul picks its kernel, and
    so its summation order, by CPU). Native: librosa's STFT and filters and a BLAS matmul.
    """
    if params.arithmetic == "native":
        return _native_mel_power(samples, params)
    padded, count = centred(np.asarray(samples, dtype=np.float64), params.n_fft, params.hop_length)
    window = _stft_window(params.win_length, params.n_fft)
    weights = mel_filters(params.sample_rate, params.n_fft, params.n_mels)
    supports = _mel_supports(params.sample_rate, params.n_fft, params.n_mels)
    from ge2e.features import kernels  # numba: imported where used (see vad)

    return kernels.mel_power(padded, params.hop_length, count, window, weights, supports)


def _native_mel_power(samples, params):
    """``mel_power`` in librosa's and numpy's own arithmetic, float64 throughout. Returns (T, n_mels)."""
    import librosa

    stft = librosa.stft(
        np.asarray(samples, dtype=np.float64),
        n_fft=params.n_fft,
        hop_length=params.hop_length,
        win_length=params.win_length,
        window="hann",
        center=True,
        pad_mode="constant",
    )  # (n_fft // 2 + 1, T) complex128
    power = librosa.util.abs2(stft)  # |X|^2 as librosa's melspectrogram takes it
    return (_librosa_mel_filters(params.sample_rate, params.n_fft, params.n_mels) @ power).T


@functools.lru_cache(maxsize=8)
def _librosa_mel_filters(sample_rate, n_fft, n_mels):
    """librosa.filters.mel's (n_mels, n_fft // 2 + 1) float64, made once per setting (it is slow to make)."""
    import librosa

    weights = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, dtype=np.float64)
    weights.flags.writeable = False
    return weights


@functools.lru_cache(maxsize=8)
def _mel_supports(sample_rate, n_fft, n_mels):
    """(lo, hi) bin range where each mel filter is non-zero ((0, 0) for an empty one), found once per setting."""
    supports = []
    for row in mel_filters(sample_rate, n_fft, n_mels):
        (support,) = np.nonzero(row)
        supports.append((int(support[0]), int(support[-1]) + 1) if len(support) else (0, 0))
    return tuple(supports)


def log_mel(samples, params):
    """Log-mel energies of ``samples`` (S,). Returns (T, n_mels) float32."""
    mel = mel_power(samples, params)
    # The floor keeps silent bins finite. Normalised features take it relative to the utterance's
    # mean power (RELATIVE_FLOOR below it), so a gain changes floored bins by the same constant too.
    floor = LOG_FLOOR if params.normalise == "none" else RELATIVE_FLOOR * max(float(mel.mean()), 1e-30)
    log = np.log if params.arithmetic == "native" else portable.log
    return normalise(log(mel + floor), params.normalise).astype(np.float32)


def normalise(log_mels, how):
    """Per-utterance normalisation (see NORMALISATIONS) of log-mels (T, F). Returns (T, F)."""
    if how == "level":
        return log_mels - log_mels.mean()
    if how == "mean":
        return log_mels - log_mels.mean(axis=0, keepdims=True)
    if how == "none":
        return log_mels
    raise ValueError(f"feature normalisation {how!r}; use one of {NORMALISATIONS}")


def speech_only(samples, params, source):
    """Samples (S,) at ``params.level_dbfs`` (where set) and VAD-trimmed by ``params.vad``: (S',); an InputError
    naming ``source`` when nothing is left."""
    if params.level_dbfs is not None:
        samples = silence.raise_level(samples, params.level_dbfs)
    if params.vad == "webrtc":
        speech = samples[:0] if silent(samples) else silence.trim_long_silences(samples, params.sample_rate)
    else:
        speech = vad(samples, params)
    if len(speech) < params.win_length:
        rule = f"top_db={params.top_db}" if params.vad == "top_db" else f"vad={params.vad}"
        raise InputError(f"{source}: no speech left after VAD ({rule}); is the file silent?")
    return speech


def from_samples(samples, params, source):
    """VAD then log-mel; ``source`` names the file in errors. Returns (T, n_mels)."""
    return log_mel(speech_only(samples, params, source), params)


def read(path, params, policy):
    """Samples (S,) of ``path`` read under ``policy`` (``ge2e.audio.files.ReadPolicy``), at the features' rate."""
    if policy.sample_rate != params.sample_rate:
        raise ValueError(f"read policy at {policy.sample_rate} Hz for features at {params.sample_rate} Hz")
    return audio.read(path, policy)


def extract(path, params, policy):
    """VAD-trimmed log-mel features (T, n_mels) of ``path``, read under ``policy`` (``ge2e.audio.files.ReadPolicy``)."""
    return from_samples(read(path, params, policy), params, path)


def extract_rows(rows, params, policy):
    """Features of manifest ``rows`` as a FeatureSet (in row order), read under ``policy``
    (``ge2e.audio.files.ReadPolicy``). Unreadable or silent files are skipped (and left out) or
    fatal by its ``on_bad_file``.
    """
    bad_files = policy.bad_files("features")
    feats, kept = [], []
    for r in rows:
        f = bad_files.call(extract, r["path"], params, policy)
        if f is not None:
            feats.append(f)
            kept.append(r)
    bad_files.summary()
    speakers, utterances = [r["speaker"] for r in kept], [r["utterance"] for r in kept]
    return FeatureSet.from_list(feats, speakers, utterances, params.n_mels)
