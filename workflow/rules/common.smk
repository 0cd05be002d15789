# Config access and input functions: every config key is read here and handed to rules
# as params, so the library never reads the global config and a changed key reruns
# exactly the rules that use it.
import dataclasses
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from ge2e import schema
from ge2e.plan import grid as experiments
from ge2e.fetch import archives
from ge2e.audio.files import ReadPolicy
from ge2e.features.augment import AugmentParams, rule_settings
from ge2e.features.recordings import check_roots as check_recording_roots
from ge2e.corpus import extra, extra_config, formats
from ge2e.builtin import layouts as builtin
from ge2e.corpus.rows import check_paths
from ge2e.errors import InputError
from ge2e.features.frontend import FeatureParams
from ge2e.corpus.manifest import SPLITS, check_sizes
from ge2e.fetch.obtain import present
from ge2e.seeds import derive
from ge2e.evaluate.trial_lists import load as load_trial_list
from ge2e.results.rows import SeedFiles, TableRow
from ge2e.systems import (
    CHECKPOINT_TITLES,
    CORPUS_NAMES,
    CORPUS_OF_TASK,
    DEFAULT,
    TASK_NAMES,
    TASK_TITLES,
    TASKS,
    TRAINED_CHECKPOINTS,
    UNTRAINED,
    systems,
)

SCHEMA = "../../config/schema.yaml"
validate(config, SCHEMA)


def variant_configs():
    """{variant: its whole config} (ge2e.experiments.variants), each checked against the schema like the run's."""
    try:
        configs = experiments.variants(config)
        for name, cfg in configs.items():
            schema.check(cfg, f"config key experiments.variants.{name}")
    except InputError as exc:
        raise WorkflowError(str(exc)) from None
    return configs


# The experiment grid (ge2e.experiments): each variant's config, the training seeds, and the root under
# which each stage of each variant and seed is made once. Without an `experiments` section: one variant
# (default), the run's seed, every path under results/ as ever.
VARIANT_CONFIG = variant_configs()
try:
    GRID = experiments.Grid(config, VARIANT_CONFIG)
except InputError as _exc:
    raise WorkflowError(str(_exc)) from None
