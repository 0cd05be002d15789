"""Audio files, which every stage that reads or writes sound shares.

- ``files``: any audio file by its content (SPHERE, wav, flac, mp4/m4a), its channels and rate, the
  run's read policy (``ReadPolicy``); writing wav;
- ``sphere``: SPHERE headers (TIMIT);
- ``badfiles``: the bad-file policy (skip and count, or fail);
- ``noise``: coloured noise, for the built-in corpus and augmentation.

May import: the shared modules at the top only.
"""
