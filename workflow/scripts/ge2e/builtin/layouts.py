"""The built-in corpus: synthetic speakers written in the real TIMIT and Snips layouts.

Licensed TIMIT and the Snips keyword set cannot be shipped, so the default config
synthesises look-alikes with Debian's speech tools (espeak-ng, flite, festival, sox).
The readers in ``ge2e.corpus.timit`` / ``ge2e.corpus.snips`` then run on them exactly as
on the real data.

Evaluation is honest about voices: every shipped voice is a *base voice* (the person it
was recorded from, or an espeak variant), and the base voices of training, validation and
test speakers are disjoint, so the test measures how an encoder does on voices it never
heard. Each speaker draws a base voice of its split and its own pitch, speaking rate,
vocal-tract-length warp (sox speed, then pitch and tempo back) and spectral tilt; each
utterance adds jitter, two random EQ bands, a channel tilt, coloured noise at 20-30 dB SNR
and a recording level between -30 and -1 dBFS, so neither channel nor level identifies a
speaker.

Every random choice is drawn up front from one seeded generator, then the jobs run in
parallel in any order: the same seed writes byte-identical files. The numpy part (levels,
noise, the transforms' parameters) is in ``ge2e.portable``'s arithmetic, the same bits on any
CPU; the speech tools are compiled programs whose output depends on their Debian versions.
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

from ge2e import portable
from ge2e.audio import sphere
from ge2e.audio.files import to_int16, write_wav
from ge2e.audio.noise import coloured_noise
from ge2e.corpus import snips
from ge2e.errors import InputError

SAMPLE_RATE = 16000
TOOLS = {
    "espeak-ng": "espeak-ng",
    "flite": "flite",
    "text2wave": "festival",
    "sox": "sox",
}


@dataclasses.dataclass(frozen=True)
class TimitSpec:
    """What the built-in TIMIT look-alike holds (config ``builtin.timit``; its defaults are the schema's)."""

    train_speakers: int  # under TRAIN
    val_speakers: int  # under TRAIN too, listed in VAL_LIST
    test_speakers: int  # under TEST

    @property
    def speakers(self):
        """Speakers per split (SPLITS)."""
        return {"train": self.train_speakers, "val": self.val_speakers, "test": self.test_speakers}


@dataclasses.dataclass(frozen=True)
class SnipsSpec:
    """What the built-in Snips look-alike holds (config ``builtin.snips``; its defaults are the schema's)."""

    train_workers: int  # in train.json
    dev_workers: int  # in dev.json (validation)
    test_workers: int  # in test.json
    min_hotword: int  # fewest "hey snips" per worker
    max_hotword: int  # most "hey snips" per worker
    negatives: int  # other phrases per worker

    @property
    def workers(self):
        """Workers per Snips split file (train, dev, test)."""
        return {"train": self.train_workers, "dev": self.dev_workers, "test": self.test_workers}


@dataclasses.dataclass(frozen=True)
class BaseVoice:
    """A synthesiser voice as shipped: engine, the engine's name for it, and who it is.

    ``person`` is the base voice that splits keep apart: voices recorded from the same
    person (festival kal_diphone / flite kal16, festival slt HTS / flite slt) are one base
    voice, and so are an espeak variant and its numbered siblings (steph, steph2, steph3).
    """

    engine: str  # espeak | flite | festival
    name: str
    sex: str  # F | M
    person: str
    package: str  # the Debian package that ships it
    english: bool = True  # reads English text with English letter-to-sound rules


def _espeak(names, sex):
    # An espeak variant is a set of pitch and formant settings; numbered siblings (steph2) and
    # variants that differ only in gain or voicing (linda = belinda) are one base voice.
    same = {"steph2": "steph", "steph3": "steph", "linda": "belinda"}
    return [BaseVoice("espeak", n, sex, f"espeak-{same.get(n, n).lower()}", "espeak-ng") for n in names]


# espeak-ng variants that sound like an adult human: robots, whisper, croak, echo, cartoon and
# extreme formant settings are left out (read from each variant file's settings).
ESPEAK_VOICES = _espeak(
    ["f1", "f2", "f3", "f4", "f5", "Alicia", "Andrea", "Annie", "anika", "aunty", "belinda", "linda", "steph",
     "steph2", "steph3"],
    "F",
) + _espeak(
    ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "Denis", "Diogo", "Henrique", "Michel", "sandro", "travis",
     "victor", "antonio", "Storm", "Alex", "Mike", "adam", "benjamin", "david", "edward", "Gene", "Mario",
     "gustave", "norbert", "pablo", "pedro", "paul", "quincy", "rob", "robert"],
    "M",
)  # fmt: skip
# Voices recorded from people. The English ones read the text; the others apply their own
# language's letter-to-sound rules to English text (checked by ear and by a speech recogniser:
# word error rates above 1), so they give real human timbres but not English: training only.
RECORDED_VOICES = [
    BaseVoice("flite", "kal16", "M", "kal", "flite"),
    BaseVoice("festival", "kal_diphone", "M", "kal", "festvox-kallpc16k"),
    BaseVoice("festival", "ked_diphone", "M", "ked", "festvox-kdlpc16k"),
    BaseVoice("flite", "awb", "M", "awb", "flite"),
    BaseVoice("flite", "rms", "M", "rms", "flite"),
    BaseVoice("flite", "slt", "F", "slt", "flite"),
    BaseVoice("festival", "cmu_us_slt_arctic_hts", "F", "slt", "festvox-us-slt-hts"),
    BaseVoice("festival", "lp_diphone", "F", "lp", "festvox-italp16k", english=False),
    BaseVoice("festival", "pc_diphone", "M", "pc", "festvox-itapc16k", english=False),
    BaseVoice("festival", "suo_fi_lj_diphone", "F", "lj", "festvox-suopuhe-lj", english=False),
    BaseVoice("festival", "hy_fi_mv_diphone", "M", "mv", "festvox-suopuhe-mv", english=False),
    BaseVoice("festival", "czech_dita", "F", "dita", "festvox-czech-dita", english=False),
    BaseVoice("festival", "czech_krb", "M", "krb", "festvox-czech-krb", english=False),
    BaseVoice("festival", "czech_machac", "M", "machac", "festvox-czech-machac", english=False),
    BaseVoice("festival", "czech_ph", "M", "ph", "festvox-czech-ph", english=False),
    BaseVoice("festival", "msu_ru_nsh_clunits", "M", "nsh", "festvox-ru", english=False),
    BaseVoice("festival", "upc_ca_ona_hts", "F", "ona", "festvox-ca-ona-hts", english=False),
]
BASE_VOICES = ESPEAK_VOICES + RECORDED_VOICES
DEBIAN_PACKAGES = " ".join(["sox", "festival", *dict.fromkeys(v.package for v in BASE_VOICES)])
ESPEAK_ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-029", "en-us-nyc"]
SPLITS = ("train", "val", "test")