RUN_TASKS = GRID.tasks  # the tasks this run trains and evaluates (experiments.tasks)
SCHEDULES = GRID.schedules
SEEDS = GRID.seeds
RESULTS = experiments.RESULTS
BUILTIN_ROOT = "results/builtin_corpus"
# Threads of the in-job parallel stages (corpus synthesis, TIMIT conversion); Snakemake
# caps them at --cores, and reading workflow.cores would fail when --cores is not given.
MAX_THREADS = 8
# Those stages claim every core, so among ready jobs the greedy scheduler would rather start two
# one-thread jobs (features, training) and could leave a corpus conversion waiting for all cores to
# come free at once, behind a whole training run; a higher priority starts it first.
CORPUS_PRIORITY = 10
# Report sections: one category per task (TASK_TITLES), one subcategory per schedule.
SUMMARY = "Summary"
ALL_SYSTEMS = "All systems"
# Evaluation sets: the test split of each task's corpus, then every external folder of real
# speech (evaluate.external, name -> folder), scored with the full-trial protocol only, then
# every published trial list (evaluate.trials), scored on its own trials. Both kinds of external
# set live under results/external/{set}/.
TEST_SET = "test"
EXTERNAL = config["evaluate"]["external"]
TRIALS = config["evaluate"]["trials"]
EVAL_SETS = [TEST_SET, *EXTERNAL, *TRIALS]
# AS-norm of the trial lists' scores: the top-K cohort scores per side, or None (raw cosine).
ASNORM_TOP_K = config["evaluate"]["asnorm"]["top_k"] if config["evaluate"]["asnorm"]["enabled"] else None
# Every evaluated system, in table order (ge2e.systems): each variant's checkpoints; the untrained
# encoder of each variant that starts from weights of its own, the MFCC baseline of each with features
# of its own.
SYSTEMS = systems(SCHEDULES, GRID.variants, GRID.own_inits(), GRID.own_features())
# The TI-SV corpus's layout (corpus.tisv_format, ge2e.corpus.formats): TIMIT (corpus.timit_root, the
# built-in corpus's layout) is converted to wav by rule convert_timit; any other is read where it lies
# by rule convert_tisv, configured by its own section (corpus.librispeech, corpus.vctk, ...).
TISV_FORMAT = config["corpus"]["tisv_format"]
TISV_LISTED = TISV_FORMAT != formats.TIMIT
# The same for TD-SV (corpus.tdsv_format): Snips (corpus.snips_root, the built-in keyword corpus's layout)
# by rule convert_snips, any other (corpus.speech_commands) read where it lies by rule convert_tdsv.
TDSV_FORMAT = config["corpus"]["tdsv_format"]
TDSV_LISTED = TDSV_FORMAT != formats.SNIPS
# Per task: the format of a corpus read where it lies, None where the task reads its default layout.
LISTED_FORMAT = {"tisv": TISV_FORMAT if TISV_LISTED else None, "tdsv": TDSV_FORMAT if TDSV_LISTED else None}
# The tasks whose published EERs (ge2e.table.REFERENCES) the table shows: those that read the layout the
# figures were measured on (TIMIT, Snips, or their built-in look-alikes), not LibriSpeech or Speech Commands.
REFERENCE_TASKS = [task for task in RUN_TASKS if LISTED_FORMAT[task] is None]
# Each task's built-in corpus: its config section (builtin.timit, builtin.snips) and what it will hold
# (ge2e.corpus.builtin.CorpusSize), for the start-up check and the report. A task on a real corpus
# has both too (the section has defaults), unused.
BUILTIN_SECTION = {task: f"builtin.{CORPUS_OF_TASK[task][1].lower()}" for task in TASKS}
BUILTIN_SPEC = {
    task: builtin.make_spec(name, config["builtin"][name.lower()]) for task, (_, name) in CORPUS_OF_TASK.items()
}
BUILTIN_SIZE = {task: builtin.corpus_size(spec) for task, spec in BUILTIN_SPEC.items()}
# The report's front page (workflow/report/workflow.rst) is rendered with the config alone, so
# the sizes reach it there, under a key that is no setting and that no rule reads.
config["_builtin_size"] = {task: dataclasses.asdict(size) for task, size in BUILTIN_SIZE.items()}


def one_of(names):
    """A wildcard constraint matching exactly ``names``, and nothing at all when there are none."""
    return "|".join(re.escape(name) for name in names) if names else "(?!)"


wildcard_constraints:
    task="|".join(TASKS),
    split="|".join(SPLITS),
    shard=r"\d+",
    schedule="|".join(SCHEDULES),
    # The folder mirroring results/ of one variant and seed (ge2e.experiments.root); each rule narrows it.
    root=one_of(GRID.all_roots()),
    checkpoint="|".join([*TRAINED_CHECKPOINTS, UNTRAINED]),
    corpus="|".join(name for _, name in CORPUS_OF_TASK.values()),
    evalset="|".join(EVAL_SETS),


def feature_params(cfg):
    """The ``ge2e.features.FeatureParams`` settings of config ``cfg``: features.params plus
    features.arithmetic. Portable, the default, is left out (FeatureParams' own default), so the
    params, checkpoints and fingerprints of runs made before the switch existed stay as they were
    and nothing reruns."""
    params = dict(cfg["features"]["params"])
    if cfg["features"]["arithmetic"] != FeatureParams.arithmetic:
        params["arithmetic"] = cfg["features"]["arithmetic"]
    return canonical(params)


def canonical(value):
    """A config value with every dict's keys sorted. Snakemake compares params by their repr, so
    without this, reordering keys in a config file would look like a change and rerun everything."""
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


def is_builtin(task):
    if LISTED_FORMAT[task]:
        return False
    return config["corpus"][CORPUS_OF_TASK[task][0]] == "builtin"


def listed_section(task):
    """The reader's config section of the format of a task's corpus read where it lies (e.g. corpus.librispeech,
    corpus.speech_commands; without the download switch, no reader setting); empty for TIMIT and Snips."""
    return canonical(formats.reader_section(config["corpus"][LISTED_FORMAT[task]])) if LISTED_FORMAT[task] else {}


def listed_spec(task):
    """The reader's Spec of a task's corpus read where it lies (ge2e.corpus.formats)."""
    return formats.spec(LISTED_FORMAT[task], listed_section(task))


