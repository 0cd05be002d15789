"""Rule parameters from the config: the plain values a rule's ``params`` carry to its job.

Each is built from one config (the run's, or an experiment variant's: ``ge2e.plan.grid``) and made
:func:`canonical`, since Snakemake compares params by their repr: reordering keys in a config file must not
look like a change and rerun everything. A setting left at the value it had before it existed (features'
portable arithmetic, ``max_speakers``, ``best_window``) is left out, so the runs made before it keep their
params and nothing reruns.
"""

import dataclasses

from ge2e import schema
from ge2e.audio.files import ReadPolicy
from ge2e.corpus.speaker_split import SpeakerSplit
from ge2e.encoder.arch import stored as stored_model
from ge2e.errors import InputError
from ge2e.features.augment import AugmentParams
from ge2e.features.frontend import stored
from ge2e.seeds import derive
from ge2e.train.optimisers import SGD

TEST_SET = "test"  # the evaluation set of a task's own test split; the others are named in the config


def canonical(value):
    """A config value with every dict's keys sorted."""
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


def feature_params(cfg):
    """The ``ge2e.features.frontend.FeatureParams`` settings of config ``cfg``: features.params plus
    features.arithmetic, each setting FeatureParams has a default for only where it differs from it
    (``ge2e.features.frontend.stored``)."""
    params = {**cfg["features"]["params"], "arithmetic": cfg["features"]["arithmetic"]}
    return canonical(stored(params))


def model_settings(cfg):
    """The encoder settings of config ``cfg`` as checkpoints keep them: config ``model`` without the settings at
    their default (``ge2e.encoder.arch.stored``), so a run of the ge2e encoder has the settings it always had."""
    return canonical(stored_model(cfg["model"]))


def read_policy(config):
    """How every rule that reads audio reads it (``ge2e.audio.files.ReadPolicy``): the one place its four config
    keys are read (no variant changes them)."""
    policy = ReadPolicy(
        sample_rate=config["features"]["params"]["sample_rate"],
        resample=config["corpus"]["resample"],
        channel=config["corpus"]["channel"],
        on_bad_file=config["corpus"]["on_bad_file"],
    )
    return canonical(dataclasses.asdict(policy))


def augment_params(task, cfg):
    """A task's augmentation settings (``ge2e.features.augment.AugmentParams``) in config ``cfg``."""
    return AugmentParams(**cfg["augment"][task])


def capacity(task, cfg):
    """What the batches of config ``cfg`` need from a task's corpus (the convert rules check it): N speakers whose
    audio holds M segments of the longest training length, counted in frames of the hop."""
    return {
        "train_n": cfg["train"][task]["n_speakers"],
        "train_m": cfg["train"][task]["n_utterances"],
        "eval_n": cfg["evaluate"][task]["n_speakers"],
        "copies": augment_params(task, cfg).copies,
        "segment": [cfg["train"][task]["frames"][1], cfg["features"]["params"]["hop_ms"]],
    }


def train_params(cfg, run):
    """``ge2e.train.trainer.TrainParams`` of one training run (``ge2e.plan.grid.Run``) with its variant's config
    ``cfg``; the model's size goes to training apart, as config ``model``."""
    task_cfg = cfg["train"][run.task]
    schedule = cfg["lr_schedules"][run.schedule]
    return canonical(
        {
            "n_speakers": task_cfg["n_speakers"],
            "n_utterances": task_cfg["n_utterances"],
            "frames": tuple(task_cfg["frames"]),
            "epochs": task_cfg["epochs"],
            "lr": schedule["lr"],
            "schedule": schedule["type"],
            # The schema requires step_epochs of a step schedule only, and gives gamma its default.
            "step_epochs": schedule.get("step_epochs"),
            "gamma": schedule["gamma"],
            "momentum": cfg["train"]["momentum"],
            "loss_method": cfg["train"]["loss"],
            "validate_every": cfg["train"]["validate_every"],
            "checkpoint_every": cfg["train"]["checkpoint_every"],
            "average_window": cfg["train"]["average_window"],
            # The experiment seed: the run's seed for the default experiment, so its weights are as ever.
            "seed": derive(run.seed, "train", run.task),
            "device": cfg["train"]["device"],
            **({"max_speakers": task_cfg["max_speakers"]} if task_cfg.get("max_speakers") else {}),
            # Like the two below, given only where it is not the default, so runs made before it keep their params.
            **({"optimiser": schedule["optimiser"]} if schedule.get("optimiser", SGD) != SGD else {}),
            **({"best_window": cfg["train"]["best_window"]} if cfg["train"].get("best_window", 1) > 1 else {}),
        }
    )


