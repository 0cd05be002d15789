"""Resemblyzer's front end before the mel spectrogram: the level raised to a target, long silences cut.

The public GE2E encoder of Resemblyzer (``resemblyzer.audio.preprocess_wav``) was trained on audio prepared this
way, so an imported encoder embeds like the original only on audio prepared the same way (config
``features.params.level_dbfs`` and ``features.params.vad: webrtc``):

- the level: samples scaled so their RMS (over the whole file, silences included) is ``level_dbfs`` dBFS, never
  lowered (a louder file is kept as it is);
- long silences: WebRTC's voice decision on every 30 ms window (mode 3, the most aggressive, on 16-bit PCM), a
  moving average over 8 windows rounded to a yes/no, each voiced window widened by 3 windows on both sides;
  the samples of unvoiced windows are cut, and the last incomplete window dropped. Pauses within a phrase stay,
  long silences go.

The voice decision is the ``webrtcvad`` module (the ``webrtcvad-wheels`` package: WebRTC's own fixed-point C
code, the library Resemblyzer calls, so its decisions are the same integers on every CPU); the rest is here.
"""

import numpy as np

WINDOW_MS = 30  # WebRTC accepts 10, 20 or 30 ms windows
MODE = 3  # 0 (least) to 3 (most aggressive in calling audio non-speech)
AVERAGE_WINDOWS = 8  # the voice decisions' moving average
KEEP_WINDOWS = 3  # windows kept on both sides of a voiced one (Resemblyzer: a dilation 7 windows wide)
INT16_MAX = 2**15 - 1


def raise_level(samples, dbfs):
    """``samples`` (S,) scaled so their RMS is ``dbfs`` dBFS where it is lower, else unchanged. Returns (S,)."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    if rms == 0.0:
        return samples  # digital silence has no level to raise
    change_db = dbfs - 20.0 * np.log10(rms)
    return samples * (10.0 ** (change_db / 20.0)) if change_db > 0 else samples


def voice_flags(samples, sample_rate):
    """WebRTC's speech/non-speech decision for every whole 30 ms window of ``samples`` (S,) in [-1, 1].
    Returns (S // window,) bool."""
    import webrtcvad  # here: only the webrtc front end needs it

    width = window_samples(sample_rate)
    count = len(samples) // width
    pcm = np.round(np.asarray(samples[: count * width], dtype=np.float64) * INT16_MAX).astype("<i2").tobytes()
    vad = webrtcvad.Vad(MODE)
    step = 2 * width  # bytes per window
    return np.array([vad.is_speech(pcm[i * step : (i + 1) * step], sample_rate) for i in range(count)], dtype=bool)


def window_samples(sample_rate):
    return WINDOW_MS * sample_rate // 1000


def keep_mask(flags):
    """Which windows to keep, from their voice ``flags`` (W,) bool: the moving average over AVERAGE_WINDOWS
    (zero-padded: (AVERAGE_WINDOWS - 1) // 2 windows before, AVERAGE_WINDOWS // 2 after) rounded half to even,
    then every kept window widened by KEEP_WINDOWS on both sides. Returns (W,) bool."""
    width = AVERAGE_WINDOWS
    padded = np.concatenate([np.zeros((width - 1) // 2), flags.astype(np.float64), np.zeros(width // 2)])
    sums = np.convolve(padded, np.ones(width), mode="valid")  # (W,)
    voiced = np.round(sums / width).astype(bool)  # exactly k / 8: 0.5 rounds to 0, as numpy rounds
    # Widening by KEEP_WINDOWS on both sides: a window is kept where any voiced one lies within that distance.
    around = np.pad(voiced.astype(np.int64), KEEP_WINDOWS)
    return np.convolve(around, np.ones(2 * KEEP_WINDOWS + 1, dtype=np.int64), mode="valid") > 0


def trim_long_silences(samples, sample_rate):
    """``samples`` (S,) without their long silences (see the module's docstring). Returns (S',), S' <= S.

    A recording in which no window is kept (WebRTC's most aggressive mode hears no voice in some short, quiet
    clips of real speech) is returned whole rather than emptied: the encoder then embeds what there is, where
    Resemblyzer would embed silence, and the caller still refuses a silent file.
    """
    width = window_samples(sample_rate)
    keep = keep_mask(voice_flags(samples, sample_rate))
    if not keep.any():
        return samples
    return samples[: len(keep) * width][np.repeat(keep, width)]
