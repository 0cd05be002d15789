"""Training-set augmentation: copies of each utterance through noise, rooms, telephone lines,
time stretch and speed perturbation, for either task.

Each kind is a config switch (``augment.<task>``, see ``AugmentParams``); copies keep the
speaker, except speed-perturbed ones, which become new speakers (``<speaker>_sp<rate>``,
the common practice: speed moves pitch and formants together, so it changes the voice).
Every copy also gets a random gain, so the encoder never learns the recording level.

- ``noise_copies`` at an SNR drawn from ``snr_db``: for a ``babble`` share of them, the sum of
  3-5 other training speakers; of the rest, a ``noise_roots_share`` is a recording from the
  ``noise_roots`` folders (``ge2e.features.recordings``: e.g. MUSAN), the others coloured Gaussian noise
  (white, pink or brown);
- ``reverb_copies``: convolution with a room impulse response: for a ``rir_roots_share`` of
  them one from the ``rir_roots`` folders (e.g. RIRS_NOISES's rooms), else one simulated here
  (exponentially decaying noise, RT60 drawn from ``rt60_s``, the statistical room model);
- ``bandlimit_copies``: telephone band, 300-3400 Hz (4th-order Butterworth band-pass);
- ``stretch_rates``: one time-stretched copy per rate, same pitch (the seed's TD-SV recipe);
- ``speed_rates``: for each rate, the utterance resampled (pitch and tempo by the rate), as a
  new speaker whose utterances get every copy above too.

Each utterance's randomness is seeded from the run seed and its id alone, so a shard gives
the same copies whichever job or order produces it. Babble comes from other speakers of the
same shard, so a shard job needs no other shard; noise and impulse-response folders are read
by each shard job that draws from them. Without folders (or at a share of 0), no draw is
spent on them: the copies are those of runs made before the folders existed. Every kind is
computed in ``ge2e.portable``'s arithmetic (the stretch is librosa's phase vocoder, rewritten in
it), so a shard is the same bits on any x86-64 CPU.
"""

import dataclasses
import zlib

import numpy as np

from ge2e import portable
from ge2e.audio.noise import coloured_noise
from ge2e.features import frontend, recordings
from ge2e.features.store import FeatureSet

# scipy.signal is imported where it is used: the Snakefile reads AugmentParams from this module,
# and every Snakemake start (each cluster job too) would otherwise pay for importing it.

TELEPHONE_BAND_HZ = (300.0, 3400.0)
DRR_DB = (-3.0, 12.0)  # direct-to-reverberant energy ratio of the simulated rooms
BABBLE_TALKERS = (3, 5)  # other speakers summed into one babble track (inclusive range)
STRETCH_FFT, STRETCH_HOP = 2048, 512  # the phase vocoder's frames (librosa's time_stretch defaults)
# The settings of noise and impulse-response folders (ge2e.features.recordings), which the augment rule leaves out of
# its params where no folder is named (``rule_settings``).
FOLDER_KEYS = ("noise_roots", "noise_roots_share", "rir_roots", "rir_roots_share")


@dataclasses.dataclass(frozen=True)
class AugmentParams:
    """Copies per training utterance; zero (or an empty list) switches a kind off."""

    noise_copies: int
    snr_db: tuple  # (lo, hi) dB
    babble: float  # share of noise copies whose noise is babble of other training speakers
    reverb_copies: int
    rt60_s: tuple  # (lo, hi) seconds
    bandlimit_copies: int
    gain_db: tuple  # (lo, hi) dB, applied to every copy
    stretch_rates: tuple
    speed_rates: tuple
    # Folders of noise recordings and of room impulse responses (ge2e.features.recordings), and the share of the noisy
    # copies that are not babble, and of the reverb copies, that draw from them. Unlike the fields above these
    # have defaults, those of a run without folders: such a run's augment rule leaves them out of its params
    # (``rule_settings``), so its params, its rule script and so its shards are, to Snakemake, those of runs
    # made before the folders existed, and nothing is made again.
    noise_roots: tuple = ()
    noise_roots_share: float = 0.0
    rir_roots: tuple = ()
    rir_roots_share: float = 0.0

    @property
    def copies(self):
        """Utterances per original in a speaker's set (the original included)."""
        return 1 + self.noise_copies + self.reverb_copies + self.bandlimit_copies + len(self.stretch_rates)

    @property
    def enabled(self):
        return self.copies > 1 or bool(self.speed_rates)


