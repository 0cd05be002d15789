"""ge2e.schema: the schema's defaults, equal to what Snakemake's validation fills in."""

import copy

import pytest
import yaml
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


def test_unknown_section_is_a_key_error():
    with pytest.raises(KeyError):
        schema.defaults("features.nope")


def test_a_sections_keys_written_elsewhere_are_checked_against_that_section():
    where = "corpus.tisv_extra_train.lib"
    values = {**schema.defaults("corpus.librispeech"), "root": "/LS"}
    schema.check_section(values, "corpus.librispeech", where)
    with pytest.raises(schema.InputError, match=rf"^config key {where}\.val_fraction: 1\.5 is greater than or equal"):
        schema.check_section({**values, "val_fraction": 1.5}, "corpus.librispeech", where)
    with pytest.raises(schema.InputError, match=rf"^config key {where}\.train_subsets: \[\] should be non-empty"):
        schema.check_section({**values, "train_subsets": []}, "corpus.librispeech", where)


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
    with pytest.raises(schema.InputError, match=r"^config key x\.speakers\.seed: -1 is less than the minimum of 0"):
        schema.check_section({"split": {}, "seed": -1}, "definitions.speaker_split", "x.speakers")