# TIMIT's two dialect sentences, read by every speaker.
SA_SENTENCES = [
    "She had your dark suit in greasy wash water all year.",
    "Don't ask me to carry an oily rag like that.",
]
# Per speaker, as in TIMIT: the SA sentences, five phonetically compact (SX) and three diverse (SI) ones.
SX_PER_SPEAKER = 5
SI_PER_SPEAKER = 3
TIMIT_UTTERANCES = len(SA_SENTENCES) + SX_PER_SPEAKER + SI_PER_SPEAKER
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
    """One synthetic speaker's fixed characteristics: a base voice and its own transforms."""

    base: BaseVoice
    accent: str  # espeak language (English accents only); '' for the others
    espeak_pitch: int  # espeak -p (0-99); only for espeak
    rate: float  # speaking-rate factor (>1 = faster)
    pitch_cents: float  # sox pitch shift
    formant: float  # vocal-tract-length warp: sox speed factor compensated in pitch and tempo
    bass_db: float  # spectral tilt: low shelf gain
    treble_db: float  # spectral tilt: high shelf gain

    @property
    def engine(self):
        return self.base.engine

    @property
    def name(self):
        """The engine's voice argument (espeak: language+variant)."""
        return f"{self.accent}+{self.base.name}" if self.engine == "espeak" else self.base.name

    @property
    def sex(self):
        return self.base.sex


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


