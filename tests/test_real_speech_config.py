"""config/real-speech.yaml and its ablations plan on the team's real speech (no test runs them: about an hour each
on 2 cores); the tiny equivalents of what they use run in test_pipeline and test_grid."""

import os

from workflow_run import REAL_SPEECH, copy_workflow, job_counts, require_real_speech, snakemake

RECIPE = "config/real-speech.yaml"
ABLATION = "config/real-speech-ablation.yaml"
INGREDIENTS = "config/real-speech-ingredients.yaml"


def planned(tmp_path, *configs):
    """{rule: jobs} of a dry run of ``configs`` in a copy of the workflow that has ../shared beside it, as a clone
    in the team's workspace does."""
    require_real_speech(REAL_SPEECH)
    if not (tmp_path / "shared").exists():
        (tmp_path / "repo").mkdir()
        copy_workflow(tmp_path / "repo")
        os.symlink(REAL_SPEECH.parent, tmp_path / "shared")
    proc = snakemake(tmp_path / "repo", "-n", config=list(configs))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return job_counts(proc.stdout + proc.stderr)


def test_the_recipe_plans_both_real_corpora_three_seeds_one_schedule(tmp_path):
    jobs = planned(tmp_path, RECIPE)
    assert jobs["convert_tisv"] == jobs["convert_tdsv"] == 1  # LibriSpeech and the Arabic keyword, as published
    assert jobs["train"] == 2 * 3  # tasks x seeds, the step schedule only
    assert "builtin_corpus" not in jobs


def test_the_ablation_plans_its_variants_on_the_recipes_ti_sv_data(tmp_path):
    ablation = planned(tmp_path, RECIPE, ABLATION)
    assert ablation["train"] == 5 * 3  # TI-SV only: the recipe and four variants, three seeds each
    assert ablation["ablation"] == 1 and "convert_tdsv" not in ablation
    # One set of TI-SV features and augmented shards (augment reads the training audio itself): no variant
    # changes features or augmentation.
    assert ablation["features"] == 2 * 4 and ablation["augment"] == 4  # val and test x 4 shards; training x 4


def test_the_ingredients_plan_their_variants_on_the_recipes_ti_sv_data(tmp_path):
    jobs = planned(tmp_path, RECIPE, INGREDIENTS)
    assert jobs["train"] == 5 * 3  # the recipe and four variants, three seeds each
    assert jobs["ablation"] == 1 and "convert_tdsv" not in jobs
    # no_augment trains on the plain training shards: features of all three splits, the recipe's augmented ones.
    assert jobs["features"] == 3 * 4 and jobs["augment"] == 4
