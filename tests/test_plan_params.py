"""Rule parameters from the config (ge2e.plan.params): canonical values, settings left out at their old defaults so
that earlier runs keep their params, and each evaluation set's protocol."""

import pytest
from run_configs import run_config

from ge2e.audio.files import ReadPolicy
from ge2e.errors import InputError
from ge2e.features.frontend import FeatureParams
from ge2e.plan import params
from ge2e.plan.corpora import Corpora
from ge2e.plan.grid import Run
from ge2e.seeds import derive


def test_canonical_values_sort_every_dicts_keys_so_reordering_a_config_changes_no_param():
    value = {"b": [{"z": 1, "a": 2}], "a": {"y": 0, "x": 1}}
    assert repr(params.canonical(value)) == "{'a': {'x': 1, 'y': 0}, 'b': [{'a': 2, 'z': 1}]}"


def test_feature_params_are_the_front_ends_and_settings_at_their_later_default_are_left_out():
    config = run_config()
    assert FeatureParams(**params.feature_params(config)).arithmetic == "portable"
    # What a run of the default front end stores is what it stored before arithmetic, vad and level_dbfs existed.
    later = {"arithmetic", "vad", "level_dbfs"}
    assert list(params.feature_params(config)) == sorted(set(config["features"]["params"]) - later)
    assert params.feature_params(run_config("features: {arithmetic: native}"))["arithmetic"] == "native"
    webrtc = params.feature_params(run_config("features: {params: {vad: webrtc, level_dbfs: -30}}"))
    assert (webrtc["vad"], webrtc["level_dbfs"]) == ("webrtc", -30)


def test_model_settings_leave_the_default_arch_out():
    assert "arch" not in params.model_settings(run_config())
    assert params.model_settings(run_config("model: {arch: resemblyzer}"))["arch"] == "resemblyzer"


def test_the_read_policy_is_the_corpus_sections_and_the_features_rate():
    policy = ReadPolicy(**params.read_policy(run_config("corpus: {channel: mix}")))
    assert (policy.sample_rate, policy.resample, policy.channel, policy.on_bad_file) == (16000, True, "mix", "skip")


def test_capacity_is_what_the_batches_need():
    config = run_config()
    assert params.capacity("tisv", config) == {
        "train_n": 4, "train_m": 4, "eval_n": 3, "copies": 2, "segment": [80, config["features"]["params"]["hop_ms"]]
    }  # fmt: skip


def test_train_params_derive_the_runs_seed_and_leave_unset_settings_out():
    config = run_config()
    got = params.train_params(config, Run("tisv", "default", "step", 3))
    assert got["seed"] == derive(3, "train", "tisv") and got["schedule"] == "step" and got["frames"] == (60, 80)
    assert "max_speakers" not in got and "best_window" not in got and list(got) == sorted(got)
    wider = run_config("train: {tisv: {max_speakers: 6}, best_window: 3}")
    got = params.train_params(wider, Run("tisv", "default", "const", 3))
    assert got["max_speakers"] == 6 and got["best_window"] == 3 and got["step_epochs"] is None


def test_the_optimiser_is_a_train_setting_only_where_it_is_not_sgd():
    """So the rule params of runs made before there was a choice are as they were (Snakemake reruns a job whose
    params change)."""
    assert "optimiser" not in params.train_params(run_config(), Run("tisv", "default", "step", 1))
    adam = run_config("lr_schedules: {const: {type: const, lr: 0.00001, optimiser: adam}}")
    assert params.train_params(adam, Run("tisv", "default", "const", 1))["optimiser"] == "adam"


def test_each_evaluation_set_gets_its_protocol():
    config = run_config("evaluate: {asnorm: {enabled: true, top_k: 5}, trials: {vox: {root: r, trials: t.txt}}}")
    test = params.eval_protocol(config, "tisv", params.TEST_SET)
    assert {"n_speakers", "n_utterances", "repeats", "frames", "bootstrap"} <= set(test)
    assert set(params.eval_protocol(config, "tisv", "dev")) == {"frames", "bootstrap"}  # an external folder
    assert params.eval_protocol(config, "tisv", "vox")["asnorm_top_k"] == 5 and params.asnorm_top_k(config) == 5
    assert "asnorm_top_k" not in params.eval_protocol(run_config(), "tisv", "vox")


def test_trial_list_args_name_the_lists_config_key():
    spec = {"root": "r", "trials": "t.txt", "format": "voxceleb", "enrol": "", "utt2path": "", "download": ""}
    assert params.trial_list_args("vox", spec) == {
        "enrol": "", "fmt": "voxceleb", "key": "evaluate.trials.vox", "root": "r", "trials": "t.txt", "utt2path": ""
    }  # fmt: skip


def test_the_run_summary_has_each_tasks_corpus_and_training():
    config = run_config()
    got = params.run_summary_tasks(config, Corpora(config), ["tisv"])
    train = params.canonical(config["train"]["tisv"])
    assert got == {"tisv": {"copies": 2, "corpus": "built-in synthetic", "train": train}}


def test_external_sets_are_a_folder_or_one_part_of_a_seeded_split_of_its_speakers():
    split = "{split: {val: 2, test: 3}, seed: 7}"
    config = run_config(f"evaluate: {{external: {{dev: /d, so: {{root: /so, speakers: {split}}}, all: {{root: /a}}}}}}")
    sets = params.external_sets(config)
    assert sets["dev"] == {"root": "/d", "speakers": None} == params.external_sets(config)["dev"]
    assert sets["so"] == {"root": "/so", "speakers": {"split": {"val": 2, "test": 3}, "seed": 7, "part": "test"}}
    assert sets["all"] == {"root": "/a", "speakers": None}
    # A plain folder keeps the param it had before splits existed, so its manifest is not made again.
    assert params.external_args(sets["dev"]) == "/d" and params.external_args(sets["so"])["speakers"]["seed"] == 7
    assert params.external_where(sets["dev"]) == "/d"
    assert params.external_where(sets["so"]) == "/so, the test part of its speakers (val 2, test 3 speakers, seed 7)"
    for speakers, message in [
        ("{split: {val: 0}, seed: 7}", r"evaluate\.external\.so\.speakers\.split: both counts are 0, which splits no"),
        ("{split: {val: 1, test: 3}, seed: 7, part: val}", r"evaluate\.external\.so\.speakers: the val part holds 1"),
    ]:
        with pytest.raises(InputError, match=rf"^config key {message}"):
            params.external_sets(run_config(f"evaluate: {{external: {{so: {{root: /so, speakers: {speakers}}}}}}}"))


def test_training_threads_auto_claim_one_core_and_may_grow_to_the_runs_a_number_claims_and_keeps_them():
    assert run_config()["train"]["threads"] == params.AUTO_THREADS  # the default
    assert params.train_threads(run_config(), run_cores=2) == (1, 2)  # side by side; a lone job grows to both
    assert params.train_threads(run_config(), run_cores=16) == (1, 16)
    assert params.train_threads(run_config("train: {threads: 3}"), run_cores=16) == (3, 3)  # as ever
    assert params.train_threads(run_config("train: {threads: 3}"), run_cores=2) == (3, 2)  # Snakemake caps the claim
