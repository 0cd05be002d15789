"""The built-in corpus's layouts (ge2e.builtin.layouts): specs and sizes, and what the generator writes is what the
readers read."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml
from audio_files import STRICT

from ge2e.audio import files as audio
from ge2e.audio import sphere
from ge2e.builtin import effects, layouts
from ge2e.corpus import manifest, snips, timit

ROOT = Path(__file__).resolve().parents[1]


def test_corpus_size_answers_capacity_questions():
    spec = {"train_speakers": 5, "val_speakers": 2, "test_speakers": 3}
    size = layouts.corpus_size(layouts.TimitSpec(**spec))
    assert size == layouts.CorpusSize({"train": 5, "val": 2, "test": 3}, 10, 10)
    assert size.counts() == {"train": [10] * 5, "val": [10] * 2, "test": [10] * 3}
    snips = layouts.SnipsSpec(train_workers=4, dev_workers=1, test_workers=2, min_hotword=3, max_hotword=5, negatives=0)
    size = layouts.corpus_size(snips)
    assert size == layouts.CorpusSize({"train": 4, "val": 1, "test": 2}, 3, 5)  # dev workers validate
    assert size.counts()["train"] == [3] * 4  # the capacity check counts on the fewest


def _tone_render(u, root):
    """Stands in for ``ge2e.builtin.effects.render``: a 0.1 s tone where the speech tools' utterance would go."""
    tone = 0.3 * np.sin(np.arange(effects.SAMPLE_RATE // 10) / 5)
    out = Path(root) / u.out
    out.parent.mkdir(parents=True, exist_ok=True)
    if u.fmt == "sphere":
        sphere.write_timit(out, audio.to_int16(tone), u.utterance_id, effects.SAMPLE_RATE)
    else:
        audio.write_wav(out, tone, effects.SAMPLE_RATE)
    return len(tone)


def test_corpus_size_is_what_the_generator_writes_and_the_readers_read(tmp_path, monkeypatch):
    """The prediction against the generator's own plan, read back by the readers the convert rules use;
    the speech tools only fill the files, so a tone stands in for them (seconds, not minutes)."""
    monkeypatch.setattr(layouts, "check_tools", lambda: None)
    monkeypatch.setattr(effects, "render", _tone_render)
    spec = {"train_speakers": 3, "val_speakers": 2, "test_speakers": 2}
    spec = layouts.TimitSpec(**spec)
    layouts.write_timit(tmp_path / "timit", spec, seed=5)
    val = timit.read_val_list(tmp_path / "timit" / layouts.VAL_LIST)
    rows = timit.assign_splits(timit.scan(tmp_path / "timit", "full"), 0.5, 0, val)
    assert manifest.speaker_counts(rows) == layouts.corpus_size(spec).counts()

    spec = layouts.SnipsSpec(train_workers=3, dev_workers=2, test_workers=2, min_hotword=2, max_hotword=4, negatives=1)
    layouts.write_snips(tmp_path / "snips", spec, seed=5)
    counts = manifest.speaker_counts(snips.scan(tmp_path / "snips", STRICT))
    size = layouts.corpus_size(spec)
    assert {split: len(c) for split, c in counts.items()} == size.speakers
    assert all(size.fewest <= c <= size.most for c in sum(counts.values(), []))


@pytest.mark.parametrize(("name", "spec"), [("timit", layouts.TimitSpec), ("snips", layouts.SnipsSpec)])
def test_spec_fields_are_the_config_sections_keys(name, spec):
    schema = yaml.safe_load((ROOT / "config" / "schema.yaml").read_text())
    keys = schema["properties"]["builtin"]["properties"][name]["properties"]
    assert [f.name for f in dataclasses.fields(spec)] == list(keys)
    assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(spec))  # the schema holds the defaults


def test_specs_give_the_counts_per_split():
    assert layouts.TimitSpec(8, 4, 6).speakers == {"train": 8, "val": 4, "test": 6}
    assert layouts.SnipsSpec(8, 3, 6, 4, 5, 1).workers == {"train": 8, "dev": 3, "test": 6}
