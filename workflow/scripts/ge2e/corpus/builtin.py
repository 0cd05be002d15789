"""The built-in corpus: synthetic speakers written in the real TIMIT and Snips layouts.

Licensed TIMIT and the Snips keyword set cannot be shipped, so the default config
synthesises look-alikes with Debian's speech tools (espeak-ng, flite, festival, sox).
The readers in ``ge2e.corpus.timit`` / ``ge2e.corpus.snips`` then run on them exactly as
on the real data.

Speakers are made distinct and the task hard on purpose: each speaker draws a base
voice and its own pitch, speaking rate, formant-like shift (sox speed, then pitch and
tempo back) and spectral tilt; each utterance adds jitter, a random EQ band, a random
channel tilt and coloured noise at 20-30 dB SNR, so channel cues alone do not identify
a speaker (the mean-MFCC baseline stays well above 15 % EER).

Every random choice is drawn up front from one seeded generator, then the jobs run in
parallel in any order: the same seed writes byte-identical files.
"""

import dataclasses
import json
import shutil
import subprocess
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

from ge2e import sphere
from ge2e.audio import to_int16, write_wav
from ge2e.errors import InputError

SAMPLE_RATE = 16000
TOOLS = {
    "espeak-ng": "espeak-ng",
    "flite": "flite",
    "text2wave": "festival",
    "sox": "sox",
}
DEBIAN_PACKAGES = "espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts sox"

ESPEAK_ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-029"]
ESPEAK_VARIANTS = {
    "M": ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "klatt", "klatt2", "klatt3"],
    "F": ["f1", "f2", "f3", "f4", "f5"],
}
FLITE_VOICES = {"M": ["awb", "rms", "kal16"], "F": ["slt"]}
FESTIVAL_VOICES = {"M": ["kal_diphone", "ked_diphone"], "F": ["cmu_us_slt_arctic_hts"]}

# TIMIT's two dialect sentences, read by every speaker.
SA_SENTENCES = [
    "She had your dark suit in greasy wash water all year.",
    "Don't ask me to carry an oily rag like that.",
]
_WORDS = {
    "det": ["the", "a", "every", "that", "one", "some"],
    "adj": [
        "quiet",
        "yellow",
        "heavy",
        "careful",
        "ancient",
        "bright",
        "narrow",
        "gentle",
        "frozen",
        "clever",
        "muddy",
        "silver",
        "busy",
        "tired",
        "famous",
        "hollow",
    ],
    "noun": [
        "farmer",
        "river",
        "engine",
        "teacher",
        "garden",
        "window",
        "doctor",
        "basket",
        "pilot",
        "castle",
        "kitten",
        "harbor",
        "lawyer",
        "village",
        "candle",
        "rabbit",
        "market",
        "bridge",
        "sailor",
        "blanket",
    ],
    "verb": [
        "painted",
        "followed",
        "carried",
        "watched",
        "repaired",
        "pushed",
        "visited",
        "admired",
        "dropped",
        "borrowed",
        "cleaned",
        "counted",
        "ignored",
        "opened",
    ],
    "prep": ["near", "behind", "under", "beside", "across", "inside", "beyond"],
    "adv": ["slowly", "today", "again", "quickly", "at noon", "last winter", "by mistake"],
}
HOTWORD = "hey snips"
NEGATIVE_PHRASES = [
    "hey snaps",
    "hey sir",
    "hi there",
    "hello nips",
    "hey sonos",
    "okay snips",
    "play some music",
    "turn on the lights",
    "what time is it",
    "stop the timer",
]


@dataclasses.dataclass(frozen=True)
class Voice:
    """One synthetic speaker's fixed characteristics."""

    engine: str  # espeak | flite | festival
    name: str
    sex: str  # F | M
    espeak_pitch: int  # espeak -p (0-99); only for espeak
    rate: float  # speaking-rate factor (>1 = faster)
    pitch_cents: float  # sox pitch shift
    formant: float  # formant-like shift: sox speed factor compensated in pitch/tempo
    bass_db: float  # spectral tilt: low shelf gain
    treble_db: float  # spectral tilt: high shelf gain


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
    peak: float
    noise_seed: int