AUTO_THREADS = "auto"  # train.threads: one core claimed, the run's idle cores taken as well (ge2e.train.cores)


def train_threads(cfg, run_cores):
    """(claimed, most) threads of a training job with the config ``cfg`` in a run of ``run_cores`` cores: with
    ``train.threads: auto`` it claims one core, so training jobs run side by side (two one-thread jobs outrun one
    two-thread job), and grows into the run's cores that other jobs leave idle; with a number it claims that many
    and uses them all along (Snakemake caps a claim at the run's cores; so does ``most``)."""
    threads = cfg["train"]["threads"]
    if threads == AUTO_THREADS:
        return 1, run_cores
    return threads, min(threads, run_cores)


def asnorm_top_k(config):
    """AS-norm of the trial lists' scores: the top-K cohort scores per side, or None (raw cosine)."""
    asnorm = config["evaluate"]["asnorm"]
    return asnorm["top_k"] if asnorm["enabled"] else None


def eval_protocol(config, task, evalset):
    """``ge2e.evaluate.protocols.Protocol`` of one evaluation set. The test split gets both protocols; an external
    set the full trials only (its speakers and utterances per speaker are whatever the folder holds); a trial list
    its own trials, AS-norm'd when evaluate.asnorm is on."""
    ev = config["evaluate"]
    top_k = asnorm_top_k(config)
    if evalset in ev["trials"] and top_k:
        return canonical({"frames": ev[task]["frames"], "bootstrap": ev["bootstrap"], "asnorm_top_k": top_k})
    if evalset != TEST_SET:
        return canonical({"frames": ev[task]["frames"], "bootstrap": ev["bootstrap"]})
    return canonical({**ev[task], "repeats": ev["repeats"], "bootstrap": ev["bootstrap"]})


def trial_list_args(name, spec):
    """Keyword arguments of ``ge2e.evaluate.trial_lists.load`` (and its convert rule) for trial list ``name`` of
    spec ``spec`` (evaluate.trials.<name>, its trials file resolved: ``ge2e.plan.checks.trial_lists``)."""
    return canonical(
        {
            "root": spec["root"],
            "trials": spec["trials"],
            "fmt": spec["format"],
            "enrol": spec["enrol"],
            "utt2path": spec["utt2path"],
            "key": f"evaluate.trials.{name}",
        }
    )


def external_sets(config):
    """{name: {"root": folder, "speakers": split or None}} of ``evaluate.external``, whose entries are a folder or
    ``{root, speakers}``: one part of a seeded split of the folder's speakers (``ge2e.corpus.speaker_split``), its
    section here with the schema's defaults. InputError for a split that splits no one, or a part of fewer than
    the two speakers full trials need."""
    out = {}
    for name, entry in config["evaluate"]["external"].items():
        if isinstance(entry, str):
            out[name] = {"root": entry, "speakers": None}
            continue
        speakers, key = entry.get("speakers"), f"evaluate.external.{name}.speakers"
        if speakers is not None:
            speakers = schema.filled(speakers, "definitions.external_speakers")
            schema.check_section(speakers, "definitions.external_speakers", key)
            split = SpeakerSplit.of(speakers)
            if split is None:
                raise InputError(f"config key {key}.split: both counts are 0, which splits no one; remove {key}")
            count = {"val": split.val, "test": split.test}.get(split.part)
            if count is not None and count < 2:
                raise InputError(
                    f"config key {key}: the {split.part} part holds {count} speaker(s); full trials need at least 2"
                )
        out[name] = {"root": entry["root"], "speakers": speakers}
    return out


def external_args(spec):
    """Rule convert_external's ``external`` param of an external set (``external_sets``' value): the folder alone, as
    before splits existed (so such a set's manifest is not made again), or the spec with its split."""
    return spec["root"] if spec["speakers"] is None else canonical(spec)


def external_where(spec):
    """How the table and the report name an external set: its folder, and the part of a split it reads."""
    split = SpeakerSplit.of(spec["speakers"])
    if split is None:
        return spec["root"]
    return f"{spec['root']}, the {split.part} part of its speakers ({split.describe()})"


def run_summary_tasks(config, corpora, tasks):
    """Per task: the corpus it reads (``ge2e.plan.corpora.Corpora.where``) and the training set-up, for the run
    summary page."""
    return canonical(
        {
            task: {
                "corpus": corpora.where(task),
                "train": config["train"][task],
                "copies": capacity(task, config)["copies"],
            }
            for task in tasks
        }
    )
