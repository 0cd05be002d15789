"""Embedding utterances with a trained encoder: segments, and whole utterances by sliding windows."""

import pickle
import struct

import numpy as np
import torch

from ge2e.encoder.arch import WINDOWS, windows
from ge2e.encoder.model import SpeakerEncoder
from ge2e.errors import InputError

# What torch.load raises on a file that is not a checkpoint: truncated, another format, garbage
# (the weights-only unpickler meets garbage as IndexError or ValueError, the zip reader as RuntimeError).
_NOT_A_CHECKPOINT = (OSError, pickle.UnpicklingError, RuntimeError, EOFError, IndexError, ValueError, struct.error)


def load_checkpoint_file(path, device="cpu"):
    """``torch.load`` that never runs code from the file: tensors, numbers, strings, lists and dicts only.

    Checkpoints are shared and downloaded, and a pickle can call any function while it loads;
    ``weights_only`` refuses every type outside that plain set before calling anything. A file
    that needs more, or that is no checkpoint at all, is an InputError naming it.
    """
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except FileNotFoundError:
        raise InputError(f"{path}: no such checkpoint") from None
    except pickle.UnpicklingError as exc:
        if "Weights only load failed" in str(exc) and "Unsupported" in str(exc):
            raise InputError(
                f"{path}: refused, it is not a plain ge2e checkpoint (loading it would need "
                f"{_needed(exc)}, and checkpoints are loaded without running code from the file)"
            ) from None
        raise _not_a_checkpoint(path, exc) from None
    except _NOT_A_CHECKPOINT as exc:
        raise _not_a_checkpoint(path, exc) from None


def _not_a_checkpoint(path, exc):
    return InputError(
        f"{path}: not a ge2e checkpoint ({type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}); "
        "restore it or retrain (snakemake --forcerun train)"
    )


def _needed(exc):
    """What torch's weights-only unpickler stopped at, in a few words."""
    for line in str(exc).splitlines():
        if "Unsupported global" in line or "GLOBAL" in line:
            return line.strip().rstrip(".")[:160]
    return "objects other than tensors and plain values"


