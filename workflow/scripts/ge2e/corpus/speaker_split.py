"""A stated, seeded split of a corpus's speakers into three parts, ``train``, ``val`` and ``test`` (config
``speakers: {split: {val: V, test: T}, seed: S}``): the one rule wherever the speakers of one corpus must be split
alike in several places.

- An extra TI-SV training corpus (``corpus.tisv_extra_train.<name>.speakers``, ``ge2e.corpus.extra``): its train part
  trains, its val part joins the validation speakers of the run (checkpoints are chosen on them too), its test part
  is left out of the manifest.
- An external evaluation set (``evaluate.external.<name>.speakers``): it reads one part, by default the test part,
  so the same folder can train, validate and test with no speaker in two of them.
- The TD-SV keyword corpus (``corpus.speech_commands.speakers``, ``ge2e.corpus.speech_commands``): one split of the
  speakers of every keyword folder, so a speaker is in the same part for every word.

The rule (:func:`split`): each speaker id's rank is the SHA-256 of the seed and the id (:func:`rank`); in rank
order the first ``test`` speakers are the test part, the next ``val`` the validation part, the others train. So
the parts are disjoint; they depend on the seed, the counts and the set of speaker ids alone (not on the files:
a file added to or removed from a speaker moves no one, and neither does the order the ids are listed in); a
speaker added or removed moves at most one other across each boundary. Counts that leave no speaker to train
on are refused. Both counts at 0 (the default) mean no split.
"""

import dataclasses
import hashlib
import logging

from ge2e.errors import InputError

PARTS = ("train", "val", "test")
log = logging.getLogger("ge2e")


@dataclasses.dataclass(frozen=True)
class SpeakerSplit:
    """A config's ``speakers`` section, its defaults filled (``ge2e.schema.defaults``)."""

    val: int  # speakers of the validation part
    test: int  # speakers of the test part
    seed: int  # the ranks' seed
    part: str = "test"  # the part an external set reads

    @classmethod
    def of(cls, section):
        """The split of a config section ``{split: {val, test}, seed[, part]}``, or None where both counts are 0."""
        if not section or not (section["split"]["val"] or section["split"]["test"]):
            return None
        return cls(section["split"]["val"], section["split"]["test"], section["seed"], section.get("part", "test"))

    def parts(self, speakers, key):
        """{speaker: part} of ``speakers`` (:func:`split`); ``key`` names the config key in errors."""
        return split(speakers, self.val, self.test, self.seed, key)

    def describe(self):
        """How the run states it: ``val 20, test 25 speakers, seed 7``."""
        return f"val {self.val}, test {self.test} speakers, seed {self.seed}"


def rank(speaker, seed):
    """A speaker's place in the order of ``seed``: the SHA-256 of the seed and its id, the same on every machine."""
    return hashlib.sha256(f"{seed}\0{speaker}".encode()).hexdigest()


def split(speakers, val, test, seed, key="speakers"):
    """{speaker: train | val | test} of ``speakers``: in :func:`rank` order, the first ``test`` test, the next
    ``val`` val, the others train.

    ``key`` names the config key (``<...>.speakers``) of the error when the counts leave no speaker to train on.
    """
    speakers = sorted(set(speakers))
    if val < 0 or test < 0 or val + test >= len(speakers):
        raise InputError(
            f"config key {key}.split: val {val} + test {test} speakers of the {len(speakers)} there are leave none to "
            "train on; lower the counts"
        )
    order = sorted(speakers, key=lambda speaker: (rank(speaker, seed), speaker))
    return {s: "test" if i < test else "val" if i < test + val else "train" for i, s in enumerate(order)}


def select(rows, part_of, parts):
    """The rows (dicts with ``speaker``) whose speaker's part, by ``part_of`` ({speaker: part}), is in ``parts``."""
    return [r for r in rows if part_of[r["speaker"]] in parts]


def log_parts(where, part_of):
    """One line: how many speakers each part holds."""
    counts = {part: sum(1 for p in part_of.values() if p == part) for part in PARTS}
    log.info("%s: speakers split %s", where, ", ".join(f"{part} {counts[part]}" for part in PARTS))
