"""Which corpus each task reads (ge2e.plan.corpora): built-in, real, listed or extra corpora from the config, and
the one wording of them the table, the run summary and the report use."""

import pytest
from run_configs import run_config

from ge2e.errors import InputError
from ge2e.plan.corpora import Corpora

BUILT_IN_NOTE = (
    "TD-SV on built-in synthetic Snips look-alike, TI-SV on built-in synthetic TIMIT look-alike (built-in: test "
    "speakers speak in base voices, TTS voices or recorded persons, that no training or validation speaker has, so "
    "the test measures voices the encoder never heard)"
)


def test_the_built_in_corpora_are_rule_outputs_sized_by_their_sections():
    c = Corpora(run_config())  # tiny: TIMIT 8 + 4 + 6 speakers, Snips 8 + 3 + 6 workers of 4-5 keywords
    assert c.is_builtin("tisv") and c.is_builtin("tdsv") and c.listed == {"tisv": None, "tdsv": None}
    assert c.root("tisv") == "results/builtin_corpus/TIMIT" and c.root("tdsv") == "results/builtin_corpus/snips"
    assert c.builtin_section == {"tisv": "builtin.timit", "tdsv": "builtin.snips"}
    assert c.builtin_size["tisv"].speakers == {"train": 8, "val": 4, "test": 6}
    assert c.builtin_settings["snips"]["dev_workers"] == 3
    assert c.timit_val_list() == "results/builtin_corpus/TIMIT/val_speakers.txt"
    assert c.reference_tasks(["tdsv", "tisv"]) == ["tdsv", "tisv"] and c.downloads("tisv") == []
    assert (c.category("tisv"), c.where("tisv")) == ("TI-SV (TIMIT)", "built-in synthetic")
    assert c.note(["tdsv", "tisv"]) == BUILT_IN_NOTE
    assert c.lines() == [
        "TI-SV: built-in synthetic TIMIT look-alike, 8 training, 4 validation and 6 test speakers, 10 utterances each; "
        "the base voices (TTS voice or recorded person) of the three splits are disjoint.",
        "TD-SV: built-in synthetic Snips look-alike, 8 training, 3 validation and 6 test speakers, 4–5 keyword "
        "utterances each; the base voices of the three splits are disjoint.",
    ]


def test_real_timit_and_snips_are_named_with_their_folders(tmp_path):
    c = Corpora(run_config(f"corpus: {{timit_root: {tmp_path}/T, snips_root: {tmp_path}/S, timit_val_speakers: v}}"))
    assert not c.is_builtin("tisv") and c.root("tisv") == f"{tmp_path}/T" and c.timit_val_list() == "v"
    assert c.where("tdsv") == f"{tmp_path}/S"
    assert c.note(["tisv"]) == f"TI-SV on TIMIT at {tmp_path}/T"
    assert c.lines() == [
        f"TI-SV: TIMIT at ``{tmp_path}/T`` (full test set; validation speakers listed in ``v``).",
        f"TD-SV: the Snips keyword set at ``{tmp_path}/S`` (train/dev/test speakers as in its JSON files).",
    ]


def test_a_listed_corpus_is_named_by_its_format_and_waits_for_its_downloads():
    c = Corpora(
        run_config(
            "corpus: {tisv_format: librispeech, librispeech: {root: data/LS, train_subsets: [train-clean-100, mine], "
            "test_subsets: [test-clean], download: true}}"
        )
    )
    assert c.listed == {"tisv": "librispeech", "tdsv": None} and not c.is_builtin("tisv")
    assert "download" not in c.listed_section("tisv") and c.listed_spec("tisv").root == "data/LS"
    name = "LibriSpeech at data/LS (train-clean-100 + mine; test: test-clean)"
    assert c.listed_name("tisv") == name and c.where("tisv") == name
    assert c.category("tisv") == "TI-SV (LibriSpeech)" and c.reference_tasks(["tdsv", "tisv"]) == ["tdsv"]
    # Only what openslr publishes is downloaded; a subset of one's own is read where it is.
    assert c.downloads("tisv") == [
        "results/downloads/librispeech/train-clean-100.done",
        "results/downloads/librispeech/test-clean.done",
    ]
    assert c.lines()[0] == (
        f"TI-SV: {name}, read where it lies (``corpus.tisv_format: librispeech``; test and validation speakers as its "
        "section ``corpus.librispeech`` says)."
    )


def test_extra_training_corpora_are_named_beside_the_main_one(tmp_path):
    c = Corpora(
        run_config(
            f"corpus: {{tisv_format: folder, folder: {{root: {tmp_path}/main}}, "
            f"tisv_extra_train: {{more: {{format: folder, root: {tmp_path}/more}}, synth: {{format: builtin}}}}}}"
        )
    )
    assert c.extra_builtin("synth") and not c.extra_builtin("more")
    names = f"more (speaker folders at {tmp_path}/more), synth (built-in synthetic TIMIT look-alike)"
    assert c.extra_train_names() == names
    assert c.where("tisv") == f"speaker folders at {tmp_path}/main + training speakers of {names}"
    assert c.note(["tisv"]) == f"TI-SV on speaker folders at {tmp_path}/main (+ training speakers of {names})"
    assert c.lines()[1].startswith(f"TI-SV extra training speakers of: {names} (``corpus.tisv_extra_train``;")
    assert c.validation_source("tisv") == f"TI-SV validation speakers of the speaker folders at {tmp_path}/main"


def test_an_extra_corpus_split_by_speakers_validates_too_and_variants_of_a_corpus_are_noted(tmp_path):
    split = "{split: {val: 20, test: 25}, seed: 7}"
    c = Corpora(
        run_config(
            f"corpus: {{tisv_format: folder, folder: {{root: {tmp_path}/main}}, "
            f"tisv_extra_train: {{so: {{format: folder, root: {tmp_path}/so, speakers: {split}}}}}}}"
        )
    )
    assert c.extra_validating() == ["so"]
    assert c.validation_source("tisv") == (
        f"TI-SV validation speakers of the speaker folders at {tmp_path}/main and of the extra corpora so (their "
        "speakers' val part)"
    )
    assert c.extra_train_names() == (
        f"so (speaker folders at {tmp_path}/so, speakers split val 20, test 25 speakers, seed 7: train and val parts)"
    )
    assert c.note(["tisv"], {"word_no": {"corpus.speech_commands.keyword": "no"}}).endswith(
        "; variants reading a corpus of their own: word_no (corpus.speech_commands.keyword 'no')"
    )


def test_an_extra_corpus_wrong_in_itself_is_refused_as_the_corpora_are_read():
    with pytest.raises(
        InputError, match="config key corpus.tisv_extra_train.synth: the main TI-SV corpus is the built-in"
    ):
        Corpora(run_config("corpus: {tisv_extra_train: {synth: {format: builtin}}}"))
