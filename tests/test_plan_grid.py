"""The experiment grid (ge2e.plan.grid): variants merged and checked, seeds, roots, and each stage made once."""

import copy

import pytest
import yaml

from ge2e.errors import InputError
from ge2e.plan import grid as experiments
from ge2e.schema import defaults

BASE = {
    "seed": 7,
    "features": {"shards": 2, "params": defaults("features.params")},
    "augment": {
        "tdsv": {**defaults("augment.tdsv"), "noise_copies": 1},
        "tisv": {**defaults("augment.tisv"), "noise_copies": 1},
    },
    "model": {"hidden": 32, "layers": 1, "proj": 16},
    "train": {
        "momentum": 0.9,
        "threads": 1,
        "tdsv": {"n_speakers": 4, "n_utterances": 4, "frames": [40, 60], "epochs": 3},
        "tisv": {"n_speakers": 4, "n_utterances": 4, "frames": [60, 80], "epochs": 3},
    },
    "lr_schedules": {"const": {"type": "const", "lr": 0.01}, "step": {"type": "step", "lr": 0.01, "step_epochs": 2}},
    "evaluate": {},
}


def config(variants=None, seeds=(), tasks=("tdsv", "tisv"), schedules=()):
    out = copy.deepcopy(BASE)
    out["experiments"] = {"seeds": list(seeds), "variants": variants or {}, "tasks": list(tasks)}
    out["experiments"]["schedules"] = list(schedules)
    return out


def grid(**kwargs):
    cfg = config(**kwargs)
    return experiments.Grid(cfg, experiments.variants(cfg))


def test_merge_is_deep_and_leaves_the_base_alone():
    base = {"train": {"momentum": 0.9, "tisv": {"epochs": 3, "frames": [60, 80]}}, "model": {"hidden": 8}}
    merged = experiments.merge(base, {"train": {"tisv": {"epochs": 9}}, "model": {"hidden": 16}})
    assert merged == {"train": {"momentum": 0.9, "tisv": {"epochs": 9, "frames": [60, 80]}}, "model": {"hidden": 16}}
    assert base["train"]["tisv"]["epochs"] == 3


def test_variants_are_the_base_with_their_overrides_default_first():
    found = experiments.variants(config({"mom0": {"train": {"momentum": 0.0}}, "wide": {"model": {"hidden": 64}}}))
    assert list(found) == ["default", "mom0", "wide"]
    assert found["default"]["train"]["momentum"] == 0.9 and "experiments" not in found["default"]
    assert found["mom0"]["train"]["momentum"] == 0.0 and found["mom0"]["model"] == BASE["model"]
    assert found["wide"]["model"] == {"hidden": 64, "layers": 1, "proj": 16}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"bad": {"evaluate": {"repeats": 2}}}, "experiments.variants.bad.evaluate: a variant may change only train"),
        ({"bad": {"seed": 3}}, "experiments.variants.bad.seed: a variant may change only"),
        (
            {"bad": {"features": {"params": {"sample_rate": 8000}}}},
            "experiments.variants.bad.features.params.sample_rate: a variant cannot change it",
        ),
        (
            {"bad": {"lr_schedules": {"fast": {"lr": 0.1}}}},
            "experiments.variants.bad.lr_schedules.fast: not a schedule",
        ),
        ({"default": {"train": {"momentum": 0.0}}}, "experiments.variants.default: 'default' is the base config"),
    ],
)
def test_overrides_a_variant_cannot_make_are_refused_naming_the_key(overrides, message):
    with pytest.raises(InputError, match=message.replace(".", r"\.").replace("(", r"\(")):
        experiments.variants(config(overrides))


def test_seeds_default_to_the_runs_seed_and_roots_mirror_results():
    assert experiments.seeds(config()) == [7] and experiments.seeds(config(seeds=[1, 2])) == [1, 2]
    assert experiments.root("default", 7, 7) == "results" and experiments.root("default", None, 7) == "results"
    assert experiments.root("default", 2, 7) == "results/seed2"
    assert experiments.root("mom0", 7, 7) == "results/variants/mom0"
    assert experiments.root("mom0", 2, 7) == "results/variants/mom0/seed2"


def test_the_default_experiment_is_todays_run():
    g = grid()
    assert g.variants == ["default"] and g.seeds == [7] and g.schedules == ["const", "step"]
    assert g.roots_of("features") == g.roots_of("augment") == g.roots_of("train") == ["results"]
    assert g.run_root("tisv", "default", "const", 7) == g.init_root("tisv", "default", 7) == "results"
    assert g.own_inits() == g.own_features() == ["default"]


