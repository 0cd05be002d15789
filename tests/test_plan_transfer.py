"""What a training run takes besides its own data (ge2e.plan.transfer): train.<task>.init and .multireader refused at
start-up where the run cannot do what they say, the checkpoint and second source each run gets, the grid's sharing
of runs and the start row's label (tests/test_pipeline.py sees the same through Snakemake)."""

import re

import pytest
import torch
from run_configs import run_config
from snakemake.exceptions import WorkflowError

from ge2e.errors import InputError
from ge2e.plan import grid, transfer
from ge2e.plan.grid import Run
from ge2e.plan.params import feature_params
from ge2e.systems import systems


def planned(*layers):
    """(config, variants, grid) of the tiny config with ``layers``, as common.smk builds them."""
    config = run_config(*layers)
    variants = grid.checked_variants(config)
    return config, variants, grid.Grid(config, variants)


def refused(message, *layers):
    with pytest.raises(InputError, match=re.escape(message)):
        config, variants, plan = planned(*layers)
        transfer.check_files(variants, plan.tasks)


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (
            "train: {tdsv: {init: tisv}}\nexperiments: {tasks: [tdsv]}",
            "config key train.tdsv.init: 'tisv' starts TD-SV from this run's TI-SV best.pt, but the run does not "
            "train tisv (experiments.tasks: ['tdsv']); add it there, or name a checkpoint file",
        ),
        ("train: {tisv: {init: tisv}}", "config key train.tisv.init: 'tisv' is this task itself"),
        (
            "train: {tisv: {init: tdsv}, tdsv: {init: tisv}}",
            "config key train.tdsv.init: 'tisv' and train.tisv.init: 'tdsv' start each task from the other",
        ),
        (
            "train: {tdsv: {multireader: {source: tisv, weight: 1.0}}}\nexperiments: {tasks: [tdsv]}",
            "config key train.tdsv.multireader.source: 'tisv' is not trained by the run",
        ),
        (
            "train: {tdsv: {multireader: {source: tdsv, weight: 1.0}}}",
            "config key train.tdsv.multireader.source: 'tdsv' is this task itself",
        ),
        (
            "experiments: {variants: {warm: {train: {tdsv: {init: tisv}}}}, tasks: [tdsv]}",
            "config key experiments.variants.warm.train.tdsv.init: 'tisv' starts TD-SV",
        ),
        ("train: {tdsv: {init: /no/such/best.pt}}", "config key train.tdsv.init: '/no/such/best.pt' is not a file"),
    ],
)
def test_what_the_run_cannot_do_is_refused_in_one_line_naming_the_key(layer, message):
    refused(message, layer)


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ("train: {tdsv: {multireader: {source: tisv, weight: -0.5}}}", "weight is -0.5; expected a number >= 0"),
        ("train: {tdsv: {multireader: {source: voxceleb, weight: 1}}}", 'source is "voxceleb"; expected one of tdsv'),
        ("train: {tdsv: {multireader: {source: tisv}}}", "weight is missing; it is required: a number >= 0"),
        ("train: {tdsv: {init: ''}}", 'init is ""; expected null or a non-empty string'),
    ],
)
def test_the_schema_refuses_a_negative_weight_an_unknown_source_and_an_empty_init(layer, message):
    with pytest.raises((WorkflowError, InputError), match=re.escape(message)):
        run_config(layer)


def write_checkpoint(path, cfg, **changes):
    """A checkpoint with the model size and features of config ``cfg``, ``changes`` made to them."""
    model = {"n_mels": cfg["features"]["params"]["n_mels"], **cfg["model"], **changes.get("model", {})}
    torch.save({"model_config": model, "feature_params": {**feature_params(cfg), **changes.get("features", {})}}, path)
    return str(path)


