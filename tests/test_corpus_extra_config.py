"""The config of extra TI-SV training corpora (ge2e.corpus.extra_config): each entry's reader section from the
schema, with split keys and a second built-in corpus refused, its start-up paths and name under the entry's key."""

import pytest

from ge2e.corpus import extra_config
from ge2e.errors import InputError
from ge2e.schema import defaults

KEY = "corpus.tisv_extra_train"


def test_an_entry_gets_its_formats_defaults_and_is_checked_against_its_section():
    fmt, section = extra_config.section("vox", {"format": "voxceleb", "train_roots": ["/v2"]}, main_builtin=True)
    assert fmt == "voxceleb" and section == {**defaults("corpus.voxceleb"), "train_roots": ["/v2"]}
    assert extra_config.section("synth", {"format": "builtin"}, main_builtin=False) == ("builtin", {})
    errors = [
        ({"format": "timit"}, rf"config key {KEY}\.x\.format is 'timit'; use one of builtin, librispeech, vctk"),
        (
            {"format": "folder", "rot": "/a"},
            rf"config key {KEY}\.x\.rot is not a known key; did you mean {KEY}\.x\.root\?",
        ),
        (
            {"format": "vctk", "mic": "mic3"},
            rf'config key {KEY}\.x\.mic is "mic3"; expected one of mic1, mic2 \(did you',
        ),
        ({"format": "librispeech", "test_subsets": ["test-clean"]}, rf"{KEY}\.x\.test_subsets: an extra training"),
        ({"format": "voxceleb", "test_root": "/v1"}, rf"{KEY}\.x\.test_root: an extra training corpus holds out no"),
        ({"format": "folder", "val_fraction": 0.1}, rf"{KEY}\.x\.val_fraction: .*split them with {KEY}\.x\.speakers"),
        ({"format": "builtin", "root": "/b"}, rf"config key {KEY}\.x: format builtin takes no other key \(got root\)"),
        ({"format": "builtin", "speakers": {}}, rf"config key {KEY}\.x: format builtin takes no other key \(got speak"),
        (
            {"format": "folder", "speakers": {"split": {"test": 2}, "seed": 1, "part": "test"}},
            rf"config key {KEY}\.x\.speakers\.part: an extra training corpus uses every part of its split",
        ),
        (
            {"format": "folder", "speakers": {"split": {"tset": 2}}},
            rf"{KEY}\.x\.speakers\.split\.tset is not a known key; did you mean {KEY}\.x\.speakers\.split\.test\?",
        ),
        (
            {"format": "folder", "speakers": {"split": {"val": -1}}},
            rf"{KEY}\.x\.speakers\.split\.val is -1; expected an integer >= 0",
        ),
        ({"format": "librispeech", "download": True}, rf"config key {KEY}\.x\.download: only the main corpus is"),
    ]
    for entry, message in errors:
        with pytest.raises(InputError, match=message):
            extra_config.section("x", entry, main_builtin=False)
    with pytest.raises(InputError, match=rf"{KEY}\.x: the main TI-SV corpus is the built-in one already"):
        extra_config.section("x", {"format": "builtin"}, main_builtin=True)


def test_start_up_paths_and_names_are_the_entrys():
    _, section = extra_config.section("more", {"format": "folder", "root": "/data/real"}, main_builtin=True)
    assert extra_config.paths("more", "folder", section)[0] == (f"{KEY}.more.root", "/data/real", "folder")
    assert extra_config.paths("synth", "builtin", {}) == []
    assert extra_config.where("folder", section) == "speaker folders at /data/real"
    assert extra_config.where("builtin", {}) == "built-in synthetic TIMIT look-alike"
    _, section = extra_config.section("lib", {"format": "librispeech", "root": "/LS"}, main_builtin=True)
    assert extra_config.where("librispeech", section) == "LibriSpeech at /LS (train-clean-100 + train-clean-360)"


def test_an_entrys_speakers_split_gets_its_defaults_and_is_left_out_where_it_splits_no_one():
    entry = {"format": "folder", "root": "/so", "speakers": {"split": {"test": 25}}}
    fmt, section = extra_config.section("so", entry, main_builtin=True)
    assert section == {
        **defaults("corpus.folder"),
        "root": "/so",
        "speakers": {"split": {"val": 0, "test": 25}, "seed": 0},
    }
    assert extra_config.paths("so", fmt, section) == extra_config.paths("so", fmt, {**section, "speakers": None})
    assert extra_config.where(fmt, section) == (
        "speaker folders at /so, speakers split val 0, test 25 speakers, seed 0: train and val parts"
    )
    nobody = {**entry, "speakers": {"split": {"val": 0, "test": 0}, "seed": 3}}
    unsplit = {key: value for key, value in defaults("corpus.folder").items() if key != "speakers"}
    assert extra_config.section("so", nobody, main_builtin=True)[1] == {**unsplit, "root": "/so"}
