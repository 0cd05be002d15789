"""The built-in corpus's voices (ge2e.builtin.voices): base voices disjoint across splits, speakers drawn from
their split's, the Debian packages that ship them."""

import re
from pathlib import Path

import numpy as np
import pytest

from ge2e.builtin import voices

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("seed", [0, 7, 1234])
def test_base_voices_of_the_splits_are_disjoint_and_test_has_enough(seed):
    assignment = voices.split_base_voices(seed)
    assert set(assignment) == {v.person for v in voices.BASE_VOICES}  # one split per person, not per engine
    test = {p for p, s in assignment.items() if s == "test"}
    assert len(test) >= 6 and any(not p.startswith("espeak-") for p in test)  # a recorded voice is tested too
    assert {s for s in assignment.values()} == {"train", "val", "test"}
    # Voices that do not read English are never used for evaluation.
    assert all(assignment[v.person] == "train" for v in voices.BASE_VOICES if not v.english)
    # The same person behind two engines is one base voice.
    kal = {v.person for v in voices.BASE_VOICES if "kal" in v.name}
    assert kal == {"kal"}


def test_speakers_draw_only_their_splits_voices():
    assignment = voices.split_base_voices(3)
    rng = np.random.default_rng(0)
    for split in voices.SPLITS:
        drawn = [voices.draw_voice(rng, split, assignment) for _ in range(60)]
        assert {assignment[v.base.person] for v in drawn} == {split}
        assert len({v.base.person for v in drawn}) >= 4
        assert all(0.86 < v.formant < 1.16 for v in drawn)


def test_debian_package_list_is_the_makefiles():
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    packages = re.search(r"^SPEECH_PACKAGES := (.*)$", makefile, re.MULTILINE).group(1).split()
    assert sorted(packages) == sorted(voices.DEBIAN_PACKAGES.split())