def listed_corpus_name(task):
    """How the table, the run summary and the report name a task's corpus read where it lies."""
    return f"{formats.NAMES[LISTED_FORMAT[task]]} at {listed_spec(task).where()}"


def extra_train_sections():
    """{name: (format, the reader's config section)} of the extra TI-SV training corpora (ge2e.corpus.extra_config)."""
    try:
        return {
            name: extra_config.section(name, entry, is_builtin("tisv"))
            for name, entry in config["corpus"]["tisv_extra_train"].items()
        }
    except InputError as exc:
        raise WorkflowError(str(exc)) from None


# More TI-SV training corpora (corpus.tisv_extra_train): each one's manifest is written by rule convert_extra and
# merged into the TI-SV manifest by the main corpus's convert rule; none by default.
EXTRA_TRAIN = extra_train_sections()


def extra_manifests(wildcards):
    """The extra training corpora's manifests, which the TI-SV convert rule merges into its manifest."""
    return [f"results/tisv/extra/{name}/manifest.tsv" for name in EXTRA_TRAIN] if wildcards.task == "tisv" else []


def extra_builtin_input(wildcards):
    """The built-in TIMIT look-alike when an extra training corpus is it (a rule output), else nothing."""
    return [f"{BUILTIN_ROOT}/{CORPUS_OF_TASK['tisv'][1]}"] if EXTRA_TRAIN[wildcards.extra][0] == extra.BUILTIN else []


def extra_train_names():
    """How the table, the run summary and the report name the extra training corpora."""
    return ", ".join(f"{name} ({extra_config.where(fmt, section)})" for name, (fmt, section) in EXTRA_TRAIN.items())


def corpus_root(task):
    """The corpus folder of a task: the built-in one, or the configured real copy."""
    key, name = CORPUS_OF_TASK[task]
    return f"{BUILTIN_ROOT}/{name}" if is_builtin(task) else config["corpus"][key]


# Downloads (download.smk; ge2e.archives names the files, ge2e.obtain fetches them): each rule writes a marker
# under results/downloads/ once its files are in place, and whatever reads them waits for the marker. Off by default.
DOWNLOAD = config["download"]
DOWNLOAD_ROOT = Path(DOWNLOAD["root"])
DOWNLOAD_POLICY = canonical({key: DOWNLOAD[key] for key in ("retries", "retry_delay_s", "timeout_s")})


def download_marker(name):
    """The marker file a download rule writes when ``name`` (e.g. librispeech/train-clean-100, musan) is in place."""
    return f"results/downloads/{name}.done"


def librispeech_fetched(section):
    """The subsets of corpus.librispeech (train and test) that openslr publishes, and so a download may fetch."""
    return [s for s in (*section["train_subsets"], *section["test_subsets"]) if s in archives.LIBRISPEECH]


def corpus_downloads(task):
    """The markers of the downloads a task's corpus waits for: with corpus.<format>.download on (LibriSpeech, Speech
    Commands), one per LibriSpeech subset it reads, or Speech Commands' one; none otherwise."""
    section = config["corpus"][LISTED_FORMAT[task]] if LISTED_FORMAT[task] else {}
    if not section.get("download"):
        return []
    if LISTED_FORMAT[task] == "librispeech":
        return [download_marker(f"librispeech/{subset}") for subset in librispeech_fetched(section)]
    return [download_marker("speech_commands")]


def download_inputs(wildcards):
    """A convert rule's download markers. ancient: a marker rewritten (its rule rerun after a settings change,
    finding the corpus in place) must not redo the conversion and everything after it."""
    return [ancient(marker) for marker in corpus_downloads(wildcards.task)]


def fetch_job(archive, into, where, there=None):
    """A download rule's params (ge2e.obtain.obtain): what to fetch and from where (ge2e.archives.source), where it
    goes, the config key to point at a roomier disk, and the path whose presence means it is there already
    (default: ``into`` itself)."""
    return canonical(
        {
            "source": archives.source(archive, DOWNLOAD),
            "into": str(into),
            "there": str(there or into),
            "where": where,
        }
    )


