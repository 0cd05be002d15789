"""The experiment grid: named variants of the config, training seeds, and where each run's files are.

A variant is the base config with overrides deep-merged into ``train``, ``model``, ``lr_schedules``,
``augment`` and ``features``, and of the corpus into the TD-SV keyword (``corpus.speech_commands.keyword``:
the pipeline reads one keyword per TD-SV corpus, so a variant per keyword trains and tests an encoder per
keyword, each on its own manifest); ``default`` is the base itself. An experiment seed stands in for the
run's ``seed`` in training alone (initial weights, batch sampling, segment crops): the corpus, its
splits, features, augmented shards and evaluation trials keep the run's seed, so every seed and every
variant is scored on the same trials, and a variant and ``default`` can be compared seed by seed.

Every variant and seed writes under a root that mirrors ``results/`` (:func:`root`): the default
variant at the run's seed writes ``results/...`` as a run without experiments does, another variant
adds ``variants/<name>/``, another seed ``seed<N>/``, e.g. ``results/variants/mom0/seed2/tisv/const/final.pt``.
A stage runs once per distinct settings (:class:`Grid`): a variant whose manifest, features, augmented
shards or training are those of an earlier variant reads that variant's files instead of making its own.
"""

import copy
import dataclasses
import json
from typing import NamedTuple

from ge2e import schema
from ge2e.errors import InputError
from ge2e.features.augment import AugmentParams
from ge2e.plan import transfer
from ge2e.systems import DEFAULT, TASK_NAMES, TASKS

RESULTS = "results"
SECTIONS = ("train", "model", "lr_schedules", "augment", "features")  # what a variant may change
# Keys inside those sections that a variant may not change, and why.
FIXED = {("features", "params", "sample_rate"): "the corpus is converted once, at the run's sample rate"}
# The keys of the corpus a variant may change, each with the task whose manifest it changes and the TD-SV format
# it needs: the keyword of a Speech Commands corpus.
CORPUS_KEYS = {("corpus", "speech_commands", "keyword"): ("tdsv", "speech_commands")}


def _at(cfg, path):
    """The value at key ``path`` (a tuple) of a config, or None where it has none."""
    node = cfg
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _without(cfg, paths):
    """A deep copy of a config with the keys at ``paths`` (tuples) taken out."""
    out = copy.deepcopy(cfg)
    for *parents, key in paths:
        node = _at(out, parents)
        if isinstance(node, dict):
            node.pop(key, None)
    return out


def _leaves(node, path=()):
    """The key paths (tuples) of every value below ``node`` that is no dict."""
    if not isinstance(node, dict) or not node:
        return [path]
    return [leaf for key, value in node.items() for leaf in _leaves(value, (*path, key))]