def test_a_checkpoint_file_must_have_the_runs_model_size_and_features(tmp_path):
    cfg = run_config()
    good = write_checkpoint(tmp_path / "good.pt", cfg)
    transfer.check_files({"default": run_config(f"train: {{tdsv: {{init: {good}}}}}")}, ["tdsv", "tisv"])
    wide = write_checkpoint(tmp_path / "wide.pt", cfg, model={"proj": 256})
    refused(
        f"config key train.tdsv.init: {wide} has model proj 256, the run's model has proj 16",
        f"train: {{tdsv: {{init: {wide}}}}}",
    )
    hop = write_checkpoint(tmp_path / "hop.pt", cfg, features={"hop_ms": 12.5})
    refused(
        f"config key experiments.variants.ft.train.tisv.init: {hop} has features hop_ms 12.5, the run's features "
        "have hop_ms 10.0",
        f"experiments: {{variants: {{ft: {{train: {{tisv: {{init: {hop}}}}}}}}}}}",
    )
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"junk")
    refused(f"config key train.tdsv.init: {junk}:", f"train: {{tdsv: {{init: {junk}}}}}")


def test_a_checkpoint_the_run_makes_under_results_is_not_asked_for_at_start_up(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a clean run folder: a results/ of an earlier run here would be checked
    config, variants, plan = planned("train: {tdsv: {init: results/tisv/const/best.pt}}")
    transfer.check_files(variants, plan.tasks)
    assert transfer.init_path(plan, config, Run("tdsv", "default", "const", 7)) == "results/tisv/const/best.pt"


def test_a_task_starts_from_the_other_tasks_best_checkpoint_of_its_variant_schedule_and_seed():
    config, variants, plan = planned(
        "train: {tdsv: {init: tisv}}\nexperiments: {seeds: [7, 8], variants: {long: {train: {tisv: {epochs: 9}}}}}"
    )
    path = transfer.init_path
    assert path(plan, config, Run("tdsv", "default", "step", 7)) == "results/tisv/step/best.pt"
    assert path(plan, config, Run("tdsv", "default", "const", 8)) == "results/seed8/tisv/const/best.pt"
    long = variants["long"]
    assert path(plan, long, Run("tdsv", "long", "const", 8)) == "results/variants/long/seed8/tisv/const/best.pt"
    # TD-SV of the variant that trains TI-SV longer starts elsewhere: it is a run of its own, with a start of its own.
    assert plan.run_root("tdsv", "long", "const", 7) == "results/variants/long"
    assert plan.own_inits() == ["default", "long"]
    assert plan.starts() == {
        "default": {"tdsv": "TI-SV const lr best.pt"},
        "long": {"tdsv": "TI-SV const lr best.pt"},
    }
    assert transfer.train_params(plan, config, Run("tdsv", "default", "const", 7)) == {
        "init": {"from": "tisv", "path": "results/tisv/const/best.pt"}
    }
    assert transfer.train_params(plan, config, Run("tisv", "default", "const", 7)) == {}


def test_without_them_a_variant_changing_ti_sv_shares_td_sv_and_no_param_is_added():
    config, variants, plan = planned("experiments: {variants: {long: {train: {tisv: {epochs: 9}}}}}")
    assert plan.run_root("tdsv", "long", "const", 7) == "results"
    assert plan.starts() == {}
    assert transfer.train_params(plan, config, Run("tdsv", "default", "const", 7)) == {}


def test_multireader_at_weight_0_is_none_a_variant_with_it_shares_the_defaults_runs():
    config, variants, plan = planned(
        "experiments: {variants: {"
        "zero: {train: {tdsv: {multireader: {source: tisv, weight: 0}}}},"
        "half: {train: {tdsv: {multireader: {source: tisv, weight: 0.5}}}},"
        "tisv_aug: {augment: {tisv: {noise_copies: 2}}, train: {tdsv: {multireader: {source: tisv, weight: 0.5}}}}}}"
    )
    assert transfer.multireader_of(variants["zero"], "tdsv") is None
    assert transfer.train_params(plan, variants["zero"], Run("tdsv", "zero", "const", 7)) == {}
    assert plan.run_root("tdsv", "zero", "const", 7) == "results"
    assert plan.run_root("tdsv", "half", "const", 7) == "results/variants/half"
    # The source's training data is part of the run: another TI-SV augmentation is another TD-SV run.
    assert plan.run_root("tdsv", "tisv_aug", "const", 7) == "results/variants/tisv_aug"
    assert transfer.train_params(plan, variants["half"], Run("tdsv", "half", "const", 7)) == {
        "multireader": {"source": "tisv", "weight": 0.5}
    }


def test_the_start_row_names_what_each_task_starts_from_and_is_unchanged_without_init(tmp_path):
    ckpt = write_checkpoint(tmp_path / "mine.pt", run_config())
    _, _, plan = planned(f"train: {{tdsv: {{init: tisv}}, tisv: {{init: {ckpt}}}}}")
    with pytest.raises(InputError, match="start each task from the other"):
        planned("train: {tdsv: {init: tisv}, tisv: {init: tdsv}}")
    _, _, plan = planned("train: {tdsv: {init: tisv}}")
    rows = systems(plan.schedules, plan.variants, plan.own_inits(), ["default"], plan.starts(), plan.tasks)
    assert [s.label for s in rows if s.checkpoint == "init"] == [
        "Ours: start of training (TD-SV: TI-SV const lr best.pt; TI-SV: untrained)"
    ]
    assert [s.plot_label for s in rows if s.checkpoint == "init"] == [
        "baseline: start of training (TD-SV: TI-SV const lr best.pt; TI-SV: untrained)"
    ]
    _, _, plan = planned(f"train: {{tisv: {{init: {ckpt}}}}}")
    rows = systems(plan.schedules, plan.variants, plan.own_inits(), ["default"], plan.starts(), plan.tasks)
    assert [s.label for s in rows if s.checkpoint == "init"] == [
        f"Ours: start of training (TD-SV: untrained; TI-SV: {ckpt})"
    ]
    _, _, plan = planned()
    rows = systems(plan.schedules, plan.variants, plan.own_inits(), ["default"], plan.starts(), plan.tasks)
    assert rows == systems(plan.schedules)


def test_planning_does_not_load_torch_numba_or_scipy_optimize():
    # Checking a checkpoint's settings (ge2e.train.transfer.mismatch) is plain Python: every snakemake call plans.
    # Nor does any module the rule files import (common.smk's imports) load them: together they more than doubled
    # each snakemake start-up, the test suite's dozens and each SLURM job's.
    import subprocess
    import sys
    from pathlib import Path

    rules = Path(__file__).resolve().parents[1] / "workflow" / "rules"
    imports = [
        line.split("#")[0].strip()
        for smk in sorted(rules.glob("*.smk"))
        for line in smk.read_text().splitlines()
        if line.startswith(("from ge2e", "import ge2e"))
    ]
    assert any("ge2e.encoder import shipped" in line for line in imports), imports
    heavy = ("torch", "numba", "scipy.optimize")
    code = "\n".join(
        ["import sys", "import ge2e.plan.checks, ge2e.plan.grid, ge2e.plan.transfer", *imports]
        + [f"print([m for m in {heavy!r} if m in sys.modules])"]
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


RESEMBLYZER_LAYER = open("config/resemblyzer.yaml").read()


def test_an_imported_encoder_is_made_by_its_rule_and_the_run_must_have_its_settings():
    refused(
        "config key train.tisv.init: resemblyzer has features arithmetic native, the run's features have arithmetic "
        "portable; config/resemblyzer.yaml has its settings",
        "train: {tisv: {init: resemblyzer}}",
    )
    config, variants, plan = planned(RESEMBLYZER_LAYER, "train: {tisv: {init: resemblyzer}}")
    transfer.check_files(variants, plan.tasks)  # nothing to load: the imported settings are known
    run = Run("tisv", "default", "const", 7)
    assert transfer.init_path(plan, config, run) == "results/imported/resemblyzer.pt"
    assert transfer.train_params(plan, config, run)["init"] == {
        "from": "resemblyzer",
        "path": "results/imported/resemblyzer.pt",
    }
    assert transfer.start_label(config, ["tisv"], "const") == {"tisv": "resemblyzer (imported)"}
