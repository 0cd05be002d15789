"""TD-SV training-set augmentation: noisy and time-stretched copies of each utterance.

Snips workers say the keyword fewer than 10 times, too few for N x M batches with
M near the paper's 10, so each training utterance also yields ``noise_copies`` copies
with Gaussian noise at an SNR drawn from ``snr_db`` and one copy per time-stretch rate.
Each utterance's randomness is seeded from the run seed and its id alone, so a shard
gives the same copies whichever job or order produces it.
"""

import dataclasses
import zlib

import librosa
import numpy as np

from ge2e import audio, features
from ge2e.badfiles import BadFiles
from ge2e.corpus.builtin import coloured_noise


@dataclasses.dataclass(frozen=True)
class AugmentParams:
    noise_copies: int = 1
    snr_db: tuple = (10.0, 20.0)
    stretch_rates: tuple = (0.9, 1.1)


def add_noise(rng, samples, snr_db):
    """Samples (S,) plus white or coloured Gaussian noise at ``snr_db`` relative to their RMS."""
    rms = np.sqrt(np.mean(samples**2)) + 1e-12
    noise = coloured_noise(rng, len(samples), float(rng.choice([0.0, 1.0, 2.0])))
    return (samples + noise * rms / 10 ** (snr_db / 20)).astype(np.float32)


def variants(samples, params, rng):
    """(suffix, samples) for every augmented copy of one utterance (originals excluded)."""
    out = []
    for k in range(params.noise_copies):
        snr = float(rng.uniform(*params.snr_db))
        out.append((f"noise{k}", add_noise(rng, samples, snr)))
    for rate in params.stretch_rates:
        out.append((f"stretch{rate:g}", librosa.effects.time_stretch(samples, rate=float(rate))))
    return out


def _clean_speech(path, feature_params, resample):
    # Trim silence once, on the clean audio, so every copy holds the same speech.
    samples = audio.read(path, feature_params.sample_rate, resample)
    return features.speech_only(samples, feature_params, path)


def augment_rows(rows, feature_params, params, seed, bad_files=None, resample=False):
    """Originals plus augmented copies of manifest ``rows`` as a FeatureSet.

    Copies keep the speaker and get utterance ids ``<id>+<suffix>``. Unreadable or
    silent files go to ``bad_files`` (default: fail on the first).
    """
    bad_files = bad_files or BadFiles("fail", "augment")
    feats, speakers, utterances = [], [], []
    for r in rows:
        speech = bad_files.call(_clean_speech, r["path"], feature_params, resample)
        if speech is None:
            continue
        rng = np.random.default_rng([seed, zlib.crc32(r["utterance"].encode())])
        for suffix, wave in [("", speech), *variants(speech, params, rng)]:
            feats.append(features.log_mel(wave, feature_params))
            speakers.append(r["speaker"])
            utterances.append(r["utterance"] + (f"+{suffix}" if suffix else ""))
    bad_files.summary()
    return features.FeatureSet.from_list(feats, speakers, utterances, feature_params.n_mels)
