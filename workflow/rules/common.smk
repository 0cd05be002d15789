# The run's globals, wildcard constraints and the short functions the rules call for their inputs and params.
# Every key of the run's config is read here (the other rule files read a variant's config through config_at and
# run_config) and handed to rules as params, so the library never reads the global config and a changed key
# reruns exactly the rules that use it. The planning itself is the library's (ge2e.plan): the experiment grid,
# the corpora, the downloads, the start-up checks, the targets and the rule parameters.
import re

from snakemake.exceptions import WorkflowError

from ge2e import schema
from ge2e.errors import InputError
from ge2e.fetch import archives  # download.smk's catalogue
from ge2e.features.augment import rule_settings  # features.smk's augment rule
from ge2e.corpus.manifest import SPLITS
from ge2e.plan import grid, params, start_up, transfer
from ge2e.plan.corpora import BUILTIN_ROOT, Corpora
from ge2e.train.imported import IMPORTS
from ge2e.encoder import shipped
from ge2e.plan.downloads import marker as download_marker
from ge2e.plan.inputs import Inputs
from ge2e.plan.params import TEST_SET, canonical, feature_params, model_settings
from ge2e.plan.targets import Targets, table_inputs
from ge2e.results.table import PER_SEED
from ge2e.seeds import derive
from ge2e.systems import CHECKPOINT_TITLES, CORPUS_OF_TASK, DEFAULT, TASK_NAMES, TASKS, TRAINED_CHECKPOINTS
from ge2e.systems import UNTRAINED, systems

# The config, checked against config/schema.yaml and filled in with its defaults (ge2e.schema.validate, as
# snakemake.utils.validate would, but a mistake is one line: the key, the file that set it, the value and what is
# allowed, or for a misspelt key the nearest known one). CONFIG_LAYERS: what the config was merged from, in order.
CONFIG_LAYERS = schema.layers(["config/config.yaml", *workflow.overwrite_configfiles], workflow.config_settings.config)

# The config checked and filled in, then what the rules plan from it (ge2e.plan.start_up): each variant's config,
# the experiment grid (ge2e.plan.grid: the training seeds, and the root under which each stage of each variant and
# seed is made once), the corpora, the downloads, the trial lists and the external sets. Without an `experiments`
# section: one variant (default), the run's seed, every path under results/ as ever. A wrong key, corpus path, list
# or size stops the run here, before any job, in one line.
try:
    _PLAN = start_up.plan(config, CONFIG_LAYERS)
except InputError as _exc:
    raise WorkflowError(str(_exc)) from None