def check_tools():
    """Raise InputError naming the Debian packages when a speech tool is missing."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise InputError(
            f"the built-in corpus needs {', '.join(missing)}; install the Debian packages "
            f"`apt-get install {DEBIAN_PACKAGES}` (make demo does this when run as root), "
            "or point the config's corpus roots at a real TIMIT / Snips copy; under --use-conda, "
            "envs/corpus.yaml brings espeak-ng and sox but flite and festival are not on conda-forge "
            "and must come from the system"
        )


def draw_voice(rng):
    """Draw one speaker's voice. Engines weighted so espeak's many variants dominate."""
    sex = "F" if rng.random() < 0.45 else "M"
    engine = rng.choice(["espeak", "flite", "festival"], p=[0.8, 0.14, 0.06])
    if engine == "espeak":
        name = f"{rng.choice(ESPEAK_ACCENTS)}+{rng.choice(ESPEAK_VARIANTS[sex])}"
    elif engine == "flite":
        name = str(rng.choice(FLITE_VOICES[sex]))
    else:
        name = str(rng.choice(FESTIVAL_VOICES[sex]))
    return Voice(
        engine=str(engine),
        name=name,
        sex=sex,
        espeak_pitch=int(rng.integers(25, 75)),
        rate=float(rng.uniform(0.85, 1.2)),
        pitch_cents=float(rng.uniform(-250, 250)),
        formant=float(rng.uniform(0.92, 1.09)),
        bass_db=float(rng.uniform(-2, 2)),
        treble_db=float(rng.uniform(-2, 2)),
    )


def sentence(rng):
    """A grammatical nonsense sentence, so TI-SV texts differ across utterances."""

    def w(kind):
        return str(rng.choice(_WORDS[kind]))

    kinds = ["det", "adj", "noun", "verb", "det", "noun", "prep", "det", "adj", "noun", "adv"]
    s = " ".join(w(kind) for kind in kinds)
    return s[0].upper() + s[1:] + "."


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
        eq_freqs=tuple(float(f) for f in np.exp(rng.uniform(np.log(200), np.log(6000), 2))),
        eq_gains=tuple(float(g) for g in rng.uniform(-9, 9, 2)),
        tilt_db=float(rng.uniform(-6, 6)),
        snr_db=float(rng.uniform(20, 30)),
        noise_color=float(rng.choice([0.0, 1.0, 2.0])),
        lead_s=float(rng.uniform(0.1, 0.4)),
        trail_s=float(rng.uniform(0.1, 0.4)),
        peak=float(rng.uniform(0.3, 0.8)),
        noise_seed=int(rng.integers(2**31)),
    )


def _synth_command(voice, text, wav):
    if voice.engine == "espeak":
        wpm = int(round(165 * voice.rate))
        return ["espeak-ng", "-v", voice.name, "-p", str(voice.espeak_pitch), "-s", str(wpm), "-w", wav, text], None
    if voice.engine == "flite":
        stretch = f"{1.0 / voice.rate:.3f}"
        return ["flite", "-voice", voice.name, "--setf", f"duration_stretch={stretch}", "-t", text, "-o", wav], None
    stretch = f"{1.0 / voice.rate:.3f}"
    return [
        "text2wave",
        "-eval",
        f"(voice_{voice.name})",
        "-eval",
        f"(Parameter.set 'Duration_Stretch {stretch})",
        "-o",
        wav,
    ], text


def _sox_effects(u):
    """sox effect chain: formant shift, pitch, tempo, speaker tilt, channel EQ and tilt."""
    v = u.voice
    # speed f scales pitch, formants and duration by f; pitch and tempo undo two of them.
    cents = v.pitch_cents + u.pitch_jitter - 1200.0 * np.log2(v.formant)
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


def coloured_noise(rng, n, exponent):
    """Gaussian noise of length n with power spectrum ~ 1/f**exponent, unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1] if n > 1 else 1.0
    noise = np.fft.irfft(spectrum / freqs ** (exponent / 2.0), n)
    return noise / (np.sqrt(np.mean(noise**2)) + 1e-12)


