"""What a training run takes besides its own data: the checkpoint it starts from (``train.<task>.init``) and a
second source of batches (``train.<task>.multireader``).

``init`` is null (the seeded random start), the other task's name (its ``best.pt`` of the same variant, seed and
learning-rate schedule: the training waits for it), the name of an encoder the pipeline imports
(``ge2e.train.imported``: rule import_encoder writes it under IMPORTED) or a checkpoint file. ``multireader`` names
the other task, whose training set gives every step a second batch, and the weight of its loss; a weight of 0 is no
MultiReader at all (the run and its files are those without it). Both are refused at start-up where the run cannot
do what they say (:func:`check`, :func:`check_files`), with one line naming the config key.
"""

from pathlib import Path

from ge2e.errors import InputError
from ge2e.plan.params import feature_params, model_settings
from ge2e.systems import DEFAULT, TASK_NAMES, TASKS
from ge2e.train.imported import IMPORTS, RESEMBLYZER_FEATURES, RESEMBLYZER_MODEL
from ge2e.train.transfer import mismatch

BEST = "best.pt"  # the checkpoint of another task that a run naming it starts from
IMPORTED = "results/imported"  # rule import_encoder writes <name>.pt here
# What an imported encoder's checkpoint holds, known without making it (the start-up check compares the run's).
IMPORTED_SETTINGS = {"resemblyzer": {"model_config": RESEMBLYZER_MODEL, "feature_params": RESEMBLYZER_FEATURES}}


def imported_path(name):
    """Where rule import_encoder writes the imported encoder ``name`` (one of ``ge2e.train.imported.IMPORTS``)."""
    return f"{IMPORTED}/{name}.pt"


def init_of(cfg, task):
    """train.<task>.init of config ``cfg``: None, a task's name or a checkpoint's path."""
    return cfg["train"][task].get("init")


def init_task(cfg, task):
    """The task whose checkpoint ``task`` starts from in ``cfg`` (init naming a task), else None."""
    init = init_of(cfg, task)
    return init if init in TASKS else None


def multireader_of(cfg, task):
    """train.<task>.multireader of ``cfg`` where it does anything ({"source", "weight"}, weight above 0), else None."""
    spec = cfg["train"][task].get("multireader")
    return {"source": spec["source"], "weight": spec["weight"]} if spec and spec["weight"] > 0 else None


def _where(variant):
    return "config key " + ("" if variant == DEFAULT else f"experiments.variants.{variant}.")


def check(configs, tasks):
    """Refuse what ``train.<task>.init`` and ``multireader`` cannot mean in a run of ``tasks`` with the variants'
    ``configs`` ({variant: config}): another task the run does not train, the task itself, two tasks starting from
    each other. One InputError naming the key."""
    for variant, cfg in configs.items():
        for task in tasks:
            key = f"{_where(variant)}train.{task}"
            other = init_task(cfg, task)
            if other == task:
                raise InputError(
                    f"{key}.init: '{task}' is this task itself; name the other task or a checkpoint file to start from"
                )
            if other and other not in tasks:
                raise InputError(
                    f"{key}.init: '{other}' starts {TASK_NAMES[task]} from this run's {TASK_NAMES[other]} {BEST}, but "
                    f"the run does not train {other} (experiments.tasks: {list(tasks)}); add it there, or name a "
                    "checkpoint file"
                )
            if other and init_task(cfg, other) == task:
                raise InputError(
                    f"{key}.init: '{other}' and train.{other}.init: '{task}' start each task from the other; one of "
                    "them must start from random weights or a checkpoint file"
                )
            spec = cfg["train"][task].get("multireader")
            if spec and spec["source"] == task:
                raise InputError(
                    f"{key}.multireader.source: '{task}' is this task itself; a second source is the other task"
                )
            if spec and spec["source"] not in tasks:
                raise InputError(
                    f"{key}.multireader.source: '{spec['source']}' is not trained by the run (experiments.tasks: "
                    f"{list(tasks)}), so it has no training set here; add it there or leave multireader out"
                )


def check_files(configs, tasks, results="results"):
    """Every checkpoint file ``train.<task>.init`` names for a task of the run: there, a checkpoint, and one that
    can start the variant (its model size and feature settings: ``ge2e.train.transfer.mismatch``). A path under
    ``results`` that is not there yet may be a file the run makes; the training job checks it when it is."""
    loaded = {}
    for variant, cfg in configs.items():
        for task in tasks:
            init = init_of(cfg, task)
            if not init or init in TASKS:
                continue
            key = f"{_where(variant)}train.{task}.init"
            model = {"n_mels": cfg["features"]["params"]["n_mels"], **model_settings(cfg)}
            if init in IMPORTS:
                differs = mismatch(IMPORTED_SETTINGS[init], model, feature_params(cfg))
                if differs:
                    raise InputError(f"{key}: {init} {differs}; config/{init}.yaml has its settings")
                continue
            path = Path(init)
            if not path.is_file():
                if path.parts[:1] == (results,) and not path.exists():
                    continue
                raise InputError(
                    f"{key}: {init!r} is not a file; name a checkpoint (a run's best.pt or final.pt), the other "
                    f"task ({', '.join(t for t in TASKS if t != task)}) or an imported encoder ({', '.join(IMPORTS)})"
                )
            if init not in loaded:
                from ge2e.encoder.embedding import load_checkpoint_file  # here: only a config naming a file pays

                try:
                    loaded[init] = load_checkpoint_file(init)
                except InputError as exc:
                    raise InputError(f"{key}: {exc}") from None
            ckpt = loaded[init]
            if not isinstance(ckpt, dict) or "model_config" not in ckpt:
                raise InputError(f"{key}: {init} is not a ge2e checkpoint (it has no model_config)")
            differs = mismatch(ckpt, model, feature_params(cfg))
            if differs:
                raise InputError(f"{key}: {init} {differs}")


def init_path(grid, cfg, run):
    """The checkpoint the training ``run`` (``ge2e.plan.grid.Run``) of config ``cfg`` starts from, or None:
    another task's best.pt under the root the ``grid`` gives that task's run of the same variant, schedule and
    seed, or the file named."""
    init = init_of(cfg, run.task)
    if init in TASKS:
        return f"{grid.run_root(init, run.variant, run.schedule, run.seed)}/{init}/{run.schedule}/{BEST}"
    return imported_path(init) if init in IMPORTS else init


def train_params(grid, cfg, run):
    """What rule train's ``train`` params add for ``run``: ``init`` ({"from": the config's value, "path": the
    checkpoint}) and ``multireader`` ({"source", "weight"}), each only where the config sets it, so a run without
    them has the params it always had."""
    out = {}
    if init_of(cfg, run.task):
        out["init"] = {"from": init_of(cfg, run.task), "path": init_path(grid, cfg, run)}
    if multireader_of(cfg, run.task):
        out["multireader"] = multireader_of(cfg, run.task)
    return out


def start_label(cfg, tasks, schedule):
    """What the start weights of a variant with config ``cfg`` are at ``schedule`` (the one whose init.pt the
    table's start row reads), per task of ``tasks`` that starts from a checkpoint ({task: words}, e.g.
    {"tdsv": "TI-SV const lr best.pt"}); empty where every task starts from random weights."""
    out = {}
    for task in tasks:
        init = init_of(cfg, task)
        if init:
            out[task] = (
                f"{TASK_NAMES[init]} {schedule} lr {BEST}"
                if init in TASKS
                else (f"{init} (imported)" if init in IMPORTS else init)
            )
    return out
