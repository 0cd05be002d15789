"""Scoring embedded test sets: trials, both protocols, published trial lists, and the error rates.

- ``protocols``: the seed-compatible average EER and the full-trial EER of a test set;
- ``trial_lists``: reading published trial lists (VoxCeleb and Kaldi forms);
- ``metrics``: EER, DET, minDCF and bootstrap intervals;
- ``speaker_eer``: the held-out speaker check of ``ge2e eer`` on folders of speakers (first half enrols).

May import: ge2e.features, ge2e.encoder, ge2e.corpus and the shared modules.
"""
