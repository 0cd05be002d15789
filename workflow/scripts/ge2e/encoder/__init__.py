"""The speaker encoder: the network, loading its checkpoints, and embedding utterances with it.

- ``model``: ``SpeakerEncoder``, the LSTM with a projection;
- ``embedding``: checkpoints to encoders, d-vectors of utterances (sliding windows), the MFCC baseline's
  embedder.

May import: the shared modules at the top only.
"""
