"""config/real-speech.yaml, config/real-speech-arabic.yaml and the latter's ablations plan on the team's real speech
(no test runs them: about an hour each on 2 cores); the tiny equivalents of what they use run in test_pipeline and
test_grid. The stated speaker splits of the recipe are checked on the real folders."""

import os

import yaml
from run_configs import ROOT
from workflow_run import REAL_SPEECH, copy_workflow, job_counts, require_real_speech, snakemake

from ge2e.corpus import formats, speaker_split, speech_commands
from ge2e.schema import defaults

RECIPE = "config/real-speech.yaml"

ARABIC = "config/real-speech-arabic.yaml"
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


def test_the_recipe_plans_every_real_voice_an_encoder_per_keyword_and_starts_from_the_imported_encoder(tmp_path):
    jobs = planned(tmp_path, RECIPE)
    # speechocean762 split by speaker (its test split the first test set); LibriSpeech test-other an external set.
    assert jobs["convert_tisv"] == jobs["convert_external"] == 1 and "convert_extra" not in jobs
    assert jobs["convert_tdsv"] == 4  # a manifest per keyword: yes (default), no, up, down
    # TI-SV once; TD-SV per keyword, and on "yes"
    # from the imported encoder, with MultiReader, from scratch and without pseudo-speakers; three seeds, one schedule.
    assert jobs["train"] == (1 + 4 + 4) * 3
    assert jobs["import_encoder"] == 1  # Resemblyzer's weights, read from the installed package
    assert "builtin_corpus" not in jobs and "ablation" in jobs


def test_the_recipes_stated_splits_on_the_real_folders():
    so762 = require_real_speech(REAL_SPEECH / "speechocean762" / "WAVE")
    part_of = speaker_split.split([p.name for p in so762.iterdir() if p.is_dir()], val=20, test=25, seed=7)
    assert sorted(part_of.values()).count("train") == 80 and len(part_of) == 125
    # The folder reader's split of the recipe is that rule's.
    recipe = yaml.safe_load((ROOT / RECIPE).read_text())["corpus"]["folder"]
    spec = formats.spec("folder", {**defaults("corpus.folder"), **recipe, "root": str(so762)})
    assert spec.speaker_split().parts(list(part_of), "k") == part_of
    root = require_real_speech(REAL_SPEECH / "speech-commands")
    section = {**defaults("corpus.speech_commands"), "root": str(root), "keyword": "yes"}
    spec = formats.spec("speech_commands", {**section, "speakers": {"split": {"val": 24, "test": 24}, "seed": 7}})
    parts = spec.speaker_split().parts(speech_commands.keyword_speakers(spec), "k")
    assert len(parts) == 120 and sorted(parts.values()).count("train") == 72


def test_the_arabic_recipe_plans_both_real_corpora_three_seeds_one_schedule(tmp_path):
    jobs = planned(tmp_path, ARABIC)
    assert jobs["convert_tisv"] == jobs["convert_tdsv"] == 1  # LibriSpeech and the Arabic keyword, as published
    assert jobs["train"] == 2 * 3  # tasks x seeds, the step schedule only
    assert "builtin_corpus" not in jobs and "convert_extra" not in jobs


def test_the_ablation_plans_its_variants_on_the_arabic_recipes_ti_sv_data(tmp_path):
    ablation = planned(tmp_path, ARABIC, ABLATION)
    assert ablation["train"] == 5 * 3  # TI-SV only: the recipe and four variants, three seeds each
    assert ablation["ablation"] == 1 and "convert_tdsv" not in ablation
    # One set of TI-SV features and augmented shards (augment reads the training audio itself): no variant
    # changes features or augmentation.
    assert ablation["features"] == 2 * 4 and ablation["augment"] == 4  # val and test x 4 shards; training x 4


def test_the_ingredients_plan_their_variants_on_the_arabic_recipes_ti_sv_data(tmp_path):
    jobs = planned(tmp_path, ARABIC, INGREDIENTS)
    assert jobs["train"] == 5 * 3  # the recipe and four variants, three seeds each
    assert jobs["ablation"] == 1 and "convert_tdsv" not in jobs
    # no_augment trains on the plain training shards: features of all three splits, the recipe's augmented ones.
    assert jobs["features"] == 3 * 4 and jobs["augment"] == 4