def check_listed_corpus(task):
    """Start-up check of a corpus read where it lies: its paths, and what its reader checks beyond them. With its
    download on, a root that the download rule is still to make or fill is no error (its convert rule checks what
    arrived), but it must be named, and a LibriSpeech subset that is not there must be one openslr publishes."""
    spec = listed_spec(task)
    if not corpus_downloads(task):
        check_paths(spec.paths())
        if hasattr(spec, "check"):  # what a reader checks beyond paths (ge2e.corpus.speech_commands)
            spec.check()
        return
    key = f"corpus.{LISTED_FORMAT[task]}"
    if not spec.root:
        raise InputError(f"config key {key}.root is empty: name the folder the download fills, e.g. data/LibriSpeech")
    check_paths([path for path in spec.paths() if path[0] != f"{key}.root"])
    if hasattr(spec, "check") and present(spec.root):
        spec.check()
    for part in ("train_subsets", "test_subsets") if LISTED_FORMAT[task] == "librispeech" else ():
        for subset in getattr(spec, part):
            if subset not in archives.LIBRISPEECH and not Path(spec.root, subset).is_dir():
                raise InputError(
                    f"config key {key}.{part}: {subset!r} is not under {spec.root}, and openslr publishes no subset of "
                    f"that name ({', '.join(archives.LIBRISPEECH)})"
                )


# Start-up check: a wrong corpus path (or speaker list, keyword, split file) fails here, before any job runs.
for _task in RUN_TASKS:
    if LISTED_FORMAT[_task]:
        try:
            check_listed_corpus(_task)
        except InputError as exc:
            raise WorkflowError(str(exc)) from None
    elif not is_builtin(_task) and not Path(corpus_root(_task)).is_dir():
        _key = CORPUS_OF_TASK[_task][0]
        raise WorkflowError(
            f"config key corpus.{_key}: {corpus_root(_task)!r} is not a folder; point it at "
            "your corpus copy or set it to 'builtin'"
        )
try:
    archives.check_checksums(DOWNLOAD["checksums"])
except InputError as _exc:
    raise WorkflowError(str(_exc)) from None
if "tisv" in RUN_TASKS:
    for _name, (_format, _section) in EXTRA_TRAIN.items():
        try:
            check_paths(extra_config.paths(_name, _format, _section))
        except InputError as exc:
            raise WorkflowError(str(exc)) from None
# The report's front page names a corpus read where it lies from the config alone (like _builtin_size).
for _task in TASKS:
    if LISTED_FORMAT[_task]:
        config[f"_{_task}_corpus"] = listed_corpus_name(_task)
if EXTRA_TRAIN:
    config["_tisv_extra_train"] = extra_train_names()
for _name, _root in EXTERNAL.items():
    if not Path(_root).is_dir():
        raise WorkflowError(
            f"config key evaluate.external.{_name}: {_root!r} is not a folder; point it at a folder of "
            "<speaker>/<audio files> or remove the entry"
        )


def trial_list_path(key):
    """Where the download of trial list ``key`` (vox1_o, vox1_e, vox1_h) puts it: download.root/voxceleb/<file>."""
    return str(DOWNLOAD_ROOT / archives.TRIAL_LIST_FOLDER / archives.TRIAL_LISTS[key].name)


def trial_list_inputs(wildcards):
    """The files convert_trials reads; the download's marker in place of a list that is downloaded (ancient, as
    download_inputs)."""
    spec = TRIALS[wildcards.evalset]
    listed = [ancient(download_marker(f"trials/{spec['download']}"))] if spec.get("download") else [spec["trials"]]
    return listed + [spec[key] for key in ("enrol", "utt2path") if spec[key]]


# A list evaluate.trials.<name>.download fetches lies under download.root; its entry takes that path as its trials
# file, so whatever reads a trial list finds it where a list is named. Exactly one of the two keys is given.
for _name, _spec in TRIALS.items():
    if _spec.get("download") and _spec.get("trials"):
        raise WorkflowError(
            f"config key evaluate.trials.{_name}: give trials (a list you have) or download ({_spec['download']}), "
            "not both"
        )
    if _spec.get("download"):
        if _spec["format"] != "voxceleb" or _spec["enrol"]:
            raise WorkflowError(
                f"config key evaluate.trials.{_name}.format: the VoxCeleb1 lists are in voxceleb form, without an "
                "enrolment map; leave format and enrol out"
            )
        _spec["trials"] = trial_list_path(_spec["download"])
    elif not _spec.get("trials"):
        raise WorkflowError(
            f"config key evaluate.trials.{_name}.trials is missing: name the list's file, or set download to one of "
            f"{', '.join(archives.TRIAL_LISTS)}"
        )