def render(u, root):
    """Synthesise utterance ``u`` and write it under ``root``. Returns samples written."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, processed = f"{tmp}/raw.wav", f"{tmp}/out.wav"
        cmd, stdin = _synth_command(u.voice, u.text, raw)
        subprocess.run(cmd, input=stdin, text=True, check=True, capture_output=True)
        subprocess.run(
            ["sox", "-D", "-R", raw, "-e", "floating-point", "-b", "32", processed, *_sox_effects(u)],
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
    noise = coloured_noise(rng, len(audio), u.noise_color) * speech_rms / 10 ** (u.snr_db / 20)
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


def _render_all(jobs, root, threads):
    """Render jobs in parallel; returns samples per job in job order."""
    if threads <= 1:
        return [render(j, root) for j in jobs]
    with ProcessPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(render, jobs, [root] * len(jobs), chunksize=8))


def _speaker_ids(rng, voices):
    """TIMIT-style ids: sex + three initials + digit, all distinct."""
    letters = np.array(list("ABCDEFGHIJKLMNOPRSTW"))
    ids, seen = [], set()
    for v in voices:
        while True:
            sid = v.sex + "".join(rng.choice(letters, 3)) + str(rng.integers(0, 10))
            if sid not in seen:
                seen.add(sid)
                ids.append(sid)
                break
    return ids


def write_timit(root, train_speakers, test_speakers, seed, threads=1):
    """Write a TIMIT-layout corpus: ``root/TRAIN|TEST/DRn/<spk>/{SA1,SA2,SX*,SI*}.WAV`` (+ .TXT).

    Each speaker reads SA1, SA2, five SX and three SI sentences (10 utterances), as in TIMIT.
    """
    check_tools()
    rng = np.random.default_rng([seed, 1])
    jobs = []
    for part, count in (("TRAIN", train_speakers), ("TEST", test_speakers)):
        voices = [draw_voice(rng) for _ in range(count)]
        for voice, spk in zip(voices, _speaker_ids(rng, voices), strict=True):
            dialect = f"DR{rng.integers(1, 9)}"
            texts = {"SA1": SA_SENTENCES[0], "SA2": SA_SENTENCES[1]}
            for number in sorted(rng.choice(np.arange(3, 453), 5, replace=False)):
                texts[f"SX{number}"] = sentence(rng)
            for number in sorted(rng.choice(np.arange(453, 2343), 3, replace=False)):
                texts[f"SI{number}"] = sentence(rng)
            for utt, text in texts.items():
                out = f"{part}/{dialect}/{spk}/{utt}.WAV"
                utt_id = f"{spk[1:].lower()}_{utt.lower()}"
                jobs.append(draw_utterance(rng, voice, text, out, "sphere", utt_id))
    _render_all(jobs, root, threads)
    return len(jobs)


def write_snips(root, workers, min_hotword, max_hotword, negatives, seed, threads=1):
    """Write a Snips-layout corpus: ``root/audio_files/<id>.wav`` + ``train|dev|test.json``.

    ``workers`` maps split name (train, dev, test) to worker count; workers are disjoint
    across splits. Each worker says "hey snips" ``min_hotword..max_hotword`` times and
    ``negatives`` other phrases (``is_hotword`` 0).
    """
    check_tools()
    rng = np.random.default_rng([seed, 2])
    jobs, entries = [], {}
    for split in ("train", "dev", "test"):
        entries[split] = []
        for _ in range(workers[split]):
            voice = draw_voice(rng)
            worker_id = rng.bytes(16).hex()
            n_hot = int(rng.integers(min_hotword, max_hotword + 1))
            phrases = [HOTWORD] * n_hot + list(rng.choice(NEGATIVE_PHRASES, negatives))
            for text in phrases:
                utt_id = rng.bytes(16).hex()
                path = f"audio_files/{utt_id}.wav"
                jobs.append(draw_utterance(rng, voice, str(text), path, "wav", utt_id))
                entries[split].append(
                    {"id": utt_id, "worker_id": worker_id, "is_hotword": int(text == HOTWORD), "audio_file_path": path}
                )
    lengths = _render_all(jobs, root, threads)
    durations = iter(lengths)
    for split, items in entries.items():
        for item in items:
            item["duration"] = round(next(durations) / SAMPLE_RATE, 3)
        Path(root, f"{split}.json").write_text(json.dumps(items, indent=1))
    return len(jobs)