def split_base_voices(seed, test_fraction=0.2, val_fraction=0.1):
    """Assign every base voice (person) to one split: train, val or test, pairwise disjoint.

    Persons are split within groups (espeak female, espeak male, recorded English), each
    group shuffled with ``seed`` and cut by the fractions (at least one each for test and
    val in a group of three or more), so every split has synthetic and recorded voices of
    both sexes where the group allows. Recorded voices that do not read English train only.
    Returns {person: split}.
    """
    rng = np.random.default_rng([seed, 3])
    groups = {}
    for v in BASE_VOICES:
        key = (v.engine == "espeak", v.sex if v.engine == "espeak" else "", v.english)
        groups.setdefault(key, set()).add(v.person)
    out = {}
    for key in sorted(groups):
        persons = sorted(groups[key])
        persons = [persons[i] for i in rng.permutation(len(persons))]
        n_test = n_val = 0
        if key[2] and len(persons) >= 3:  # English readers: evaluation may use them
            n_test = max(1, int(round(test_fraction * len(persons))))
            n_val = max(1, int(round(val_fraction * len(persons))))
        for i, person in enumerate(persons):
            out[person] = "test" if i < n_test else ("val" if i < n_test + n_val else "train")
    return out


def draw_voice(rng, split, assignment):
    """Draw one speaker of ``split``: a base voice of that split, then its own transforms.

    Sex is drawn first (45 % female); a recorded voice is chosen a third of the time where the
    split has one of that sex; the speaker's pitch, rate, vocal-tract length and tilt are then
    drawn wide, so speakers of one base voice differ as much as a transform can make them.
    """
    pool = [v for v in BASE_VOICES if assignment[v.person] == split]
    sex = "F" if rng.random() < 0.45 else "M"
    same_sex = [v for v in pool if v.sex == sex] or pool
    recorded = [v for v in same_sex if v.engine != "espeak"]
    synthetic = [v for v in same_sex if v.engine == "espeak"]
    family = recorded if recorded and (not synthetic or rng.random() < 1 / 3) else synthetic
    persons = sorted({v.person for v in family})
    person = persons[rng.integers(len(persons))]
    choices = [v for v in family if v.person == person]
    base = choices[rng.integers(len(choices))]
    return Voice(
        base=base,
        accent=str(rng.choice(ESPEAK_ACCENTS)) if base.engine == "espeak" else "",
        espeak_pitch=int(rng.integers(20, 80)),
        rate=float(rng.uniform(0.8, 1.25)),
        pitch_cents=float(rng.uniform(-300, 300)),
        formant=float(portable.exp(rng.uniform(portable.log(0.87), portable.log(1.15)))),
        bass_db=float(rng.uniform(-3, 3)),
        treble_db=float(rng.uniform(-3, 3)),
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


def _render_all(jobs, root, threads):
    """Render jobs in parallel; returns samples per job in job order."""
    if threads <= 1:
        return [render(j, root) for j in jobs]
    with ProcessPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(render, jobs, [root] * len(jobs), chunksize=8))


def _speaker_ids(rng, voices, taken=()):
    """TIMIT-style ids: sex + three initials + digit, all distinct (and not in ``taken``)."""
    letters = np.array(list("ABCDEFGHIJKLMNOPRSTW"))
    ids, seen = [], set(taken)
    for v in voices:
        while True:
            sid = v.sex + "".join(rng.choice(letters, 3)) + str(rng.integers(0, 10))
            if sid not in seen:
                seen.add(sid)
                ids.append(sid)
                break
    return ids


SPEAKER_TABLE = "speakers.tsv"  # speaker, split, person, engine, voice, sex: who each speaker is
VAL_LIST = "val_speakers.txt"  # TIMIT look-alike: the TRAIN speakers held out for validation


def _write_speaker_table(root, speakers):
    """``root/speakers.tsv`` from (speaker id, split, Voice), so splits can be checked for disjoint voices."""
    lines = ["speaker\tsplit\tperson\tengine\tvoice\tsex"]
    lines += [f"{spk}\t{split}\t{v.base.person}\t{v.engine}\t{v.name}\t{v.sex}" for spk, split, v in speakers]
    Path(root, SPEAKER_TABLE).write_text("\n".join(lines) + "\n")


def read_speaker_table(root):
    """{speaker: {split, person, engine, voice, sex}} from a built-in corpus's ``speakers.tsv``."""
    lines = Path(root, SPEAKER_TABLE).read_text().splitlines()
    header = lines[0].split("\t")
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in (line.split("\t") for line in lines[1:])}


def make_spec(corpus, section):
    """The spec of built-in ``corpus`` (TIMIT or snips) from its section (``builtin.timit``, ``builtin.snips``)."""
    return {"timit": TimitSpec, "snips": SnipsSpec}[corpus.lower()](**section)


