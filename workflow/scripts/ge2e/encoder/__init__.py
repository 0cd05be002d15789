"""The speaker encoder: the network, loading its checkpoints, and embedding utterances with it.

- ``arch``: the encoder families (this project's, Resemblyzer's) and how each embeds an utterance, without torch;
- ``model``: ``SpeakerEncoder``, the stacked LSTM of either family;
- ``embedding``: checkpoints to encoders, d-vectors of utterances (sliding windows), the MFCC baseline's
  embedder.

May import: the shared modules at the top only.
"""
