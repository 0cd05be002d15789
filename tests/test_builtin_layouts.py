"""The built-in corpus generator (ge2e.corpus.builtin): voices, splits, and what it says about them."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from audio_files import STRICT

from ge2e.audio import files as audio
from ge2e.audio import sphere
from ge2e.builtin import layouts as builtin
from ge2e.corpus import manifest, snips, timit

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("seed", [0, 7, 1234])
def test_base_voices_of_the_splits_are_disjoint_and_test_has_enough(seed):
    assignment = builtin.split_base_voices(seed)
    assert set(assignment) == {v.person for v in builtin.BASE_VOICES}  # one split per person, not per engine
    test = {p for p, s in assignment.items() if s == "test"}
    assert len(test) >= 6 and any(not p.startswith("espeak-") for p in test)  # a recorded voice is tested too
    assert {s for s in assignment.values()} == {"train", "val", "test"}
    # Voices that do not read English are never used for evaluation.
    assert all(assignment[v.person] == "train" for v in builtin.BASE_VOICES if not v.english)
    # The same person behind two engines is one base voice.
    kal = {v.person for v in builtin.BASE_VOICES if "kal" in v.name}
    assert kal == {"kal"}


def test_speakers_draw_only_their_splits_voices():
    assignment = builtin.split_base_voices(3)
    rng = np.random.default_rng(0)
    for split in builtin.SPLITS:
        voices = [builtin.draw_voice(rng, split, assignment) for _ in range(60)]
        assert {assignment[v.base.person] for v in voices} == {split}
        assert len({v.base.person for v in voices}) >= 4
        assert all(0.86 < v.formant < 1.16 for v in voices)


def test_debian_package_list_is_the_makefiles():
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    packages = re.search(r"^SPEECH_PACKAGES := (.*)$", makefile, re.MULTILINE).group(1).split()
    assert sorted(packages) == sorted(builtin.DEBIAN_PACKAGES.split())


def test_corpus_size_answers_capacity_questions():
    spec = {"train_speakers": 5, "val_speakers": 2, "test_speakers": 3}
    size = builtin.corpus_size(builtin.TimitSpec(**spec))
    assert size == builtin.CorpusSize({"train": 5, "val": 2, "test": 3}, 10, 10)
    assert size.counts() == {"train": [10] * 5, "val": [10] * 2, "test": [10] * 3}
    snips = builtin.SnipsSpec(train_workers=4, dev_workers=1, test_workers=2, min_hotword=3, max_hotword=5, negatives=0)
    size = builtin.corpus_size(snips)
    assert size == builtin.CorpusSize({"train": 4, "val": 1, "test": 2}, 3, 5)  # dev workers validate
    assert size.counts()["train"] == [3] * 4  # the capacity check counts on the fewest


def _tone_render(u, root):
    """Stands in for ``builtin.render``: a 0.1 s tone where the speech tools' utterance would go."""
    tone = 0.3 * np.sin(np.arange(builtin.SAMPLE_RATE // 10) / 5)
    out = Path(root) / u.out
    out.parent.mkdir(parents=True, exist_ok=True)
    if u.fmt == "sphere":
        sphere.write_timit(out, audio.to_int16(tone), u.utterance_id, builtin.SAMPLE_RATE)
    else:
        audio.write_wav(out, tone, builtin.SAMPLE_RATE)
    return len(tone)


def test_corpus_size_is_what_the_generator_writes_and_the_readers_read(tmp_path, monkeypatch):
    """The prediction against the generator's own plan, read back by the readers the convert rules use;
    the speech tools only fill the files, so a tone stands in for them (seconds, not minutes)."""
    monkeypatch.setattr(builtin, "check_tools", lambda: None)
    monkeypatch.setattr(builtin, "render", _tone_render)
    spec = {"train_speakers": 3, "val_speakers": 2, "test_speakers": 2}
    spec = builtin.TimitSpec(**spec)
    builtin.write_timit(tmp_path / "timit", spec, seed=5)
    val = timit.read_val_list(tmp_path / "timit" / builtin.VAL_LIST)
    rows = timit.assign_splits(timit.scan(tmp_path / "timit", "full"), 0.5, 0, val)
    assert manifest.speaker_counts(rows) == builtin.corpus_size(spec).counts()

    spec = builtin.SnipsSpec(train_workers=3, dev_workers=2, test_workers=2, min_hotword=2, max_hotword=4, negatives=1)
    builtin.write_snips(tmp_path / "snips", spec, seed=5)
    counts = manifest.speaker_counts(snips.scan(tmp_path / "snips", STRICT))
    size = builtin.corpus_size(spec)
    assert {split: len(c) for split, c in counts.items()} == size.speakers
    assert all(size.fewest <= c <= size.most for c in sum(counts.values(), []))


@pytest.mark.parametrize(("name", "spec"), [("timit", builtin.TimitSpec), ("snips", builtin.SnipsSpec)])
def test_spec_fields_are_the_config_sections_keys(name, spec):
    schema = yaml.safe_load((ROOT / "config" / "schema.yaml").read_text())
    keys = schema["properties"]["builtin"]["properties"][name]["properties"]
    assert [f.name for f in dataclasses.fields(spec)] == list(keys)
    assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(spec))  # the schema holds the defaults


def test_specs_give_the_counts_per_split():
    assert builtin.TimitSpec(8, 4, 6).speakers == {"train": 8, "val": 4, "test": 6}
    assert builtin.SnipsSpec(8, 3, 6, 4, 5, 1).workers == {"train": 8, "dev": 3, "test": 6}
