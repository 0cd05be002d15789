"""Small FeatureSets with known contents, shared by the unit tests of the modules that read them."""

import numpy as np

from ge2e.features import FeatureSet


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