VARIANT_CONFIG, GRID, CORPORA = _PLAN.variant_config, _PLAN.grid, _PLAN.corpora
DOWNLOADS, TRIALS, EXTERNAL = _PLAN.downloads, _PLAN.trials, _PLAN.external
RUN_TASKS = GRID.tasks  # the tasks this run trains and evaluates (experiments.tasks)
# The corpora of each variant that reads its own (a TD-SV keyword of its own: ge2e.plan.grid.CORPUS_KEYS).
VARIANT_CORPORA = {variant: Corpora(VARIANT_CONFIG[variant]) for variant in GRID.corpus_changes()}
SCHEDULES = GRID.schedules
SEEDS = GRID.seeds
RESULTS = grid.RESULTS
# Threads of the in-job parallel stages (corpus synthesis, TIMIT conversion); Snakemake
# caps them at --cores, and reading workflow.cores would fail when --cores is not given.
MAX_THREADS = 8
# Those stages claim every core, so among ready jobs the greedy scheduler would rather start two
# one-thread jobs (features, training) and could leave a corpus conversion waiting for all cores to
# come free at once, behind a whole training run; a higher priority starts it first.
CORPUS_PRIORITY = 10
# Report sections: one category per task (Corpora.category), one subcategory per schedule.
SUMMARY = "Summary"
ALL_SYSTEMS = "All systems"
# Evaluation sets: the test split of each task's corpus, then every external folder of real speech
# (evaluate.external: a folder, or one part of a seeded split of its speakers), scored with the full-trial protocol
# only, then every published trial list (evaluate.trials), scored on its own trials. Both kinds of external set
# live under results/external/{set}/.
ASNORM_TOP_K = params.asnorm_top_k(config)
# Every evaluated system, in table order (ge2e.systems): each variant's checkpoints; the untrained encoder of
# each variant that starts from weights of its own (named for the checkpoint a task starts from, where one does:
# train.<task>.init), the MFCC baseline of each with features of its own.
TARGETS = Targets(
    GRID,
    systems(SCHEDULES, GRID.variants, GRID.own_inits(), GRID.own_features(), GRID.starts(), GRID.tasks),
    {name: params.external_where(spec) for name, spec in EXTERNAL.items()},
    TRIALS,
    ASNORM_TOP_K,
)
EVAL_SETS = TARGETS.eval_sets
# The TI-SV corpus's layout (corpus.tisv_format): TIMIT (the built-in corpus's layout) is converted to wav by
# convert_timit, any other read where it lies by convert_tisv; the same for TD-SV (corpus.tdsv_format), Snips by
# convert_snips, any other (corpus.speech_commands) by convert_tdsv.
TISV_FORMAT, TDSV_FORMAT = CORPORA.format["tisv"], CORPORA.format["tdsv"]
TISV_LISTED, TDSV_LISTED = bool(CORPORA.listed["tisv"]), bool(CORPORA.listed["tdsv"])
# More TI-SV training corpora (corpus.tisv_extra_train): each one's manifest is written by rule convert_extra and
# merged into the TI-SV manifest by the main corpus's convert rule; none by default.
EXTRA_TRAIN = CORPORA.extra_train
# The tasks whose published EERs the table shows (those on TIMIT, Snips or their look-alikes).
REFERENCE_TASKS = CORPORA.reference_tasks(RUN_TASKS)
# What the rules of the other files read of the config.
TIMIT_TEST_SET = config["corpus"]["timit_test_set"]
TIMIT_VAL_FRACTION = config["corpus"]["timit_val_fraction"]
BOOTSTRAP = config["evaluate"]["bootstrap"]
MODEL = model_settings(config)
N_MELS = config["features"]["params"]["n_mels"]
DOWNLOAD_ROOT = DOWNLOADS.root
DOWNLOAD_POLICY = DOWNLOADS.policy


def one_of(names):
    """A wildcard constraint matching exactly ``names``, and nothing at all when there are none."""
    return "|".join(re.escape(name) for name in names) if names else "(?!)"


wildcard_constraints:
    task="|".join(TASKS),
    split="|".join(SPLITS),
    shard=r"\d+",
    schedule="|".join(SCHEDULES),
    # The folder mirroring results/ of one variant and seed (ge2e.plan.grid.root); each rule narrows it.
    root=one_of(GRID.all_roots()),
    checkpoint="|".join([*TRAINED_CHECKPOINTS, UNTRAINED]),
    corpus="|".join(name for _, name in CORPUS_OF_TASK.values()),
    evalset="|".join(EVAL_SETS),


# Corpora and their conversion (corpus.smk).


def builtin_spec(corpus):
    """The settings rule builtin_corpus writes built-in ``corpus`` (TIMIT, snips) from (builtin.timit, builtin.snips)."""
    return canonical(CORPORA.builtin_settings[corpus])


def corpus_root(task):
    return CORPORA.root(task)


def listed_section(task, root=RESULTS):
    """The reader's section of a task's listed corpus, as the variant whose manifest is made under ``root`` reads it
    (a variant may change the TD-SV keyword: ge2e.plan.grid.CORPUS_KEYS)."""
    return corpora_at(root).listed_section(task)


def corpora_at(root):
    """The corpora (ge2e.plan.corpora.Corpora) of the variant at ``root``: the run's, unless it reads its own."""
    return VARIANT_CORPORA.get(GRID.at(root)[0], CORPORA)