def rule_settings(section):
    """The augment rule's params (AugmentParams' keyword arguments) of a config section ``augment.<task>``, a
    dict with the schema's defaults filled in: without the ``FOLDER_KEYS`` where it names no folder."""
    if section["noise_roots"] or section["rir_roots"]:
        return dict(section)
    return {key: value for key, value in section.items() if key not in FOLDER_KEYS}


def add_noise(samples, noise, snr_db):
    """Samples (S,) plus ``noise`` (S,) scaled to ``snr_db`` below their RMS."""
    rms = np.sqrt(np.mean(samples**2)) + 1e-12
    noise_rms = np.sqrt(np.mean(noise**2)) + 1e-12
    return (samples + noise * (rms / noise_rms) / portable.db_to_gain(snr_db)).astype(np.float32)


def babble(rng, others, length):
    """Sum of 3-5 utterances (each (S_i,), looped or cut to ``length``) at equal RMS. Returns (length,)."""
    count = min(len(others), int(rng.integers(BABBLE_TALKERS[0], BABBLE_TALKERS[1] + 1)))
    out = np.zeros(length)
    for i in rng.choice(len(others), count, replace=False):
        talker = np.resize(others[i], length)  # loops a short one
        out += np.roll(talker, int(rng.integers(length))) / (np.sqrt(np.mean(talker**2)) + 1e-12)
    return out


def room_impulse_response(rng, rt60, sample_rate):
    """A simulated room: direct path plus an exponentially decaying noise tail (60 dB down at ``rt60``).

    The tail starts 2-10 ms after the direct path (first reflections), and its energy is set by a
    direct-to-reverberant ratio drawn from DRR_DB, the range of rooms a microphone meets.
    Returns (rt60 * sample_rate,) with unit energy.
    """
    n = max(2, int(rt60 * sample_rate))
    delay = min(n - 1, int(rng.uniform(0.002, 0.01) * sample_rate))
    t = np.arange(n - 1 - delay) / sample_rate
    tail = portable.normal(rng, len(t)) * portable.exp(-6.9078 * t / rt60)  # ln(1000): amplitude -60 dB at rt60
    tail *= np.sqrt(portable.db_to_gain(-2 * rng.uniform(*DRR_DB)) / (np.sum(tail**2) + 1e-12))
    rir = np.concatenate([[1.0], np.zeros(delay), tail])
    return rir / np.sqrt(np.sum(rir**2))


def reverberate(samples, rir):
    """Samples (S,) convolved with ``rir``, cut to (S,) and brought back to their RMS."""
    wet = portable.convolve(samples, rir)[: len(samples)]
    return (wet * np.sqrt(np.mean(samples**2) / (np.mean(wet**2) + 1e-12))).astype(np.float32)


def telephone(samples, sample_rate):
    """Samples (S,) band-limited to the telephone band.

    scipy's sosfilt runs the filter (compiled multiply-adds, no run-time CPU dispatch); the
    coefficients are ``portable``'s, as scipy's design goes through libm.
    """
    import scipy.signal

    sos = portable.butter_bandpass(*TELEPHONE_BAND_HZ, sample_rate)
    return scipy.signal.sosfilt(sos, np.asarray(samples, dtype=np.float64)).astype(np.float32)


def speed(samples, rate, sample_rate):
    """Samples (S,) played ``rate`` times faster: pitch and formants up by ``rate``, duration / ``rate``."""
    # The samples read as if recorded at sample_rate * rate, then resampled back to sample_rate.
    orig = int(round(sample_rate * rate))
    return portable.resample(samples, orig, sample_rate).astype(np.float32)