@dataclasses.dataclass(frozen=True)
class CorpusSize:
    """How big the manifest of a built-in corpus will be, known from its config section alone.

    ``speakers``: {manifest split (train, val, test): speakers}; every speaker has ``fewest`` to
    ``most`` utterances (TD-SV: keyword positives, the only utterances its manifest keeps).
    """

    speakers: dict
    fewest: int
    most: int

    def counts(self):
        """{split: [utterances of each speaker]}, each at its fewest: what ``ge2e.manifest.check_sizes`` checks."""
        return {split: [self.fewest] * n for split, n in self.speakers.items()}


def corpus_size(spec):
    """The :class:`CorpusSize` a built-in spec (``TimitSpec`` or ``SnipsSpec``) gives.

    The one answer to "how big will the built-in corpus be", for the start-up capacity check and the
    report: the speaker counts are those the generator is handed, the utterance counts its own.
    """
    if isinstance(spec, TimitSpec):
        return CorpusSize(spec.speakers, TIMIT_UTTERANCES, TIMIT_UTTERANCES)
    # The Snips reader makes a manifest split of each JSON file (dev.json: val).
    speakers = {split: spec.workers[Path(name).stem] for split, name in snips.SPLIT_FILES.items()}
    return CorpusSize(speakers, spec.min_hotword, spec.max_hotword)


def write_timit(root, spec, seed, threads=1):
    """Write a TIMIT-layout corpus: ``root/TRAIN|TEST/DRn/<spk>/{SA1,SA2,SX*,SI*}.WAV`` (+ .TXT).

    Args:
        spec: a ``TimitSpec``; train and val speakers go under TRAIN (as in TIMIT), and the val
            ones are listed in ``root/val_speakers.txt`` for the reader.
    Base voices of the three splits are disjoint (``split_base_voices``); ``root/speakers.tsv``
    says who each speaker is. Each speaker reads ``TIMIT_UTTERANCES`` sentences, as in TIMIT.
    """
    check_tools()
    rng = np.random.default_rng([seed, 1])
    assignment = split_base_voices(seed)
    jobs, table = [], []
    for split in SPLITS:
        part = "TEST" if split == "test" else "TRAIN"
        voices = [draw_voice(rng, split, assignment) for _ in range(spec.speakers[split])]
        for voice, spk in zip(voices, _speaker_ids(rng, voices, {s for s, _, _ in table}), strict=True):
            table.append((spk, split, voice))
            dialect = f"DR{rng.integers(1, 9)}"
            texts = {f"SA{k}": text for k, text in enumerate(SA_SENTENCES, start=1)}
            for number in sorted(rng.choice(np.arange(3, 453), SX_PER_SPEAKER, replace=False)):
                texts[f"SX{number}"] = sentence(rng)
            for number in sorted(rng.choice(np.arange(453, 2343), SI_PER_SPEAKER, replace=False)):
                texts[f"SI{number}"] = sentence(rng)
            for utt, text in texts.items():
                out = f"{part}/{dialect}/{spk}/{utt}.WAV"
                utt_id = f"{spk[1:].lower()}_{utt.lower()}"
                jobs.append(draw_utterance(rng, voice, text, out, "sphere", utt_id))
    _render_all(jobs, root, threads)
    _write_speaker_table(root, table)
    Path(root, VAL_LIST).write_text("".join(f"{spk}\n" for spk, split, _ in table if split == "val"))
    return len(jobs)


def write_snips(root, spec, seed, threads=1):
    """Write a Snips-layout corpus: ``root/audio_files/<id>.wav`` + ``train|dev|test.json``.

    ``spec`` is a ``SnipsSpec``: its workers are disjoint across the split files, and so are
    their base voices (dev = validation). Each worker says "hey snips" ``min_hotword..max_hotword``
    times and ``negatives`` other phrases (``is_hotword`` 0). ``root/speakers.tsv`` says who each
    worker is.
    """
    check_tools()
    rng = np.random.default_rng([seed, 2])
    assignment = split_base_voices(seed)
    jobs, entries, table = [], {}, []
    for split in ("train", "dev", "test"):
        entries[split] = []
        for _ in range(spec.workers[split]):
            voice = draw_voice(rng, "val" if split == "dev" else split, assignment)
            worker_id = rng.bytes(16).hex()
            table.append((worker_id, "val" if split == "dev" else split, voice))
            n_hot = int(rng.integers(spec.min_hotword, spec.max_hotword + 1))
            phrases = [HOTWORD] * n_hot + list(rng.choice(NEGATIVE_PHRASES, spec.negatives))
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
    _write_speaker_table(root, table)
    return len(jobs)
