"""Clean speed-perturbed copies (0.9, 1.1) of the TI-SV training speakers, as new speakers."""

import sys

import numpy as np
from pack import LO, STEP

from ge2e import augment, features, manifest
from ge2e.audio import ReadPolicy
from ge2e.features import FeatureSet

rows = [r for r in manifest.read("results/tisv/manifest.tsv") if r["split"] == "train"]
fp = features.FeatureParams(
    sample_rate=16000, n_mels=40, window_ms=25.0, hop_ms=10.0, n_fft=512, top_db=30.0, normalise="level"
)
p = augment.AugmentParams(
    noise_copies=0,
    snr_db=(5, 20),
    babble=0.0,
    reverb_copies=0,
    rt60_s=(0.2, 0.8),
    bandlimit_copies=0,
    gain_db=(-20.0, 0.0),
    stretch_rates=(),
    speed_rates=(0.9, 1.1),
)
policy = ReadPolicy(sample_rate=16000, resample=False, channel=None, on_bad_file="fail")
fs = augment.augment_rows(rows, fp, p, 99, policy)
keep = np.array(["_sp" in s for s in fs.speakers])
feats = [f for f, k in zip(fs.split_utterances(), keep, strict=False) if k]
sub = FeatureSet.from_list(feats, fs.speakers[keep], fs.utterances[keep])
q = np.clip(np.round((sub.features - LO) / STEP), 0, 255).astype(np.uint8)
np.savez_compressed(sys.argv[1], q=q, lengths=sub.lengths, speakers=sub.speakers, utterances=sub.utterances)
print(len(sub), len(set(sub.speakers)))