def time_stretch(samples, rate):
    """Samples (S,) ``rate`` times faster at the same pitch: librosa.effects.time_stretch's phase vocoder.

    Its frames (2048-point Hann, hop 512) and magnitude interpolation, with the phase carried as
    a unit phasor multiplied by each frame's phase step (librosa adds angles: the same modulo
    2 pi, without its CPU-dependent angle, cos and sin). Returns (round(S / rate),) float32.
    """
    window = portable.hann(STRETCH_FFT)
    x = frontend.frames(np.asarray(samples, np.float64), STRETCH_FFT, STRETCH_HOP)
    re, im = portable.rfft(x * window, STRETCH_FFT)  # (F, K)
    silent = np.zeros((2, re.shape[1]))  # two silent frames after the last, as librosa
    re, im = np.concatenate([re, silent]), np.concatenate([im, silent])
    mag = np.sqrt(re * re + im * im)
    safe = np.where(mag > 0, mag, 1.0)
    unit_re, unit_im = np.where(mag > 0, re / safe, 1.0), np.where(mag > 0, im / safe, 0.0)  # angle 0 at 0
    steps = np.arange(0, len(re) - 2, rate, dtype=np.float64)
    out_re, out_im = np.zeros((len(steps), mag.shape[1])), np.zeros((len(steps), mag.shape[1]))
    acc_re, acc_im = unit_re[0], unit_im[0]
    for t, step in enumerate(steps):
        i, alpha = int(step), step - int(step)
        m = (1.0 - alpha) * mag[i] + alpha * mag[i + 1]
        out_re[t], out_im[t] = m * acc_re, m * acc_im
        # Phase step from frame i to i + 1: u[i + 1] * conj(u[i]); renormalised against drift.
        d_re = unit_re[i + 1] * unit_re[i] + unit_im[i + 1] * unit_im[i]
        d_im = unit_im[i + 1] * unit_re[i] - unit_re[i + 1] * unit_im[i]
        acc_re, acc_im = acc_re * d_re - acc_im * d_im, acc_re * d_im + acc_im * d_re
        norm = np.sqrt(acc_re * acc_re + acc_im * acc_im)
        acc_re, acc_im = acc_re / norm, acc_im / norm
    return _overlap_add(portable.irfft(out_re, out_im, STRETCH_FFT) * window, window, int(round(len(samples) / rate)))


