"""VAD + log-mel features, and the sharded ``.npz`` files that carry them.

This is the one place feature parameters are interpreted. A shard holds many
utterances concatenated along time, so a split of thousands of utterances is a
handful of files:

- ``features``  (sum T, n_mels) float32, natural-log mel energies
- ``lengths``   (U,) int64 frames per utterance
- ``speakers``, ``utterances``  (U,) str

The arithmetic is ``ge2e.portable``'s, so features are the same bits on every x86-64 CPU:
librosa's (which this follows: centred frames, periodic Hann window, Slaney mel filters, the
VAD of ``librosa.effects.split``) goes through numpy's CPU-dispatched log and complex kernels
and through BLAS, and differs in the last bits between machines.
"""

import dataclasses
import functools

import numpy as np

from ge2e import audio, portable
from ge2e.atomic import atomic_path
from ge2e.errors import InputError

LOG_FLOOR = 1e-6  # added before log so silence does not give -inf
# Per-utterance normalisation of the log-mels, applied wherever features are made (shards,
# augmentation, ge2e embed/verify) and stored in checkpoints with the other parameters:
# - none: raw log-mels; the input then depends on the recording level;
# - level: subtract the utterance's mean log-mel (one number): a gain of g dB adds the same
#   constant to every log-mel, so this removes level exactly and keeps the spectral shape;
# - mean: subtract each mel channel's mean over the utterance (cepstral mean normalisation):
#   removes a fixed channel too, and with it part of the speaker's long-term spectrum.
NORMALISATIONS = ("none", "level", "mean")
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

    @property
    def win_length(self):
        return int(round(self.sample_rate * self.window_ms / 1000))

    @property
    def hop_length(self):
        return int(round(self.sample_rate * self.hop_ms / 1000))


def frames(samples, frame_length, hop_length):
    """Frames of ``samples`` (S,) centred on every ``hop_length``-th sample, zeros beyond the ends
    (librosa's ``center=True``, ``pad_mode='constant'``). Returns a (1 + S // hop_length, frame_length) view."""
    padded = np.pad(samples, frame_length // 2)
    count = 1 + (len(padded) - frame_length) // hop_length
    return np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::hop_length][:count]


def vad(samples, params):
    """Keep the non-silent parts of ``samples`` (S,), concatenated. Returns (S',).

    librosa.effects.split's rule: a frame is speech when its mean power is within ``top_db`` of
    the loudest frame's, compared as powers (librosa compares decibels, through a CPU-dependent
    log10). Relative to the loudest frame, digital silence would count as all speech: audio whose
    peak is below SILENCE_PEAK is treated as empty.
    """
    if samples.size == 0 or np.abs(samples).max() < SILENCE_PEAK:
        return samples[:0]
    x = frames(np.asarray(samples, dtype=np.float64), params.win_length, params.hop_length)
    power = np.maximum(np.mean(x * x, axis=1), VAD_FLOOR)
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

    The projection sums each filter's bins in a fixed order (a BLAS matmul picks its kernel, and so
    its summation order, by CPU).
    """
    x = frames(np.asarray(samples, dtype=np.float64), params.n_fft, params.hop_length)
    re, im = portable.rfft(x * _stft_window(params.win_length, params.n_fft), params.n_fft)
    power = re * re + im * im  # (T, n_fft // 2 + 1)
    weights = mel_filters(params.sample_rate, params.n_fft, params.n_mels)
    mel = np.empty((len(power), params.n_mels))
    for m, (lo, hi) in enumerate(_mel_supports(params.sample_rate, params.n_fft, params.n_mels)):
        mel[:, m] = np.sum(power[:, lo:hi] * weights[m, lo:hi], axis=1)
    return mel


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
    return normalise(portable.log(mel + floor), params.normalise).astype(np.float32)


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
    """VAD-trimmed samples (S',); an InputError naming ``source`` when nothing is left."""
    speech = vad(samples, params)
    if len(speech) < params.win_length:
        raise InputError(f"{source}: no speech left after VAD (top_db={params.top_db}); is the file silent?")
    return speech


def from_samples(samples, params, source):
    """VAD then log-mel; ``source`` names the file in errors. Returns (T, n_mels)."""
    return log_mel(speech_only(samples, params, source), params)


def read(path, params, policy):
    """Samples (S,) of ``path`` read under ``policy`` (``ge2e.audio.ReadPolicy``), at the features' rate."""
    if policy.sample_rate != params.sample_rate:
        raise ValueError(f"read policy at {policy.sample_rate} Hz for features at {params.sample_rate} Hz")
    return audio.read(path, policy)


def extract(path, params, policy):
    """VAD-trimmed log-mel features (T, n_mels) of ``path``, read under ``policy`` (``ge2e.audio.ReadPolicy``)."""
    return from_samples(read(path, params, policy), params, path)


@dataclasses.dataclass
class FeatureSet:
    """Utterance features held as one (sum T, F) array plus offsets."""

    features: np.ndarray
    lengths: np.ndarray
    speakers: np.ndarray
    utterances: np.ndarray

    @classmethod
    def from_list(cls, feats, speakers, utterances, n_mels=None):
        """Build from per-utterance arrays (T_i, F); ``n_mels`` shapes an empty set."""
        n_mels = feats[0].shape[1] if feats else n_mels or 0
        return cls(
            features=np.concatenate(feats) if feats else np.zeros((0, n_mels), np.float32),
            lengths=np.array([len(f) for f in feats], dtype=np.int64),
            speakers=np.array(speakers, dtype=str),
            utterances=np.array(utterances, dtype=str),
        )

    @property
    def offsets(self):
        """(U + 1,) start frame of each utterance, then the total."""
        return np.concatenate([[0], np.cumsum(self.lengths)])

    def __len__(self):
        return len(self.lengths)

    def utterance(self, i):
        """Features of utterance i: (T_i, F) view."""
        start = int(self.lengths[:i].sum())
        return self.features[start : start + int(self.lengths[i])]

    def split_utterances(self):
        """All utterances as a list of (T_i, F) views."""
        return np.split(self.features, np.cumsum(self.lengths)[:-1]) if len(self) else []

    def by_speaker(self):
        """Speaker -> indices of their utterances (in stored order); speakers sorted."""
        out = {}
        for i, spk in enumerate(self.speakers):
            out.setdefault(str(spk), []).append(i)
        return dict(sorted(out.items()))

    def save(self, path):
        """Atomically write as ``.npz``."""
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(
                    fh,
                    features=self.features,
                    lengths=self.lengths,
                    speakers=self.speakers,
                    utterances=self.utterances,
                )

    @classmethod
    def load(cls, paths):
        """Load and concatenate shards (one path or several)."""
        if isinstance(paths, (str, bytes)) or not hasattr(paths, "__iter__"):
            paths = [paths]
        parts = []
        for p in paths:
            with np.load(p) as z:
                parts.append(cls(z["features"], z["lengths"], z["speakers"], z["utterances"]))
        return cls(
            features=np.concatenate([p.features for p in parts]),
            lengths=np.concatenate([p.lengths for p in parts]),
            speakers=np.concatenate([p.speakers for p in parts]),
            utterances=np.concatenate([p.utterances for p in parts]),
        )


def extract_rows(rows, params, policy):
    """Features of manifest ``rows`` as a FeatureSet (in row order), read under ``policy``
    (``ge2e.audio.ReadPolicy``). Unreadable or silent files are skipped (and left out) or
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
