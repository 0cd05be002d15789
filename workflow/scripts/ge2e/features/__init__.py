"""Log-mel features: computing them, storing them in shards, drawing batches from them, augmenting them.

- ``frontend``: VAD and log-mels, the one place feature parameters are interpreted;
- ``kernels``: the front end's compiled kernels (numba, no fastmath);
- ``silence``: Resemblyzer's level raising and long-silence trimming (WebRTC's voice decision);
- ``store``: the feature sets: in memory, or ``.npz`` shards read in place (``npz``: a shard's zip member mapped);
- ``batches``: N speakers x M utterances batches of fixed-length segments, seeded: what training and the
  seed-compatible protocol draw;
- ``augment``, ``recordings``: the augmented training set; folders of noise and impulse responses.

May import: ge2e.audio and the shared modules.
"""