def load_encoder(path, device="cpu"):
    """Rebuild a SpeakerEncoder from a checkpoint written by ``ge2e.train.trainer``. Returns (model, checkpoint).

    A file that is not such a checkpoint (truncated, another format, another model, or one that
    would run code when loaded) is an InputError naming it, not a traceback.
    """
    ckpt = load_checkpoint_file(path, device)
    try:
        model = SpeakerEncoder(**ckpt["model_config"]).to(device)
        model.load_state_dict(ckpt["model"])
    except (RuntimeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _not_a_checkpoint(path, exc) from None
    model.eval()
    return model, ckpt


@torch.no_grad()
def embed_segments(model, segments, chunk=256):
    """Segments (B, T, F) numpy -> embeddings (B, D) numpy, unit norm."""
    device = next(model.parameters()).device
    out = [
        model(torch.as_tensor(segments[i : i + chunk], device=device)).cpu().numpy()
        for i in range(0, len(segments), chunk)
    ]
    return np.concatenate(out) if out else np.zeros((0, model.config["proj"]), np.float32)


def window_index(lengths, frames, hop, pad_coverage=None):
    """Sliding windows over every utterance (paper's d-vector inference).

    Args:
        lengths: (U,) frames per utterance.
        frames: window length T.
        hop: window step.
        pad_coverage: None: the last window of an utterance ends at its last frame, and a shorter utterance
            gives one window, wrapped to T. Else (Resemblyzer's partials) windows start every ``hop`` frames
            until one reaches past the end; that last one is kept, padded, where at least ``pad_coverage`` of
            it is the utterance's (or it is the only one).
    Returns:
        (owner (W,), starts (W,)): the utterance and start frame of each window.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    if pad_coverage is None:
        n_windows = np.maximum(1, (np.maximum(lengths - frames, 0) + hop - 1) // hop + 1)
    else:
        n_windows = (np.maximum(1, lengths - frames + hop + 1) + hop - 1) // hop
        short = (lengths - (n_windows - 1) * hop) < pad_coverage * frames
        n_windows = n_windows - (short & (n_windows > 1))
    owner = np.repeat(np.arange(len(lengths)), n_windows)
    first = np.concatenate([[0], np.cumsum(n_windows)[:-1]]).astype(np.int64)
    starts = (np.arange(len(owner)) - first[owner]) * hop
    if pad_coverage is None:  # the last window of each utterance ends at its last frame
        starts = np.minimum(starts, np.maximum(lengths[owner] - frames, 0))
    return owner, starts


# Windows read and embedded at a time by embed_utterances: 2,048 x 160 frames x 40 log-mels = 52 MB of
# float32; a multiple of embed_segments' chunk, so the encoder sees the same batches as in one call.
WINDOW_CHUNK = 2048
# A padded frame is silence: log-mel -inf, whose mel power (the resemblyzer encoder's input) is 0.
SILENCE = -np.inf


def embed_utterances(embed_fn, feature_set, frames, windows=WINDOWS["ge2e"]):
    """Whole-utterance embeddings: mean of sliding-window embeddings, renormalised.

    Windows are read and embedded WINDOW_CHUNK at a time, so memory does not grow with the set.

    Args:
        embed_fn: segments (W, T, F) -> (W, D), row by row (a window's embedding does not depend on
            which others share the call).
        feature_set: the utterances (U of them).
        frames: window length T.
        windows: how windows are placed (``ge2e.encoder.arch.Windows``): their overlap, and whether the
            last is padded with SILENCE frames.
    Returns:
        (U, D) unit-norm embeddings.
    """
    hop = max(1, int(round(frames * (1 - windows.overlap))))
    lengths = feature_set.lengths
    owner, starts = window_index(lengths, frames, hop, windows.pad_coverage)
    sums = None
    for i in range(0, max(len(owner), 1), WINDOW_CHUNK):  # one empty call for an empty set gives D
        part = slice(i, i + WINDOW_CHUNK)
        segments = feature_set.segments(owner[part], starts[part], frames)  # (W', T, F)
        if windows.pad_coverage is not None:  # frames past the end (read wrapped) are silence
            past = np.arange(frames)[None, :] >= (lengths[owner[part]] - starts[part])[:, None]  # (W', T)
            segments[past] = SILENCE
        embedded = embed_fn(segments)  # (W', D)
        if sums is None:
            sums = np.zeros((len(lengths), embedded.shape[1]))
        np.add.at(sums, owner[part], embedded)  # in window order, as one call would
    return (sums / np.linalg.norm(sums, axis=1, keepdims=True)).astype(np.float32)


def unit(x):
    """Rows of ``x`` (..., D) scaled to unit L2 norm."""
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def window_frames(train_frames):
    """The sliding-window length T of whole-utterance inference for an encoder trained on
    segments of ``train_frames`` (lo, hi) frames: their mean, so validation during training,
    ``ge2e embed`` and ``ge2e verify`` see the windows the encoder was trained on."""
    return int(round(np.mean(train_frames)))


class EncoderEmbedder:
    """A SpeakerEncoder; whole utterances by sliding windows of ``frames`` (or its arch's own length), placed as
    its arch places them (``ge2e.encoder.arch.WINDOWS``)."""

    def __init__(self, model, frames):
        self.windows = windows(model.config)
        self.model, self.frames = model, self.windows.frames or frames

    def segments(self, x):
        return embed_segments(self.model, x)

    def utterances(self, feature_set):
        return embed_utterances(self.segments, feature_set, self.frames, self.windows)


class MfccEmbedder:
    """No-training baseline: MFCCs standardised with statistics of the set being scored,
    then each utterance's mean and standard deviation per coefficient, compared by cosine.

    The standardisation is what makes it a fair baseline: raw MFCCs are dominated by c0 and
    the low coefficients, so cosine would mostly compare level and tilt. The statistics
    come from every frame of the evaluated utterances themselves (no labels), as a per-set
    cepstral mean and variance normalisation; :meth:`fit` must be called before scoring.
    """

    def __init__(self, n_mfcc=20):
        self.n_mfcc = n_mfcc
        self.mean = self.std = None

    def _mfcc(self, log_mel):  # (..., T, F) natural-log mels -> (..., T, n_mfcc)
        import librosa  # here, so that loading a checkpoint (ge2e embed/verify) does not pay for librosa

        # librosa's MFCC is a DCT of dB mels; natural log differs by a constant factor.
        db = np.swapaxes(log_mel, -1, -2) * (10.0 / np.log(10.0))
        return np.swapaxes(librosa.feature.mfcc(S=db, n_mfcc=self.n_mfcc), -1, -2)

    def fit(self, feature_set):
        """Take the per-coefficient statistics from every frame of ``feature_set``, read in blocks. Returns self."""
        mean, std = feature_set.frame_stats(transform=self._mfcc)  # the DCT acts frame by frame
        self.mean, self.std = mean, std + np.float32(1e-8)
        return self

    def _embed(self, log_mel):  # (..., T, F) -> (..., 2 * n_mfcc) unit norm
        if self.mean is None:
            raise RuntimeError("MfccEmbedder.fit() must be called before scoring")
        z = (self._mfcc(log_mel) - self.mean) / self.std
        return unit(np.concatenate([z.mean(axis=-2), z.std(axis=-2)], axis=-1))

    def segments(self, x):
        return self._embed(x)

    def utterances(self, feature_set):
        return np.stack([self._embed(u) for u in feature_set.iter_utterances()])
