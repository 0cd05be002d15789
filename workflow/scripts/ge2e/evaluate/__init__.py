"""Scoring embedded test sets: trials, both protocols, published trial lists, and the error rates.

- ``protocols``: the trials of a test set and both protocols: the seed-compatible average EER, the full-trial EER;
- ``trial_lists``: reading published trial lists (VoxCeleb and Kaldi forms);
- ``trial_scores``: a published list scored as listed, raw or AS-normalised;
- ``metrics``: EER, DET, minDCF and bootstrap intervals;
- ``calibration``: scores to calibrated LLRs, Cllr, actual DCF, thresholds chosen on validation and what they
  reach on test;
- ``speaker_eer``: the held-out speaker check of ``ge2e eer`` on folders of speakers (first half enrols).

May import: ge2e.features, ge2e.encoder, ge2e.corpus and the shared modules.
"""
