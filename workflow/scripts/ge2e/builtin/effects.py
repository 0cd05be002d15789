"""How a built-in utterance is recorded: its variation around the speaker's voice, the sox effect chain (the
speaker's transforms, then the channel), noise and level; rendering utterances to files in parallel.

Each utterance adds jitter, two random EQ bands, a channel tilt, coloured noise at 20-30 dB SNR and a
recording level between -30 and -1 dBFS, so neither channel nor level identifies a speaker. Every random
choice is drawn up front (:func:`draw_utterance`), then the jobs run in any order with the same result.
"""

import dataclasses
import subprocess
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

from ge2e import portable
from ge2e.audio import sphere
from ge2e.audio.files import to_int16, write_wav
from ge2e.audio.noise import coloured_noise
from ge2e.builtin.voices import Voice, synth_command

SAMPLE_RATE = 16000


@dataclasses.dataclass(frozen=True)
class Utterance:
    """One utterance to synthesise: text, voice, per-utterance variation, destination."""

    voice: Voice
    text: str
    out: str  # path relative to the corpus root
    fmt: str  # sphere | wav
    utterance_id: str
    pitch_jitter: float
    tempo_jitter: float
    eq_freqs: tuple  # two random EQ bands (Hz) ...
    eq_gains: tuple  # ... and their gains (dB)
    tilt_db: float  # per-utterance channel tilt (treble shelf), same scale as speakers'
    snr_db: float
    noise_color: float  # spectral exponent: 0 white, 1 pink, 2 brown
    lead_s: float
    trail_s: float
    peak: float  # recording level: peak amplitude, drawn log-uniformly
    noise_seed: int


def draw_utterance(rng, voice, text, out, fmt, utterance_id):
    """Draw the per-utterance variation around ``voice``."""
    return Utterance(
        voice=voice,
        text=text,
        out=out,
        fmt=fmt,
        utterance_id=utterance_id,
        pitch_jitter=float(rng.uniform(-40, 40)),
        tempo_jitter=float(rng.uniform(0.95, 1.05)),
        eq_freqs=tuple(float(f) for f in portable.exp(rng.uniform(portable.log(200), portable.log(6000), 2))),
        eq_gains=tuple(float(g) for g in rng.uniform(-9, 9, 2)),
        tilt_db=float(rng.uniform(-6, 6)),
        snr_db=float(rng.uniform(20, 30)),
        noise_color=float(rng.choice([0.0, 1.0, 2.0])),
        lead_s=float(rng.uniform(0.1, 0.4)),
        trail_s=float(rng.uniform(0.1, 0.4)),
        peak=portable.db_to_gain(rng.uniform(-30, -1)),  # -30 to -1 dBFS: levels differ as recordings do
        noise_seed=int(rng.integers(2**31)),
    )


def sox_effects(u):
    """sox effect chain: formant shift, pitch, tempo, speaker tilt, channel EQ and tilt."""
    v = u.voice
    # speed f scales pitch, formants and duration by f; pitch and tempo undo two of them.
    cents = v.pitch_cents + u.pitch_jitter - 1200.0 * float(portable.log(v.formant)) / portable.LN2
    tempo = u.tempo_jitter / v.formant
    return [
        "speed", f"{v.formant:.4f}",
        "rate", str(SAMPLE_RATE),
        "pitch", f"{cents:.1f}",
        "tempo", "-s", f"{tempo:.4f}",
        "bass", f"{v.bass_db:.2f}",
        "treble", f"{v.treble_db + u.tilt_db:.2f}",
        "equalizer", f"{u.eq_freqs[0]:.0f}", "1q", f"{u.eq_gains[0]:.2f}",
        "equalizer", f"{u.eq_freqs[1]:.0f}", "1q", f"{u.eq_gains[1]:.2f}",
        "rate", str(SAMPLE_RATE),
    ]  # fmt: skip


def render(u, root):
    """Synthesise utterance ``u`` and write it under ``root``. Returns samples written."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, processed = f"{tmp}/raw.wav", f"{tmp}/out.wav"
        cmd, stdin = synth_command(u.voice, u.text, raw)
        subprocess.run(cmd, input=stdin, text=True, check=True, capture_output=True)
        subprocess.run(
            ["sox", "-D", "-R", raw, "-e", "floating-point", "-b", "32", processed, *sox_effects(u)],
            check=True,
            capture_output=True,
        )
        speech, rate = sf.read(processed, dtype="float64")
    assert rate == SAMPLE_RATE, rate
    speech = speech / (np.abs(speech).max() + 1e-9) * u.peak
    rng = np.random.default_rng(u.noise_seed)
    lead, trail = int(u.lead_s * SAMPLE_RATE), int(u.trail_s * SAMPLE_RATE)
    audio = np.concatenate([np.zeros(lead), speech, np.zeros(trail)])
    speech_rms = np.sqrt(np.mean(speech**2))
    noise = coloured_noise(rng, len(audio), u.noise_color) * speech_rms / portable.db_to_gain(u.snr_db)
    audio = np.clip(audio + noise, -1.0, 1.0)
    out = Path(root) / u.out
    out.parent.mkdir(parents=True, exist_ok=True)
    if u.fmt == "sphere":
        samples = to_int16(audio)
        sphere.write_timit(out, samples, u.utterance_id, SAMPLE_RATE)
        out.with_suffix(".TXT").write_text(f"0 {len(samples)} {u.text}\n")
    else:
        write_wav(out, audio, SAMPLE_RATE)
    return len(audio)


def render_all(jobs, root, threads):
    """Render jobs in parallel; returns samples per job in job order."""
    if threads <= 1:
        return [render(j, root) for j in jobs]
    with ProcessPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(render, jobs, [root] * len(jobs), chunksize=8))