def merge(base, overrides):
    """A deep copy of ``base`` with ``overrides`` merged in: nested dicts key by key, anything else replaced."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _check(name, overrides, base):
    """Refuse overrides a variant cannot make: one InputError naming the config key."""
    where = f"config key experiments.variants.{name}"
    if name == DEFAULT and overrides:
        raise InputError(f"{where}: '{DEFAULT}' is the base config itself and takes no overrides; name the variant")
    corpus_keys = ", ".join(".".join(path) for path in CORPUS_KEYS)
    for section in overrides:
        if section not in (*SECTIONS, "corpus"):
            raise InputError(
                f"{where}.{section}: a variant may change only {', '.join(SECTIONS)} and {corpus_keys}; "
                f"'{section}' is the same for every variant"
            )
    for path in _leaves(overrides.get("corpus", {}), ("corpus",)) if "corpus" in overrides else ():
        if path not in CORPUS_KEYS:
            raise InputError(
                f"{where}.{'.'.join(path)}: of the corpus a variant may change only {corpus_keys} (a TD-SV keyword per "
                "variant); the rest is converted once for every variant"
            )
        task, fmt = CORPUS_KEYS[path]
        if base["corpus"][f"{task}_format"] != fmt:
            raise InputError(
                f"{where}.{'.'.join(path)}: the {TASK_NAMES[task]} corpus is not read as {fmt} "
                f"(corpus.{task}_format: {base['corpus'][f'{task}_format']}), so the key changes nothing"
            )
    for path, why in FIXED.items():
        node = overrides
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            raise InputError(f"{where}.{'.'.join(path)}: a variant cannot change it ({why})")
    for schedule in overrides.get("lr_schedules", {}):
        if schedule not in base["lr_schedules"]:
            raise InputError(
                f"{where}.lr_schedules.{schedule}: not a schedule of the base config; a variant changes "
                f"schedules ({', '.join(base['lr_schedules'])}), it does not add them"
            )


def variants(config):
    """``{name: config}`` of every variant, ``default`` (the base config) first, each with its overrides merged.

    Raises InputError for an override outside the sections a variant may change (:data:`SECTIONS`,
    :data:`FIXED`); the merged configs are validated against the schema by the caller.
    """
    base = {key: value for key, value in config.items() if key != "experiments"}
    out = {DEFAULT: base}
    for name, overrides in config["experiments"]["variants"].items():
        _check(name, overrides or {}, base)
        if name != DEFAULT:
            out[name] = merge(base, overrides or {})
    return out


def checked_variants(config):
    """:func:`variants`, each merged config checked against the schema as the run's own config is (InputError
    naming the variant)."""
    configs = variants(config)
    for name, cfg in configs.items():
        schema.check(cfg, f"experiments.variants.{name}")
    return configs


def seeds(config):
    """The experiment's training seeds: ``experiments.seeds``, or the run's ``seed`` alone."""
    return list(config["experiments"]["seeds"]) or [config["seed"]]


def root(variant, seed, base_seed):
    """The folder that mirrors ``results/`` for one variant and seed (``seed`` None: the variant's own
    folder, where its data stages and figures go)."""
    parts = [RESULTS]
    if variant != DEFAULT:
        parts += ["variants", variant]
    if seed is not None and seed != base_seed:
        parts.append(f"seed{seed}")
    return "/".join(parts)


def corpus_settings(cfg, task):
    """What a task's manifest depends on that a variant may change (:data:`CORPUS_KEYS`): TD-SV's keyword."""
    return [_at(cfg, path) for path, (of, _) in CORPUS_KEYS.items() if of == task]


def data_settings(cfg, task):
    """What a task's training data (features, or augmented shards when augmentation is on) depends on."""
    augment = cfg["augment"][task]
    return (cfg["features"], augment if AugmentParams(**augment).enabled else None, corpus_settings(cfg, task))


def init_settings(cfg, task, seed, schedule):
    """What a task's start weights depend on: its size, the training data (input statistics), the seed; and where
    ``train.<task>.init`` names a checkpoint, that: a file by its path, the other task's run by its settings (at
    ``schedule``: a run starts from that task's run of its own schedule)."""
    settings = (data_settings(cfg, task), cfg["model"], seed)
    init = transfer.init_of(cfg, task)
    if init in TASKS:
        return (*settings, train_settings(cfg, init, schedule, seed))
    return (*settings, init) if init else settings


def train_settings(cfg, task, schedule, seed):
    """What one training run depends on: its start, data, model, the task's and common ``train`` keys, its
    schedule, and the training data of its MultiReader source (a weight of 0 is none)."""
    train = {key: value for key, value in cfg["train"].items() if key not in TASKS}
    train[task] = {**cfg["train"][task], "multireader": transfer.multireader_of(cfg, task)}
    settings = (init_settings(cfg, task, seed, schedule), train, cfg["lr_schedules"][schedule])
    multireader = transfer.multireader_of(cfg, task)
    return (*settings, data_settings(cfg, multireader["source"])) if multireader else settings


class Family(NamedTuple):
    """Variants that differ from the default in the corpus keys alone (:meth:`Grid.keyword_family`)."""

    task: str  # the task whose corpus they change
    members: dict  # {variant: what it reads, e.g. the keyword 'yes'}, the default first


@dataclasses.dataclass(frozen=True)
class Run:
    """One training run of the grid: a task's schedule, trained with one variant's settings and one seed."""

    task: str
    variant: str
    schedule: str
    seed: int