def _overlap_add(frames, window, length):
    """librosa's istft after the inverse FFT: centred frames (T, n_fft) overlap-added at STRETCH_HOP,
    divided by the overlapped squared window where it is not ~0, cut or zero-padded to ``length``.
    Returns (length,) float32."""
    n_fft = frames.shape[1]
    count = min(len(frames), -(-(length + n_fft) // STRETCH_HOP))  # ceil((length + n_fft) / hop)
    out, weight = np.zeros(n_fft + STRETCH_HOP * (count - 1)), np.zeros(n_fft + STRETCH_HOP * (count - 1))
    for t in range(count):
        out[t * STRETCH_HOP : t * STRETCH_HOP + n_fft] += frames[t]
        weight[t * STRETCH_HOP : t * STRETCH_HOP + n_fft] += window * window
    out, weight = out[n_fft // 2 :], weight[n_fft // 2 :]
    out = np.where(weight > np.finfo(np.float32).tiny, out / np.where(weight > 0, weight, 1.0), out)
    return np.concatenate([out, np.zeros(max(0, length - len(out)))])[:length].astype(np.float32)


def _from_folders(rng, files, share):
    """Whether a copy draws from ``files`` (a ``ge2e.features.recordings.Recordings``, or None): one ``rng`` draw, and
    only where there are files and ``share`` > 0, so that otherwise the draws are those of a run without."""
    return files is not None and share > 0 and rng.random() < share


def variants(samples, params, rng, others, sample_rate, noise_files=None, rir_files=None):
    """(suffix, samples) for every augmented copy of one utterance (the original excluded).

    Copies are named by kind and number: ``noise<k>`` (coloured), ``babble<k>``, ``noisefile<k>``
    (a noise recording), ``reverb<k>`` (a room simulated here), ``reverbfile<k>`` (one from the folders), ...

    Args:
        samples: (S,) VAD-trimmed speech.
        others: list of (S_i,) speech of other speakers, for babble.
        noise_files, rir_files: ``ge2e.features.recordings.Recordings`` of ``params.noise_roots`` and
            ``params.rir_roots``, or None where there are none.
    """
    out = []
    for k in range(params.noise_copies):
        snr = float(rng.uniform(*params.snr_db))
        if others and rng.random() < params.babble:
            out.append((f"babble{k}", add_noise(samples, babble(rng, others, len(samples)), snr)))
        elif _from_folders(rng, noise_files, params.noise_roots_share):
            noise = recordings.segment(noise_files.draw(rng), rng, len(samples)).astype(np.float64)
            out.append((f"noisefile{k}", add_noise(samples, noise, snr)))
        else:
            noise = coloured_noise(rng, len(samples), float(rng.choice([0.0, 1.0, 2.0])))
            out.append((f"noise{k}", add_noise(samples, noise, snr)))
    for k in range(params.reverb_copies):
        if _from_folders(rng, rir_files, params.rir_roots_share):
            out.append((f"reverbfile{k}", reverberate(samples, rir_files.draw(rng))))
        else:
            rir = room_impulse_response(rng, float(rng.uniform(*params.rt60_s)), sample_rate)
            out.append((f"reverb{k}", reverberate(samples, rir)))
    for k in range(params.bandlimit_copies):
        out.append((f"phone{k}", telephone(samples, sample_rate)))
    for rate in params.stretch_rates:
        out.append((f"stretch{rate:g}", time_stretch(samples, float(rate))))
    gains = portable.db_to_gain(rng.uniform(*params.gain_db, size=len(out)))
    return [(suffix, (wave * gain).astype(np.float32)) for (suffix, wave), gain in zip(out, gains, strict=True)]


def _clean_speech(path, feature_params, policy):
    # Trim silence once, on the clean audio, so every copy holds the same speech.
    samples = frontend.read(path, feature_params, policy)
    return frontend.speech_only(samples, feature_params, path)


def _folders(params, policy):
    """The noise and impulse-response recordings (``ge2e.features.recordings.Recordings``) the copies draw from: each
    None where its folders are none or no copy draws from them."""
    # The task is not known here, and the start-up check (ge2e.plan.checks) has named the exact key of a missing or
    # empty folder; what a job can still meet (a folder whose every file is unreadable) names the folder.
    noise = rir = None
    if params.noise_roots and params.noise_copies and params.noise_roots_share > 0:
        noise = recordings.Recordings(params.noise_roots, "augment.<task>.noise_roots", policy, recordings.noise)
    if params.rir_roots and params.reverb_copies and params.rir_roots_share > 0:
        rir = recordings.Recordings(params.rir_roots, "augment.<task>.rir_roots", policy, recordings.impulse_response)
    return noise, rir


def augment_rows(rows, feature_params, params, seed, policy):
    """Originals plus augmented copies of manifest ``rows`` as a FeatureSet.

    Files are read under ``policy`` (``ge2e.audio.files.ReadPolicy``); unreadable or silent ones are
    skipped or fatal by its ``on_bad_file``, noise and impulse-response recordings too. Copies get
    utterance ids ``<id>+<suffix>``; speed-perturbed speakers are ``<speaker>_sp<rate>`` with
    utterances ``<id>+sp<rate>[+<suffix>]``.
    """
    noise_files, rir_files = _folders(params, policy)
    bad_files = policy.bad_files("augment")
    clean = []
    for r in rows:
        speech = bad_files.call(_clean_speech, r["path"], feature_params, policy)
        if speech is not None:
            clean.append((r, speech))
    bad_files.summary()
    rate_hz = feature_params.sample_rate
    feats, speakers, utterances = [], [], []
    others_of = {}  # speaker -> the shard's speech of every other speaker (babble sources), built once
    for r, speech in clean:
        rng = np.random.default_rng([seed, zlib.crc32(r["utterance"].encode())])
        if r["speaker"] not in others_of:
            others_of[r["speaker"]] = [s for o, s in clean if o["speaker"] != r["speaker"]]
        others = others_of[r["speaker"]]
        sources = [("", "", speech)] + [
            (f"_sp{v:g}", f"+sp{v:g}", speed(speech, v, rate_hz)) for v in params.speed_rates
        ]
        for speaker_suffix, utt_suffix, wave in sources:
            for suffix, copy in [("", wave), *variants(wave, params, rng, others, rate_hz, noise_files, rir_files)]:
                feats.append(frontend.log_mel(copy, feature_params))
                speakers.append(r["speaker"] + speaker_suffix)
                utterances.append(r["utterance"] + utt_suffix + (f"+{suffix}" if suffix else ""))
    for files in (noise_files, rir_files):
        if files is not None:
            files.summary()
    return FeatureSet.from_list(feats, speakers, utterances, feature_params.n_mels)
