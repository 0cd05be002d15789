"""The encoder families (config ``model.arch``) and what each expects around the network, without torch (the run
planner reads these).

- ``ge2e``: this project's encoder, the paper's: stacked LSTM with projection (LSTMP), its last frame's output
  as the embedding; its input is log-mels standardised by the training set's statistics; an utterance is embedded
  by windows overlapping by half, the last ending at its last frame (an utterance shorter than one wraps).
- ``resemblyzer``: the public GE2E encoder of Resemblyzer (Real-Time-Voice-Cloning's): stacked LSTM without
  projection, then a linear layer and ReLU on the last frame's hidden state; its input is the mel power itself
  (the exponential of the features' log-mels, which must not be normalised); an utterance is embedded as
  Resemblyzer's ``embed_utterance`` does, whatever the segments it was fine-tuned on: a window of 160 frames
  every 77 (its 1.3 partials a second), the last padded with silence where at least 3/4 of it is audio, dropped
  otherwise (an utterance shorter than one window gives one, padded).
"""

import dataclasses

ARCHS = ("ge2e", "resemblyzer")
# Model settings a checkpoint written before they existed does not store: the value it was made with. A
# checkpoint stores them only where they differ from it, so the ge2e encoder's checkpoints are what they were.
MODEL_DEFAULTS = {"arch": ARCHS[0]}


@dataclasses.dataclass(frozen=True)
class Windows:
    """How an utterance is cut into windows for its embedding (``ge2e.encoder.embedding.window_index``).

    overlap: fraction of a window shared with the next; pad_coverage: None (the last window ends at the last
    frame), or the least fraction of audio a last window padded with silence must hold to be kept; frames: None
    (windows as long as the caller's: the training segments' mean length), or the family's own window length.
    """

    overlap: float
    pad_coverage: float | None
    frames: int | None = None


# Resemblyzer's windows are its partial utterances whatever an encoder was fine-tuned on: a one-second keyword is
# one window padded to 160 frames, as the public encoder learned to embed it (with 50-frame windows, keyword
# encoders fine-tuned from it lost to the MFCC baseline on held-out Speech Commands speakers: docs/results.md).
WINDOWS = {
    "ge2e": Windows(overlap=0.5, pad_coverage=None),
    "resemblyzer": Windows(overlap=0.52, pad_coverage=0.75, frames=160),
}


def stored(model_config):
    """``model_config`` without the settings at their MODEL_DEFAULTS value (what checkpoints keep)."""
    return {key: value for key, value in model_config.items() if MODEL_DEFAULTS.get(key, object()) != value}


def windows(model_config):
    """The Windows of an encoder of ``model_config`` (a checkpoint's, with or without ``arch``)."""
    return WINDOWS[model_config.get("arch", MODEL_DEFAULTS["arch"])]