def trial_list_args(name):
    """Keyword arguments of ``ge2e.trials.load`` (and its convert rule) for the trial list ``name`` (evaluate.trials.<name>)."""
    spec = config["evaluate"]["trials"][name]
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


# Start-up check of every trial list: its files, each line, and the audio of every utterance it names.
for _name in TRIALS:
    if _name in EXTERNAL:
        raise WorkflowError(
            f"config key evaluate.trials.{_name}: evaluate.external has a set of that name too; rename one"
        )
    if TRIALS[_name].get("download") and not Path(TRIALS[_name]["trials"]).is_file():
        continue  # not downloaded yet: convert_trials checks it, after download_trials
    try:
        load_trial_list(**trial_list_args(_name))
    except InputError as _exc:
        raise WorkflowError(str(_exc)) from None


def timit_val_list():
    """The file naming TIMIT's validation speakers: the built-in generator's own, or the configured one."""
    if is_builtin("tisv"):
        return f"{corpus_root('tisv')}/{builtin.VAL_LIST}"
    return config["corpus"]["timit_val_speakers"]


def corpus_input(wildcards):
    """The built-in corpus is a rule output; a real corpus is outside the workflow."""
    return [corpus_root(wildcards.task)] if is_builtin(wildcards.task) else []


def task_seed(*parts):
    """A stage's seed from the run's seed: every stage but training keeps it whatever the experiment seed."""
    return derive(config["seed"], *parts)


def config_at(root):
    """The config of the variant whose files are under ``root`` (ge2e.experiments.Grid.at)."""
    return VARIANT_CONFIG[GRID.at(root)[0]]


def feature_shards(task, split, root=RESULTS):
    """The feature shards of a task's split made under ``root`` (a features root of the grid)."""
    # Not expand(): a grid asks for these thousands of times while planning, and expand() costs 0.3 ms a call.
    return [f"{root}/{task}/features/{split}/{shard}.npz" for shard in range(config_at(root)["features"]["shards"])]


def features_root(wildcards):
    """The features root of the variant at ``wildcards.root``: where its test, validation and external features are."""
    return GRID.features_root(GRID.at(wildcards.root)[0])


def read_policy():
    """How every rule that reads audio reads it (ge2e.audio.ReadPolicy), as the plain dict a rule's
    params carry: the one place its four config keys are read (no variant changes them)."""
    policy = ReadPolicy(
        sample_rate=config["features"]["params"]["sample_rate"],
        resample=config["corpus"]["resample"],
        channel=config["corpus"]["channel"],
        on_bad_file=config["corpus"]["on_bad_file"],
    )
    return canonical(dataclasses.asdict(policy))


def augment_params(task, cfg=config):
    """The task's augmentation settings (ge2e.augment.AugmentParams) in ``cfg`` (a variant's config)."""
    return AugmentParams(**cfg["augment"][task])


def grid_run(wildcards):
    """The training run (ge2e.experiments.Run) whose files are at root/task/schedule."""
    try:
        return GRID.run_at(wildcards.root, wildcards.task, wildcards.schedule)
    except InputError as exc:
        raise WorkflowError(str(exc)) from None


def run_config(wildcards):
    return VARIANT_CONFIG[grid_run(wildcards).variant]


def train_shards(wildcards):
    """A run's training shards: its variant's augmented set where augmentation is on, else the train split."""
    run = grid_run(wildcards)
    split = "train_aug" if GRID.augments(run.task, run.variant) else "train"
    return feature_shards(run.task, split, GRID.data_root(run.task, run.variant))


def val_shards(wildcards):
    return feature_shards(wildcards.task, "val", features_root(wildcards))


def train_params(wildcards):
    """Plain dict for ge2e.train.TrainParams (the model's size goes to training apart, as config ``model``)."""
    run = grid_run(wildcards)
    cfg = VARIANT_CONFIG[run.variant]
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
            # Only when set: a run without it keeps its params, so Snakemake does not retrain it.
            **({"max_speakers": task_cfg["max_speakers"]} if task_cfg.get("max_speakers") else {}),
            **({"best_window": cfg["train"]["best_window"]} if cfg["train"].get("best_window", 1) > 1 else {}),
        }
    )