def test_a_training_variant_reuses_the_defaults_data_and_trains_each_seed():
    g = grid(variants={"mom0": {"train": {"momentum": 0.0}}}, seeds=[1, 2])
    assert g.features_root("mom0") == g.data_root("tisv", "mom0") == "results"
    assert g.roots_of("features") == g.roots_of("augment") == ["results"]
    assert len(g.runs()) == 2 * 2 * 2 * 2  # tasks x variants x schedules x seeds
    assert g.run_root("tdsv", "mom0", "step", 2) == "results/variants/mom0/seed2"
    assert g.run_root("tdsv", "default", "step", 2) == "results/seed2"
    # Momentum does not touch the start: mom0 starts from the default's untrained encoder, seed by seed.
    assert g.init_root("tisv", "mom0", 1) == "results/seed1" and g.own_inits() == ["default"]
    assert g.run_at("results/variants/mom0/seed1", "tisv", "const").variant == "mom0"


def test_each_stage_runs_once_per_distinct_settings():
    variants = {
        "noaug_ti": {"augment": {"tisv": {"noise_copies": 0}}},  # TI-SV without augmentation, TD-SV as default
        "raw": {"features": {"params": {"normalise": "none"}}},
        "raw2": {"features": {"params": {"normalise": "none"}}, "train": {"momentum": 0.5}},
        "slow": {"lr_schedules": {"step": {"lr": 0.001}}},
    }
    g = grid(variants=variants)
    # No augmentation: the TI-SV train split of the default's features; TD-SV: the default's augmented shards.
    assert not g.augments("tisv", "noaug_ti") and g.data_root("tisv", "noaug_ti") == "results"
    assert g.run_root("tisv", "noaug_ti", "const", 7) == "results/variants/noaug_ti"
    assert g.run_root("tdsv", "noaug_ti", "const", 7) == "results" and not g.owns("tdsv", "noaug_ti", "const")
    # Other features: made once, under the first variant that has them, with their own augmented shards.
    assert g.features_root("raw") == g.features_root("raw2") == "results/variants/raw"
    assert g.data_root("tdsv", "raw2") == "results/variants/raw" and g.own_features() == ["default", "raw"]
    assert g.roots_of("augment") == ["results", "results/variants/raw"]
    # raw2 starts where raw does; it trains its own runs (other momentum).
    assert g.init_root("tisv", "raw2", 7) == "results/variants/raw" and g.own_inits() == ["default", "noaug_ti", "raw"]
    assert g.run_root("tisv", "raw2", "const", 7) == "results/variants/raw2"
    # Another step schedule: only the step runs are new.
    assert g.run_root("tisv", "slow", "const", 7) == "results" and g.owns("tisv", "slow", "step")
    with pytest.raises(InputError, match="results/variants/slow/tisv/const: variant slow trains this exactly"):
        g.run_at("results/variants/slow", "tisv", "const")


def test_a_variant_may_read_its_own_td_sv_keyword_with_its_own_manifest_features_and_training():
    speech_commands = {"tdsv_format": "speech_commands", "speech_commands": {"root": "/sc", "keyword": "yes"}}
    cfg = config({"word_no": {"corpus": {"speech_commands": {"keyword": "no"}}}}, seeds=[1, 2])
    cfg["corpus"] = speech_commands
    g = experiments.Grid(cfg, experiments.variants(cfg))
    assert g.corpus_changes() == {"word_no": {"corpus.speech_commands.keyword": "no"}}
    # TD-SV: a manifest, features, augmented shards, untrained encoder and runs of its own.
    assert (
        g.corpus_root("tdsv", "word_no") == "results/variants/word_no" and g.corpus_root("tdsv", "default") == "results"
    )
    assert g.features_root("word_no", "tdsv") == g.data_root("tdsv", "word_no") == "results/variants/word_no"
    assert (
        g.init_root("tdsv", "word_no", 2)
        == g.run_root("tdsv", "word_no", "const", 2)
        == "results/variants/word_no/seed2"
    )
    # TI-SV and the external sets: the default's, trained once.
    assert (
        g.corpus_root("tisv", "word_no")
        == g.features_root("word_no", "tisv")
        == g.features_root("word_no")
        == "results"
    )
    assert g.run_root("tisv", "word_no", "const", 1) == "results/seed1" and not g.owns("tisv", "word_no", "const")
    assert g.roots_of("corpus") == g.roots_of("features") == ["results", "results/variants/word_no"]
    assert g.own_features() == ["default", "word_no"] and len(g.runs()) == (2 + 1) * 2 * 2  # TD-SV twice, TI-SV once
    # Where no variant changes the corpus, nothing moves (a config without a corpus section reads the default's).
    assert experiments.corpus_settings(cfg, "tisv") == [] and experiments.corpus_settings(config(), "tdsv") == [None]
    assert grid().corpus_changes() == {} and grid().roots_of("corpus") == ["results"]


