"""Small FeatureSets with known contents, shared by the unit tests of the modules that read them."""

import numpy as np

from ge2e.features.store import FeatureSet


def feature_set(counts, lengths=50, n_mels=3):
    """``counts[s]`` utterances of speaker ``s<s>``, every value of utterance u of speaker s being s*100 + u,
    so a batch or window shows where each of its frames came from; ``lengths`` is one length or one per u."""
    feats, spk, utt = [], [], []
    for s, c in enumerate(counts):
        for u in range(c):
            length = lengths if np.isscalar(lengths) else lengths[u]
            feats.append(np.full((length, n_mels), s * 100 + u, np.float32))
            spk.append(f"s{s}")
            utt.append(f"s{s}_{u}")
    return FeatureSet.from_list(feats, spk, utt)


def random_set(rng, speakers=4, per_speaker=4, frames=60, n_mels=40, offset=3.0):
    """Utterances whose mean log-mel differs by speaker, plus a large shared offset and per-utterance noise."""
    feats, spk, utt = [], [], []
    for s in range(speakers):
        centre = rng.normal(0, 1, n_mels)
        for u in range(per_speaker):
            feats.append((offset + centre + rng.normal(0, 0.3, (frames, n_mels))).astype(np.float32))
            spk.append(f"s{s}")
            utt.append(f"s{s}_{u}")
    return FeatureSet.from_list(feats, spk, utt)