def train_gpus(wildcards):
    """GPUs a training job asks the scheduler for: one when its config says cuda."""
    return 1 if run_config(wildcards)["train"]["device"] == "cuda" else 0


def eval_features(wildcards):
    """Feature shards of an evaluation set: the task's test split, or an external folder's one shard, as made
    with the features settings of the variant at ``wildcards.root``."""
    where = features_root(wildcards)
    if wildcards.evalset == TEST_SET:
        return feature_shards(wildcards.task, "test", where)
    return f"{where}/external/{wildcards.evalset}/features.npz"


def eval_protocol(wildcards):
    """The test split gets both protocols; an external set the full trials only (its speakers and
    utterances per speaker are whatever the folder holds); a trial list its own trials, AS-norm'd
    when evaluate.asnorm is on."""
    ev = config["evaluate"]
    if wildcards.evalset in TRIALS and ASNORM_TOP_K:
        return canonical(
            {"frames": ev[wildcards.task]["frames"], "bootstrap": ev["bootstrap"], "asnorm_top_k": ASNORM_TOP_K}
        )
    if wildcards.evalset != TEST_SET:
        return canonical({"frames": ev[wildcards.task]["frames"], "bootstrap": ev["bootstrap"]})
    return canonical({**ev[wildcards.task], "repeats": ev["repeats"], "bootstrap": ev["bootstrap"]})


def trial_files(wildcards):
    """A trial list's trials and enrolment pairs as convert_trials wrote them; nothing for other sets."""
    if wildcards.evalset not in TRIALS:
        return []
    return [f"results/external/{wildcards.evalset}/{name}.tsv" for name in ("trials", "enrol")]


def cohort_features(wildcards):
    """AS-norm's cohort for a trial list: the task's training split (one mean d-vector per speaker)."""
    if wildcards.evalset in TRIALS and ASNORM_TOP_K:
        return feature_shards(wildcards.task, "train", features_root(wildcards))
    return []


def eval_seed(wildcards):
    """Every system of a task is scored on identical trials of a set: one seed per task and set, whatever
    the variant or experiment seed."""
    if wildcards.evalset == TEST_SET:
        return task_seed("evaluate", wildcards.task)
    return task_seed("evaluate", wildcards.task, wildcards.evalset)


def capacity(task, cfg=config):
    """What the batches of ``cfg`` (a variant's config) need from a corpus (checked by the convert rules):
    N speakers whose audio holds M segments of the longest training length, counted in frames of the hop."""
    return {
        "train_n": cfg["train"][task]["n_speakers"],
        "train_m": cfg["train"][task]["n_utterances"],
        "eval_n": cfg["evaluate"][task]["n_speakers"],
        "copies": augment_params(task, cfg).copies,
        "segment": [cfg["train"][task]["frames"][1], cfg["features"]["params"]["hop_ms"]],
    }


def check_builtin_capacity():
    """Start-up check: the built-in corpus's speakers are known from config, so N of every variant is checked
    before any job, by the check the convert rules run on a manifest. How many segments its utterances hold
    is not known until they are synthesised: the convert rules check M on the manifest."""
    for name, cfg in VARIANT_CONFIG.items():
        for task in RUN_TASKS:
            if is_builtin(task):
                try:
                    check_sizes(BUILTIN_SIZE[task].counts(), task, **capacity(task, cfg), builtin=BUILTIN_SECTION[task])
                except InputError as exc:
                    where = "" if name == DEFAULT else f"experiments.variants.{name}: "
                    raise WorkflowError(f"{where}{exc}") from None


check_builtin_capacity()


def check_augment_folders():
    """Start-up check: every folder of noise or impulse-response recordings (augment.<task>.noise_roots,
    rir_roots) that a variant names for a task of the run holds wav or flac files."""
    checked = set()
    for name, cfg in VARIANT_CONFIG.items():
        where = "" if name == DEFAULT else f"experiments.variants.{name}."
        for task in RUN_TASKS:
            for key in ("noise_roots", "rir_roots"):
                roots = tuple(cfg["augment"][task][key])
                if (task, key, roots) not in checked:  # a variant's are mostly the base config's
                    checked.add((task, key, roots))
                    try:
                        check_recording_roots(roots, f"{where}augment.{task}.{key}")
                    except InputError as exc:
                        raise WorkflowError(str(exc)) from None


