"""The files a job of the grid reads (ge2e.plan.inputs): shards under the roots of the variant and seed that make
them, a run's training set and start, evaluation sets, trial lists and cohorts; a path no run owns is one error."""

from types import SimpleNamespace as Wildcards

import pytest
from run_configs import run_config

from ge2e.errors import InputError
from ge2e.plan import grid
from ge2e.plan.inputs import Inputs


def inputs(*layers, trials=None, asnorm=None):
    config = run_config(*layers)
    variants = grid.checked_variants(config)
    return Inputs(grid.Grid(config, variants), variants, trials or {}, asnorm)


def test_a_plain_runs_shards_training_set_and_evaluation_sets():
    files = inputs("features: {shards: 2}")
    run = Wildcards(root="results", task="tisv", schedule="const")
    split = "train_aug" if files.grid.augments("tisv", "default") else "train"  # augmented where the config says so
    assert files.train_shards(run) == [f"results/tisv/features/{split}/0.npz", f"results/tisv/features/{split}/1.npz"]
    assert files.val_shards(run) == ["results/tisv/features/val/0.npz", "results/tisv/features/val/1.npz"]
    assert files.train_start(run) == [] and files.multireader_shards(run) == [] and files.train_gpus(run) == 0
    test = Wildcards(root="results", task="tdsv", evalset="test")
    assert files.eval_features(test) == ["results/tdsv/features/test/0.npz", "results/tdsv/features/test/1.npz"]
    assert files.eval_features(Wildcards(root="results", task="tdsv", evalset="calls")) == (
        "results/external/calls/features.npz"
    )
    assert files.trial_files(test) == [] and files.cohort_features(test) == []


def test_a_start_a_second_source_a_trial_list_and_its_cohort():
    files = inputs(
        "train: {tdsv: {init: tisv, multireader: {source: tisv, weight: 0.5}}}",
        trials={"vox": {}},
        asnorm=4,
    )
    run = Wildcards(root="results", task="tdsv", schedule="step")
    assert files.train_start(run) == ["results/tisv/step/best.pt"]
    assert files.multireader_shards(run)[0].startswith("results/tisv/features/train")
    listed = Wildcards(root="results", task="tisv", evalset="vox")
    assert files.trial_files(listed) == ["results/external/vox/trials.tsv", "results/external/vox/enrol.tsv"]
    assert files.cohort_features(listed)[0] == "results/tisv/features/train/0.npz"


def test_a_path_no_run_owns_raises_the_error_it_was_given():
    class Stop(Exception):
        pass

    class Grid:  # a variant that trains exactly as another: its root owns no run
        def run_at(self, root, task, schedule):
            raise InputError(f"{root}/{task}/{schedule}: variant x trains this exactly as the run in results does")

    with pytest.raises(Stop, match="^results/variants/x/tisv/const: variant x trains this exactly as"):
        Inputs(Grid(), {}, {}, None, error=Stop).grid_run(
            Wildcards(root="results/variants/x", task="tisv", schedule="const")
        )