class Grid:
    """Every variant and seed of an experiment, and the root each stage of each reads and writes.

    Settings are compared as the stages read them (:func:`data_settings`, :func:`train_settings`):
    of several variants with the same settings for a stage, the first (``default`` first, then in
    config order) owns it and makes its files under its own root; the others read them there.

    Args:
        config: the validated run config (with its ``experiments`` section).
        configs: ``{variant: config}`` as :func:`variants` returns it, each validated.
    """

    def __init__(self, config, configs):
        experiments = config["experiments"]
        self.base_seed = config["seed"]
        self.configs = configs
        self.variants = list(configs)
        self.seeds = seeds(config)
        self.tasks = [task for task in TASKS if task in experiments["tasks"]]
        transfer.check(configs, self.tasks)
        self.schedules = list(experiments["schedules"]) or list(config["lr_schedules"])
        for schedule in self.schedules:
            if schedule not in config["lr_schedules"]:
                raise InputError(
                    f"config key experiments.schedules: '{schedule}' is not a schedule of lr_schedules "
                    f"({', '.join(config['lr_schedules'])})"
                )
        first = {}

        def owner(key, variant):  # the first variant whose stage had these settings (key order aside)
            return first.setdefault(json.dumps(key, sort_keys=True), variant)

        pairs = [(task, v) for task in self.tasks for v in self.variants]
        # A task's manifest, made under the root of the first variant with its corpus settings (the default's:
        # results/); then the features of the external sets, which every task reads, and of each task's splits.
        self._corpus = {
            (task, v): owner(("corpus", task, corpus_settings(cfg, task)), v)
            for task in TASKS
            for v, cfg in configs.items()
        }
        self._corpus_changes = {
            v: {".".join(path): _at(configs[v], path) for path in CORPUS_KEYS}
            for v in self.variants
            if any(self._corpus[(task, v)] == v != DEFAULT for task in self.tasks)
        }
        self._features = {v: owner(("features", cfg["features"]), v) for v, cfg in configs.items()}
        self._task_features = {
            (task, v): owner(("features", cfg["features"], self._corpus[(task, v)]), v)
            for task in TASKS
            for v, cfg in configs.items()
        }
        self._augment = {
            (task, v): owner(("augment", task, data_settings(configs[v], task)), v)
            for task, v in pairs
            if self.augments(task, v)
        }
        # Every schedule of a run starts from the same weights: the untrained encoder is the first schedule's.
        self._inits = {
            (task, v, seed): owner(("init", task, init_settings(configs[v], task, seed, self.schedules[0])), v)
            for task, v in pairs
            for seed in self.seeds
        }
        self._runs = {
            (task, v, schedule, seed): owner(
                ("train", task, schedule, train_settings(configs[v], task, schedule, seed)), v
            )
            for task, v in pairs
            for schedule in self.schedules
            for seed in self.seeds
        }
        self._at = {self.root(v, seed): (v, seed) for v in self.variants for seed in [None, *self.seeds]}

    def root(self, variant, seed=None):
        return root(variant, seed, self.base_seed)

    def at(self, path_root):
        """(variant, seed) of a root (seed None: a variant's own folder)."""
        return self._at[path_root]

    def labels(self, path_root, seeded=True):
        """Report labels naming the variant and seed of ``path_root`` where the experiment has more than one of
        either (``seeded`` False: a result of no one training seed, such as the MFCC baseline or a figure)."""
        variant, seed = self.at(path_root)
        labels = {"variant": variant} if len(self.variants) > 1 else {}
        if len(self.seeds) > 1:
            labels["seed"] = str(seed if seed is not None else self.base_seed) if seeded else "none"
        return labels

    def all_roots(self):
        return list(self._at)

    def augments(self, task, variant):
        """True where ``variant`` trains ``task`` on augmented shards."""
        return data_settings(self.configs[variant], task)[1] is not None

    def corpus_owner(self, task, variant):
        """The variant whose manifest of ``task`` ``variant`` reads: the default's, unless it changes the corpus."""
        return self._corpus[(task, variant)]

    def corpus_root(self, task, variant):
        """Where ``variant``'s manifest of ``task`` is: ``<root>/<task>/manifest.tsv``."""
        return self.root(self._corpus[(task, variant)])

    def corpus_changes(self):
        """{variant: {config key: value}} of the variants that read a corpus of their own (:data:`CORPUS_KEYS`)."""
        return self._corpus_changes

    def keyword_family(self):
        """The default and the variants that differ from it in nothing but :data:`CORPUS_KEYS` (one TD-SV keyword
        each), as a :class:`Family`; None where no variant does. The table averages their rows of the task over the
        family (an encoder per keyword, judged as one recipe); a variant that also changes, say, the learning rate is
        another recipe and stays out of the mean."""
        paths = [path for path in CORPUS_KEYS if CORPUS_KEYS[path][0] in self.tasks]
        base = _without(self.configs[DEFAULT], paths)
        members = [v for v in self._corpus_changes if _without(self.configs[v], paths) == base]
        if not members:
            return None
        task = CORPUS_KEYS[paths[0]][0]  # one key today (the TD-SV keyword), so one task
        return Family(task, {v: ", ".join(str(_at(self.configs[v], p)) for p in paths) for v in [DEFAULT, *members]})

    def features_owner(self, variant, task=None):
        """The variant whose features ``variant`` reads: of a task's splits, or (``task`` None) of the external
        sets. A variant reads the features of its own task splits where it changes the features or the corpus."""
        return self._features[variant] if task is None else self._task_features[(task, variant)]

    def features_root(self, variant, task=None):
        return self.root(self.features_owner(variant, task))

    def data_root(self, task, variant):
        """Where ``variant``'s training data of ``task`` is: its augmented shards, or its features' train split."""
        if self.augments(task, variant):
            return self.root(self._augment[(task, variant)])
        return self.features_root(variant, task)

    def run_root(self, task, variant, schedule, seed):
        """Where the training of ``variant``'s ``schedule`` at ``seed`` writes ``<task>/<schedule>/``."""
        return self.root(self._runs[(task, variant, schedule, seed)], seed)

    def init_owner(self, task, variant):
        """The variant whose untrained encoder ``variant`` starts from (the same at every seed)."""
        return self._inits[(task, variant, self.seeds[0])]

    def init_root(self, task, variant, seed):
        """Where ``variant``'s untrained encoder at ``seed`` is: ``<root>/<task>/<first schedule>/init.pt``."""
        return self.root(self._inits[(task, variant, seed)], seed)

    def owns(self, task, variant, schedule):
        """True where ``variant`` trains ``task``'s ``schedule`` itself (no earlier variant has its settings)."""
        return self._runs[(task, variant, schedule, self.seeds[0])] == variant

    def own_inits(self):
        """The variants with an untrained encoder of their own for some task."""
        return [v for v in self.variants if any(self.init_owner(task, v) == v for task in self.tasks)]

    def starts(self):
        """{variant: {task: what it starts from}} of the variants with start weights of their own where a task of
        the run starts from a checkpoint (``train.<task>.init``): their table rows say so."""
        starts = {v: transfer.start_label(self.configs[v], self.tasks, self.schedules[0]) for v in self.own_inits()}
        return {v: label for v, label in starts.items() if label}

    def own_features(self):
        """The variants with features of their own (of the external sets, or of some task's splits)."""
        return [
            v
            for v in self.variants
            if self._features[v] == v or any(self._task_features[(task, v)] == v for task in self.tasks)
        ]

    def run_at(self, path_root, task, schedule):
        """The Run whose files are at ``path_root/task/schedule/``; an InputError where another root holds them."""
        variant, seed = self.at(path_root)
        canonical = self.run_root(task, variant, schedule, seed)
        if canonical != path_root:
            raise InputError(
                f"{path_root}/{task}/{schedule}: variant {variant} trains this exactly as the run in "
                f"{canonical}/{task}/{schedule} does, whose files are used instead"
            )
        return Run(task, variant, schedule, seed)

    def runs(self):
        """Every training run that does its own work."""
        return [Run(*key) for key, owner in self._runs.items() if owner == key[1]]

    def variant_roots(self):
        """Each variant's own folder (its figures)."""
        return [self.root(v) for v in self.variants]

    def roots_of(self, stage):
        """The roots that make a stage's files: ``corpus`` (manifests), ``features``, ``augment``, ``train`` (training
        and evaluation)."""
        if stage == "corpus":
            return sorted({self.root(self._corpus[(task, v)]) for task in self.tasks for v in self.variants})
        if stage == "features":
            task_features = {self._task_features[(task, v)] for task in self.tasks for v in self.variants}
            return sorted({self.root(v) for v in {*self._features.values(), *task_features}})
        if stage == "augment":
            return sorted({self.root(v) for v in self._augment.values()})
        return sorted({self.root(run.variant, run.seed) for run in self.runs()})