check_augment_folders()


def task_category(wildcards):
    if LISTED_FORMAT[wildcards.task]:
        return f"{TASK_NAMES[wildcards.task]} ({formats.NAMES[LISTED_FORMAT[wildcards.task]]})"
    return TASK_TITLES[wildcards.task]


def schedule_subcategory(wildcards):
    variant = GRID.at(wildcards.root)[0]
    return f"{wildcards.schedule} lr schedule" + ("" if variant == DEFAULT else f", variant {variant}")


def grid_labels(root, seeded=True):
    """Report labels naming the variant and seed of ``root`` where the experiment has more than one of either
    (``seeded`` False: a result of no one training seed, such as the MFCC baseline or a figure)."""
    variant, seed = GRID.at(root)
    labels = {"variant": variant} if len(GRID.variants) > 1 else {}
    if len(SEEDS) > 1:
        labels["seed"] = str(seed if seed is not None else config["seed"]) if seeded else "none"
    return labels


def run_summary_tasks():
    """Per task: the corpus it reads and the training set-up, for the run summary page."""
    return canonical(
        {
            task: {
                "corpus": corpus_where(task),
                "train": config["train"][task],
                "copies": capacity(task)["copies"],
            }
            for task in RUN_TASKS
        }
    )


def corpus_where(task):
    """The run summary's corpus of a task: built-in, a real corpus's folder, or a listed corpus's name and folders;
    then the extra training corpora of TI-SV."""
    if is_builtin(task):
        where = "built-in synthetic"
    else:
        where = listed_corpus_name(task) if LISTED_FORMAT[task] else corpus_root(task)
    if task == "tisv" and EXTRA_TRAIN:
        return f"{where} + training speakers of {extra_train_names()}"
    return where


def final_targets():
    """What a whole run produces: the table (Markdown, HTML, per seed), the ablation when there are variants,
    the run summary and every figure; and the noise corpora download.musan and download.rirs fetch."""
    tables = ["results/eer_table.md", "results/eer_table.html", "results/eer_per_seed.tsv"]
    if len(GRID.variants) > 1:
        tables += ["results/ablation.md", "results/ablation.html"]
    noise = [download_marker(name) for name in ("musan", "rirs") if DOWNLOAD[name]]  # for augmentation
    return tables + ["results/run_summary.html"] + plots() + noise


def plotted(task, variant):
    """True where a variant has figures of its own for a task: the default always, another where it trains
    some schedule of the task itself."""
    return variant == DEFAULT or any(GRID.owns(task, variant, schedule) for schedule in SCHEDULES)


def plots():
    """Every figure of a run: loss curves (every seed) per variant, task and schedule trained, DET curves and
    score histograms per variant, task and set, embedding maps per task."""
    loss = [
        f"{GRID.root(v)}/plots/loss_{task}_{schedule}.png"
        for v in GRID.variants
        for task in RUN_TASKS
        for schedule in SCHEDULES
        if GRID.owns(task, v, schedule)
    ]
    scores = [
        f"{GRID.root(v)}/plots/{kind}_{task}_{evalset}.png"
        for v in GRID.variants
        for task in RUN_TASKS
        if plotted(task, v)
        for kind in ("det", "scores")
        for evalset in EVAL_SETS
    ]
    return loss + scores + expand("results/plots/embeddings_{task}.png", task=RUN_TASKS)


def system_results(system, task, evalset, suffix=".json"):
    """Where one system's evaluation of a task on one set is written: one path per experiment seed (the
    MFCC baseline, which has no seed: one path)."""
    if system.schedule is None:
        return [f"{GRID.features_root(system.variant)}/{task}/baselines/{evalset}/mfcc{suffix}"]
    roots = [
        (
            GRID.init_root(task, system.variant, seed)
            if system.checkpoint == UNTRAINED
            else GRID.run_root(task, system.variant, system.schedule, seed)
        )
        for seed in SEEDS
    ]
    return [f"{root}/{task}/{system.schedule}/eval/{evalset}/{system.checkpoint}{suffix}" for root in roots]