def task_manifest(wildcards):
    """The manifest a task's features and augmented shards under ``wildcards.root`` are made from: the default's,
    results/{task}/manifest.tsv, unless the variant there reads a corpus of its own."""
    return f"{GRID.corpus_root(wildcards.task, GRID.at(wildcards.root)[0])}/{wildcards.task}/manifest.tsv"


def timit_val_list():
    return CORPORA.timit_val_list()


def corpus_input(wildcards):
    """The built-in corpus is a rule output; a real corpus is outside the workflow."""
    return [corpus_root(wildcards.task)] if CORPORA.is_builtin(wildcards.task) else []


def extra_manifests(wildcards):
    """The extra training corpora's manifests, which the TI-SV convert rule merges into its manifest."""
    return [f"results/tisv/extra/{name}/manifest.tsv" for name in EXTRA_TRAIN] if wildcards.task == "tisv" else []


def extra_builtin_input(wildcards):
    """The built-in TIMIT look-alike when an extra training corpus is it (a rule output), else nothing."""
    return [f"{BUILTIN_ROOT}/{CORPUS_OF_TASK['tisv'][1]}"] if CORPORA.extra_builtin(wildcards.extra) else []


def download_inputs(wildcards):
    """A convert rule's download markers. ancient: a marker rewritten (its rule rerun after a settings change,
    finding the corpus in place) must not redo the conversion and everything after it."""
    return [ancient(m) for m in CORPORA.downloads(wildcards.task)]


def trial_list_inputs(wildcards):
    """The files convert_trials reads; the download's marker in place of a list that is downloaded (ancient, as
    download_inputs)."""
    spec = TRIALS[wildcards.evalset]
    listed = [ancient(download_marker(f"trials/{spec['download']}"))] if spec.get("download") else [spec["trials"]]
    return listed + [spec[key] for key in ("enrol", "utt2path") if spec[key]]


def trial_list_args(name):
    return params.trial_list_args(name, TRIALS[name])


def external_args(name):
    return params.external_args(EXTERNAL[name])


def read_policy():
    return params.read_policy(config)


def capacity(task, cfg=config):
    return params.capacity(task, cfg)


def task_seed(*parts):
    """A stage's seed from the run's seed: every stage but training keeps it whatever the experiment seed."""
    return derive(config["seed"], *parts)


# Downloads (download.smk).


def fetch_job(archive, into, where, there=None):
    return DOWNLOADS.job(archive, into, where, there)


def librispeech_job(subset):
    return DOWNLOADS.librispeech(subset)


def speech_commands_job():
    return DOWNLOADS.speech_commands()


def trial_list_path(key):
    return DOWNLOADS.trial_list_path(key)


# Features, training and evaluation of the grid's variants and seeds (features.smk, train.smk, evaluate.smk).
# The files each job reads (ge2e.plan.inputs), handed to the rules as their input functions.
INPUTS = Inputs(GRID, VARIANT_CONFIG, TRIALS, ASNORM_TOP_K, error=WorkflowError)
config_at = INPUTS.config_at
feature_shards = INPUTS.feature_shards
features_root = INPUTS.features_root
grid_run = INPUTS.grid_run
run_config = INPUTS.run_config
train_shards = INPUTS.train_shards
train_start = INPUTS.train_start
val_shards = INPUTS.val_shards
multireader_shards = INPUTS.multireader_shards
train_gpus = INPUTS.train_gpus
eval_features = INPUTS.eval_features
trial_files = INPUTS.trial_files
cohort_features = INPUTS.cohort_features


def validation_source(wildcards):
    return corpora_at(wildcards.root).validation_source(wildcards.task)


def run_cores():
    """The cores this run may use (--cores; all of them for 'all'); 1 where it was given none (a dry run plans and
    runs nothing)."""
    try:
        return workflow.cores
    except WorkflowError:
        return 1


