"""The built-in corpus: synthetic speakers written in the real TIMIT and Snips layouts.

Licensed TIMIT and the Snips keyword set cannot be shipped, so the default config
synthesises look-alikes with Debian's speech tools (espeak-ng, flite, festival, sox).
The readers in ``ge2e.corpus.timit`` / ``ge2e.corpus.snips`` then run on them exactly as
on the real data.

Who speaks is ``ge2e.builtin.voices``'s (base voices disjoint across splits); how each utterance is
recorded, ``ge2e.builtin.effects``'s. Here: what each corpus holds (its spec, its size), what its
speakers say, and the two layouts written.

Every random choice is drawn up front from one seeded generator, then the jobs run in
parallel in any order: the same seed writes byte-identical files. The numpy part (levels,
noise, the transforms' parameters) is in ``ge2e.portable``'s arithmetic, the same bits on any
CPU; the speech tools are compiled programs whose output depends on their Debian versions.
"""

import dataclasses
import json
from pathlib import Path

import numpy as np

from ge2e.builtin import effects
from ge2e.builtin.effects import SAMPLE_RATE, draw_utterance
from ge2e.builtin.voices import SPLITS, check_tools, draw_voice, split_base_voices
from ge2e.corpus import snips


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


def sentence(rng):
    """A grammatical nonsense sentence, so TI-SV texts differ across utterances."""

    def w(kind):
        return str(rng.choice(_WORDS[kind]))

    kinds = ["det", "adj", "noun", "verb", "det", "noun", "prep", "det", "adj", "noun", "adv"]
    s = " ".join(w(kind) for kind in kinds)
    return s[0].upper() + s[1:] + "."


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
        """{split: [utterances of each speaker]}, each at its fewest: what ``ge2e.corpus.manifest.check_sizes``
        checks."""
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
    effects.render_all(jobs, root, threads)
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
    lengths = effects.render_all(jobs, root, threads)
    durations = iter(lengths)
    for split, items in entries.items():
        for item in items:
            item["duration"] = round(next(durations) / SAMPLE_RATE, 3)
        Path(root, f"{split}.json").write_text(json.dumps(items, indent=1))
    _write_speaker_table(root, table)
    return len(jobs)
