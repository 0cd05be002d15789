"""ge2e.schema: the run's config filled in as Snakemake's validation fills it, every mistake in one line, and the
schema's defaults."""

import copy
import json
from pathlib import Path

import pytest
import yaml
from run_configs import merged, update
from snakemake.utils import validate

from ge2e import schema
from ge2e.features.augment import AugmentParams
from ge2e.features.frontend import FeatureParams


def _filled_without(section):
    """The default config with ``section`` removed, filled in by Snakemake's validation."""
    config = yaml.safe_load((schema.SCHEMA.parent / "config.yaml").read_text())
    *parents, last = section.split(".")
    node = config
    for key in parents:
        node = node[key]
    node.pop(last, None)
    validate(config, str(schema.SCHEMA), set_default=True)
    for key in section.split("."):
        config = config[key]
    return config


@pytest.mark.parametrize("section", ["features.params", "model", "corpus", "builtin.snips"])
def test_defaults_are_what_validation_fills_in(section):
    assert schema.defaults(section) == _filled_without(section)


def test_the_dataclasses_built_from_config_have_no_defaults_of_their_own():
    with pytest.raises(TypeError):
        FeatureParams()
    params = FeatureParams(**schema.defaults("features.params"))
    assert (params.sample_rate, params.n_mels, params.window_ms, params.hop_ms) == (16000, 40, 25.0, 10.0)
    AugmentParams(**copy.deepcopy(schema.defaults("augment.tdsv")))


def test_a_section_null_by_default_is_null_not_its_keys():
    # train.<task>.multireader is an object with keys of its own, off (null) unless a config sets it.
    assert schema.defaults("train.tdsv") == {"max_speakers": None, "init": None, "multireader": None}


def test_unknown_section_is_a_key_error():
    with pytest.raises(KeyError):
        schema.defaults("features.nope")


def test_a_sections_keys_written_elsewhere_are_checked_against_that_section():
    where = "corpus.tisv_extra_train.lib"
    values = {**schema.defaults("corpus.librispeech"), "root": "/LS"}
    schema.check_section(values, "corpus.librispeech", where)
    with pytest.raises(
        schema.InputError, match=rf"^config key {where}\.val_fraction is 1\.5; expected a number > 0 and < 1$"
    ):
        schema.check_section({**values, "val_fraction": 1.5}, "corpus.librispeech", where)
    with pytest.raises(
        schema.InputError, match=rf"^config key {where}\.train_subsets is \[\]; expected a list of at least 1"
    ):
        schema.check_section({**values, "train_subsets": []}, "corpus.librispeech", where)


SHIPPED = sorted(p.name for p in (Path(schema.SCHEMA).parent).glob("*.yaml") if p.name != "schema.yaml")


@pytest.mark.parametrize("name", SHIPPED)
def test_validate_fills_a_shipped_config_as_snakemakes_validation_does(name):
    config = merged(*dict.fromkeys(["config.yaml", name]))
    theirs, ours = copy.deepcopy(config), copy.deepcopy(config)
    validate(theirs, str(schema.SCHEMA), set_default=True)
    assert schema.validate(ours) is ours
    assert json.dumps(ours) == json.dumps(theirs)  # the same values, and the keys in the same order


@pytest.mark.parametrize(
    ("overlay", "line"),
    [
        (
            "corpus: {timit_rooot: x}",
            "config key corpus.timit_rooot (set in mine.yaml) is not a known key; did you mean corpus.timit_root?",
        ),
        (
            "timit_root: x",
            "config key timit_root (set in mine.yaml) is not a known key; did you mean corpus.timit_root?",
        ),
        (
            "train: {tisv: {epoch: 3}}",
            "config key train.tisv.epoch (set in mine.yaml) is not a known key; did you mean train.tisv.epochs?",
        ),
        ("train: {zzz: 3}", "config key train.zzz (set in mine.yaml) is not a known key; train takes device, threads"),
        (
            "train: {threads: two}",
            'config key train.threads (set in mine.yaml) is "two"; expected auto or an integer >= 1',
        ),
        (
            "corpus: {tisv_format: librispeach}",
            'config key corpus.tisv_format (set in mine.yaml) is "librispeach"; '
            "expected one of timit, librispeech, vctk, voxceleb, folder (did you mean librispeech?)",
        ),
        (
            "corpus: {channel: 0}",
            "config key corpus.channel (set in mine.yaml) is 0; expected null or an integer >= 1 or mix",
        ),
        (
            "train: {tisv: {frames: [0, 3]}}",
            "config key train.tisv.frames[0] (set in mine.yaml) is 0; expected an integer >= 1",
        ),
        (
            "augment: {tdsv: {snr_db: [1]}}",
            "config key augment.tdsv.snr_db (set in mine.yaml) is [1]; expected a list of 2 items, each a number",
        ),
        (
            "lr_schedules: {s: {type: step, lr: 0.1}}",
            "config key lr_schedules.s.step_epochs is missing; it is required: an integer >= 1",
        ),
        (
            "evaluate: {external: {test: /x}}",
            "config key evaluate.external.test (set in mine.yaml) is not an allowed "
            'name: names here are a name matching ^[A-Za-z0-9_-]+$ other than "test"',
        ),
        ("corpus: 5", "config key corpus (set in mine.yaml) is 5; expected a mapping"),
    ],
)
def test_a_mistake_is_one_line_naming_the_key_the_file_the_value_and_what_is_allowed(overlay, line):
    layers = [("config/config.yaml", merged("config.yaml")), ("mine.yaml", yaml.safe_load(overlay))]
    config = update(merged("config.yaml"), yaml.safe_load(overlay))
    with pytest.raises(schema.InputError) as caught:
        schema.validate(config, layers)
    assert str(caught.value).startswith(line) and "\n" not in str(caught.value)


def test_the_file_named_is_the_last_that_set_the_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text("train: {threads: 2}\n")
    (tmp_path / "b.yaml").write_text("train: {threads: two}\n")
    layers = schema.layers(["a.yaml", "missing.yaml", tmp_path / "b.yaml"], {"seed": 3})
    assert [name for name, _ in layers] == ["a.yaml", "b.yaml", "--config"]
    assert schema.origin(["train", "threads"], layers) == "b.yaml"
    assert schema.origin(["seed"], layers) == "--config"
    assert schema.origin(["train", "device"], layers) is None


def test_a_definitions_defaults_fill_a_section_written_under_several_keys():
    assert schema.defaults("definitions.speaker_split") == {"split": {"val": 0, "test": 0}, "seed": 0}
    assert schema.defaults("definitions.external_speakers") == {
        "split": {"val": 0, "test": 0},
        "seed": 0,
        "part": "test",
    }
    given = {"split": {"test": 25}, "seed": 7}
    assert schema.filled(given, "definitions.speaker_split") == {"split": {"val": 0, "test": 25}, "seed": 7}
    assert given == {"split": {"test": 25}, "seed": 7}  # not changed in place
    with pytest.raises(schema.InputError, match=r"^config key x\.speakers\.seed is -1; expected an integer >= 0"):
        schema.check_section({"split": {}, "seed": -1}, "definitions.speaker_split", "x.speakers")


def test_the_optimisers_a_schedule_may_name_are_the_trainers():
    from ge2e.train.optimisers import OPTIMISERS, SGD

    raw = yaml.safe_load(schema.SCHEMA.read_text())
    optimiser = raw["properties"]["lr_schedules"]["additionalProperties"]["properties"]["optimiser"]
    assert tuple(optimiser["enum"]) == OPTIMISERS and optimiser["default"] == SGD