def train_threads(wildcards):
    return params.train_threads(run_config(wildcards), run_cores())


def train_params(wildcards):
    cfg, run = run_config(wildcards), grid_run(wildcards)
    return canonical({**params.train_params(cfg, run), **transfer.train_params(GRID, cfg, run)})


def eval_protocol(wildcards):
    return params.eval_protocol(config, wildcards.task, wildcards.evalset)


def eval_frames(task):
    return config["evaluate"][task]["frames"]


def eval_seed(wildcards):
    """Every system of a task is scored on identical trials of a set: one seed per task and set, whatever
    the variant or experiment seed."""
    if wildcards.evalset == TEST_SET:
        return task_seed("evaluate", wildcards.task)
    return task_seed("evaluate", wildcards.task, wildcards.evalset)


# The report: its categories and labels, the tables and figures (report.smk).


def task_category(wildcards):
    return CORPORA.category(wildcards.task)


def variant_named(root, lead):
    """``lead`` plus the variant of ``root`` where it is not default."""
    variant = GRID.at(root)[0]
    return lead + ("" if variant == DEFAULT else f", variant {variant}")


def schedule_subcategory(wildcards):
    return variant_named(wildcards.root, f"{wildcards.schedule} lr schedule")


def loss_title(wildcards):
    return variant_named(wildcards.root, TASK_NAMES[wildcards.task]) + f", {wildcards.schedule} learning rate"


def grid_labels(root, seeded=True):
    return GRID.labels(root, seeded)


def final_targets():
    return TARGETS.final(DOWNLOADS.noise_markers())


def table_rows(evalset=TEST_SET):
    return TARGETS.table_rows(evalset)


def all_table_rows():
    return TARGETS.all_table_rows()


def keyword_means():
    return TARGETS.keyword_means()


def external_tables():
    return TARGETS.external_tables()


def trial_tables():
    return TARGETS.trial_tables()


def ablation_sections():
    return TARGETS.ablation_sections()


def loss_files(wildcards):
    return TARGETS.loss_files(wildcards.root, wildcards.task, wildcards.schedule)


def plot_systems(wildcards):
    return TARGETS.plot_systems(wildcards.root, wildcards.task, wildcards.evalset)


def decision_systems(wildcards):
    return TARGETS.decision_systems(wildcards.root, wildcards.task, wildcards.evalset)


def start_title(task):
    """What the embedding map's first panel shows: the untrained encoder, or the checkpoint the task starts from."""
    start = GRID.starts().get(DEFAULT, {}).get(task)
    return f"start of training ({start})" if start else "untrained encoder"


def embedding_map_label():
    """The trained encoder an embedding map shows: the first schedule's final checkpoint at the first seed."""
    seed = "" if SEEDS[0] == config["seed"] else f", seed {SEEDS[0]}"
    return f"trained ({SCHEDULES[0]} lr, final checkpoint{seed})"


def run_summary_tasks():
    return params.run_summary_tasks(config, CORPORA, RUN_TASKS)


def corpus_note():
    return CORPORA.note(RUN_TASKS, GRID.corpus_changes())


def corpus_lines():
    """What each task's corpus is, for the run summary's report caption (workflow/report/run_summary.rst)."""
    return CORPORA.lines()


def shipped_candidates(wildcards):
    """The checkpoints ship_encoder chooses among for its file: the default variant's best.pt of the file's task at
    every seed of the first schedule; for the TD-SV file, only where the run's keyword is the one it is named for."""
    task, schedule = shipped.task_of(f"models/{wildcards.shipped}.pt"), SCHEDULES[0]
    if task == "tdsv":
        try:
            shipped.check_keyword(config["corpus"])
        except InputError as exc:
            raise WorkflowError(str(exc)) from None
    return [f"{GRID.run_root(task, DEFAULT, schedule, seed)}/{task}/{schedule}/best.pt" for seed in SEEDS]
