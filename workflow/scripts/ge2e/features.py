"""VAD + log-mel features, and the sharded ``.npz`` files that carry them.

This is the one place feature parameters are interpreted. A shard holds many
utterances concatenated along time, so a split of thousands of utterances is a
handful of files:

- ``features``  (sum T, n_mels) float32, natural-log mel energies
- ``lengths``   (U,) int64 frames per utterance
- ``speakers``, ``utterances``  (U,) str
"""

import dataclasses

import librosa
import numpy as np

from ge2e import audio
from ge2e.atomic import atomic_path
from ge2e.badfiles import BadFiles
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


@dataclasses.dataclass(frozen=True)
class FeatureParams:
    """How audio becomes features (paper: 25 ms window, 10 ms hop, 40 log-mels)."""

    sample_rate: int = 16000
    n_mels: int = 40
    window_ms: float = 25.0
    hop_ms: float = 10.0
    n_fft: int = 512
    top_db: float = 30.0  # VAD: frames quieter than peak - top_db are silence
    normalise: str = "level"  # per-utterance log-mel normalisation, one of NORMALISATIONS

    @property
    def win_length(self):
        return int(round(self.sample_rate * self.window_ms / 1000))

    @property
    def hop_length(self):
        return int(round(self.sample_rate * self.hop_ms / 1000))


def vad(samples, params):
    """Keep the non-silent parts of ``samples`` (S,), concatenated. Returns (S',).

    librosa's split is relative to the loudest frame, so digital silence would count
    as all speech; audio whose peak is below SILENCE_PEAK is treated as empty.
    """
    if samples.size == 0 or np.abs(samples).max() < SILENCE_PEAK:
        return samples[:0]
    intervals = librosa.effects.split(
        samples, top_db=params.top_db, frame_length=params.win_length, hop_length=params.hop_length
    )
    if len(intervals) == 0:
        return samples[:0]
    return np.concatenate([samples[a:b] for a, b in intervals])


def log_mel(samples, params):
    """Log-mel energies of ``samples`` (S,). Returns (T, n_mels) float32."""
    mel = librosa.feature.melspectrogram(
        y=samples,
        sr=params.sample_rate,
        n_fft=params.n_fft,
        win_length=params.win_length,
        hop_length=params.hop_length,
        n_mels=params.n_mels,
        power=2.0,
    )
    # The floor keeps silent bins finite. Normalised features take it relative to the utterance's
    # mean power (RELATIVE_FLOOR below it), so a gain changes floored bins by the same constant too.
    floor = LOG_FLOOR if params.normalise == "none" else RELATIVE_FLOOR * max(float(mel.mean()), 1e-30)
    return normalise(np.log(mel + floor).T, params.normalise).astype(np.float32)


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


def extract(path, params, resample=False, channel=None):
    """Read ``path`` and return its VAD-trimmed log-mel features (T, n_mels); ``channel``: see ``audio.read``."""
    return from_samples(audio.read(path, params.sample_rate, resample, channel), params, path)


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


def extract_rows(rows, params, bad_files=None, resample=False, channel=None):
    """Features of manifest ``rows`` as a FeatureSet (in row order).

    ``channel`` reduces multi-channel files (``ge2e.audio.pick_channel``). Unreadable or
    silent files go to ``bad_files`` (``ge2e.badfiles.BadFiles``; default: fail on the
    first) and are left out.
    """
    bad_files = bad_files or BadFiles("fail", "features")
    feats, kept = [], []
    for r in rows:
        f = bad_files.call(extract, r["path"], params, resample, channel)
        if f is not None:
            feats.append(f)
            kept.append(r)
    bad_files.summary()
    speakers, utterances = [r["speaker"] for r in kept], [r["utterance"] for r in kept]
    return FeatureSet.from_list(feats, speakers, utterances, params.n_mels)