def variant_systems(task, variant):
    """The systems of one variant's figures: its trained checkpoints, the untrained encoder it starts from
    and the MFCC baseline of its features."""
    start = GRID.init_owner(task, variant)
    return [
        s
        for s in SYSTEMS
        if (s.variant == variant and not s.baseline)
        or (s.checkpoint == UNTRAINED and s.variant == start)
        or (s.schedule is None and s.variant == GRID.features_owner(variant))
    ]


def loss_files(wildcards):
    """The loss logs of every seed of the variant at ``wildcards.root`` for one task and schedule."""
    variant = GRID.at(wildcards.root)[0]
    task, schedule = wildcards.task, wildcards.schedule
    return [f"{GRID.run_root(task, variant, schedule, seed)}/{task}/{schedule}/loss.tsv" for seed in SEEDS]


def loss_title(wildcards):
    variant = GRID.at(wildcards.root)[0]
    named = "" if variant == DEFAULT else f", variant {variant}"
    return f"{TASK_NAMES[wildcards.task]}{named}, {wildcards.schedule} learning rate"


def plot_systems(wildcards):
    """(system, its scores TSV of every seed) of the figures of the variant at ``wildcards.root`` on one set."""
    variant = GRID.at(wildcards.root)[0]
    return [
        (s, system_results(s, wildcards.task, wildcards.evalset, "_scores.tsv"))
        for s in variant_systems(wildcards.task, variant)
    ]


def table_rows(evalset=TEST_SET):
    """Each system's results on one set, in table order (ge2e.results.rows.TableRow)."""
    return [
        TableRow(
            s.label,
            s.variant,
            s.schedule,
            s.checkpoint or "mfcc",
            {
                task: [
                    SeedFiles(seed, json, scores)
                    for seed, json, scores in zip(
                        SEEDS if s.schedule else [None],
                        system_results(s, task, evalset),
                        system_results(s, task, evalset, "_scores.tsv"),
                    )
                ]
                for task in RUN_TASKS
            },
        )
        for s in SYSTEMS
    ]


def table_inputs(rows, every_score=False):
    """The files the tables of ``rows`` read: every result JSON and the scores that intervals over seeds are
    bootstrapped from (``every_score``: every scores file, as the ablation's paired intervals need)."""
    entries = [entry for row in rows for entry in row.entries()]
    scores = [e.scores for row in rows for seeds in row.tasks.values() if every_score or len(seeds) > 1 for e in seeds]
    return [e.json for e in entries] + scores


def external_tables():
    """(set name, folder, rows as table_rows) of each external set, for the table's own sections."""
    return [(name, root, table_rows(name)) for name, root in EXTERNAL.items()]


def trial_tables():
    """(list name, what it is, rows as table_rows) of each trial list, for the table's own sections."""
    return [
        (
            name,
            {k: spec[k] for k in ("root", "trials", "format")} | {"asnorm_top_k": ASNORM_TOP_K},
            table_rows(name),
        )
        for name, spec in TRIALS.items()
    ]


def all_table_rows():
    """The rows of every table section: the test split, then each external set and trial list."""
    return table_rows() + [row for _, _, rows in external_tables() + trial_tables() for row in rows]


def corpus_note():
    names = [
        (
            f"built-in synthetic {CORPUS_NAMES[task]} look-alike"
            if is_builtin(task)
            else (listed_corpus_name(task) if LISTED_FORMAT[task] else f"{CORPUS_NAMES[task]} at {corpus_root(task)}")
        )
        for task in RUN_TASKS
    ]
    if EXTRA_TRAIN and "tisv" in RUN_TASKS:
        at = RUN_TASKS.index("tisv")
        names[at] += f" (+ training speakers of {extra_train_names()})"
    note = ", ".join(f"{TASK_NAMES[task]} on {name}" for task, name in zip(RUN_TASKS, names))
    if any(is_builtin(task) for task in RUN_TASKS):
        note += (
            " (built-in: test speakers speak in base voices, TTS voices or recorded persons, that no training "
            "or validation speaker has, so the test measures voices the encoder never heard)"
        )
    return note