@pytest.mark.parametrize(
    ("overrides", "tdsv_format", "message"),
    [
        ({"corpus": {"speech_commands": {"root": "/other"}}}, "speech_commands", "speech_commands.root: of the corpus"),
        ({"corpus": {"tisv_format": "folder"}}, "speech_commands", "tisv_format: of the corpus a variant may change"),
        ({"corpus": {"speech_commands": {"keyword": "no"}}}, "snips", "speech_commands.keyword: the TD-SV corpus is"),
    ],
)
def test_a_variant_changes_no_other_key_of_the_corpus(overrides, tdsv_format, message):
    cfg = config({"bad": overrides})
    cfg["corpus"] = {"tdsv_format": tdsv_format, "speech_commands": {"root": "/sc", "keyword": "yes"}}
    with pytest.raises(InputError, match=f"config key experiments.variants.bad.corpus.{message}".replace(".", r"\.")):
        experiments.variants(cfg)


def test_tasks_and_schedules_narrow_the_grid():
    g = grid(variants={"mom0": {"train": {"momentum": 0.0}}}, tasks=["tisv"], schedules=["const"], seeds=[1, 2, 3])
    assert g.tasks == ["tisv"] and g.schedules == ["const"] and len(g.runs()) == 2 * 3
    with pytest.raises(InputError, match="experiments.schedules: 'fast' is not a schedule"):
        grid(schedules=["fast"])


def test_the_sweep_config_is_a_grid_of_training_variants(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "config"
    sweep = yaml.safe_load((root / "tisv_sweep.yaml").read_text())
    cfg = config(sweep["experiments"]["variants"], seeds=sweep["experiments"]["seeds"], tasks=["tisv"])
    cfg["experiments"]["schedules"] = sweep["experiments"]["schedules"]
    g = experiments.Grid(cfg, experiments.variants(cfg))
    assert len(g.variants) > 10 and g.tasks == ["tisv"]
    assert g.roots_of("features") == ["results"]  # no variant of the sweep changes the features


def test_each_variants_merged_config_is_checked_against_the_schema():
    from run_configs import run_config

    ok = experiments.checked_variants(run_config("experiments: {variants: {mom0: {train: {momentum: 0.0}}}}"))
    assert list(ok) == ["default", "mom0"]
    with pytest.raises(
        InputError, match=r'config key experiments\.variants\.fast\.train\.momentum is "high"; expected a number >= 0$'
    ):
        experiments.checked_variants(run_config("experiments: {variants: {fast: {train: {momentum: high}}}}"))


def test_report_labels_name_a_variant_and_a_seed_only_where_there_are_several():
    assert grid().labels("results") == {}
    g = grid(variants={"mom0": {"train": {"momentum": 0.0}}}, seeds=[7, 2])
    assert g.labels("results/variants/mom0/seed2") == {"variant": "mom0", "seed": "2"}
    assert g.labels("results") == {"variant": "default", "seed": "7"}  # the run's seed: its own root
    assert g.labels("results/variants/mom0", seeded=False) == {"variant": "mom0", "seed": "none"}


def test_the_keyword_family_is_the_default_and_the_variants_that_change_the_keyword_alone():
    words = {w: {"corpus": {"speech_commands": {"keyword": w}}} for w in ("no", "up")}
    other = {"corpus": {"speech_commands": {"keyword": "down"}}, "train": {"momentum": 0}}
    cfg = config({"word_no": words["no"], "mom0": {"train": {"momentum": 0}}, "word_up": words["up"], "down0": other})
    cfg["corpus"] = {"tdsv_format": "speech_commands", "speech_commands": {"root": "/sc", "keyword": "yes"}}
    family = experiments.Grid(cfg, experiments.variants(cfg)).keyword_family()
    # Another learning rate is another recipe (down0), and mom0 reads the default's keyword: neither is averaged.
    assert family == ("tdsv", {"default": "yes", "word_no": "no", "word_up": "up"})
    tisv_only = config({"word_no": words["no"]}, tasks=("tisv",))
    tisv_only["corpus"] = cfg["corpus"]
    assert experiments.Grid(tisv_only, experiments.variants(tisv_only)).keyword_family() is None
    assert (
        grid(variants={"mom0": {"train": {"momentum": 0}}}).keyword_family() is None and grid().keyword_family() is None
    )
