"""The built-in corpus's voices: every shipped base voice, which split each person speaks in, a speaker's voice
drawn from them, and the command that makes a voice speak.

Evaluation is honest about voices: every shipped voice is a *base voice* (the person it was recorded from,
or an espeak variant), and the base voices of training, validation and test speakers are disjoint
(:func:`split_base_voices`), so the test measures how an encoder does on voices it never heard. Each speaker
draws a base voice of its split and its own pitch, speaking rate, vocal-tract-length warp and spectral tilt
(:func:`draw_voice`); ``ge2e.builtin.effects`` applies them.
"""

import dataclasses
import shutil

import numpy as np

from ge2e import portable
from ge2e.errors import InputError

TOOLS = {
    "espeak-ng": "espeak-ng",
    "flite": "flite",
    "text2wave": "festival",
    "sox": "sox",
}


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


def synth_command(voice, text, wav):
    """The command (argv) that makes ``voice`` say ``text`` into ``wav``, and what goes to its stdin (or None)."""
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
