"""The start-up checks: what a config names that must exist or fit, checked while Snakemake parses the workflow,
before any job runs.

Each check raises ``ge2e.errors.InputError`` with one line naming the config key and the fix; the Snakefile
(``common.smk``) turns it into Snakemake's WorkflowError, so a wrong path, list or size stops the run at once.
:func:`check` runs them all, in the order they were always run, so a config with several mistakes is told the
same first one; :func:`check_placeholders`, which names the file that set a key, runs before them. Settings wrong
in themselves (a variant's, an extra corpus's, an unknown schedule) are refused earlier, where the grid and the
corpora are read (``ge2e.plan.grid``, ``ge2e.plan.corpora``).
"""

from pathlib import Path

from ge2e import schema
from ge2e.corpus import extra, extra_config, folder, formats, snips, timit
from ge2e.corpus.manifest import check_sizes
from ge2e.corpus.rows import check_paths
from ge2e.corpus.speaker_split import SpeakerSplit
from ge2e.errors import InputError
from ge2e.evaluate.trial_lists import load as load_trial_list
from ge2e.features.recordings import check_roots
from ge2e.fetch import archives
from ge2e.fetch.obtain import present
from ge2e.plan import transfer
from ge2e.plan.corpora import Corpora
from ge2e.plan.downloads import librispeech_fetched
from ge2e.plan.params import capacity, external_sets, trial_list_args
from ge2e.systems import CORPUS_OF_TASK, DEFAULT
from ge2e.train.optimisers import SGD

PLACEHOLDER = "/path/to/"  # how documentation writes a folder of your own


def check_placeholders(config, layers):
    """No config value is a placeholder path (``/path/to/...``, copied from documentation): InputError naming the key
    and the file that set it (``layers``: ``ge2e.schema.layers``), before any check that would call it a missing
    folder."""
    for parts, value in _strings(config):
        if value.startswith(PLACEHOLDER):
            source = schema.origin(parts, layers)
            raise InputError(
                f"config key {schema.key_name(parts)}{f' (set in {source})' if source else ''}: {value!r} is a "
                "placeholder; set the key to your copy's folder in a config file of your own, given last"
            )


def _strings(node, parts=()):
    """(path, value) of every string in a config."""
    if isinstance(node, str):
        yield parts, node
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from _strings(child, (*parts, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _strings(child, (*parts, index))


def check(config, variant_configs, tasks, corpora, downloads):
    """Every start-up check of a run of ``tasks`` with the experiment's ``variant_configs`` ({variant: config}),
    ``corpora`` (``ge2e.plan.corpora.Corpora``) and ``downloads`` (``ge2e.plan.downloads.Downloads``)."""
    check_corpora(corpora, tasks)
    check_variant_corpora(variant_configs, corpora, tasks)
    archives.check_checksums(config["download"]["checksums"])
    check_extra_train(corpora, tasks)
    check_external(external_sets(config), corpora, tasks)
    check_trial_lists(config, downloads)
    check_builtin_capacity(variant_configs, tasks, corpora)
    check_augment_folders(variant_configs, tasks)
    check_encoder_inputs(variant_configs)
    check_optimisers(variant_configs)
    transfer.check_files(variant_configs, tasks)


def check_corpora(corpora, tasks):
    """The corpus of each task: a real TIMIT or Snips copy is a folder holding what its converter reads (TRAIN/ and
    TEST/; train.json, dev.json and test.json); a listed corpus passes :func:`check_listed_corpus`. A built-in one
    is the workflow's to write."""
    for task in tasks:
        if corpora.listed[task]:
            check_listed_corpus(corpora, task)
        elif not corpora.is_builtin(task):
            key = f"corpus.{CORPUS_OF_TASK[task][0]}"
            if not Path(corpora.root(task)).is_dir():
                raise InputError(
                    f"config key {key}: {corpora.root(task)!r} is not a folder; point it at your corpus copy or set it "
                    "to 'builtin'"
                )
            LAYOUT_CHECKS[task](corpora.root(task), key)


# The start-up check of the layout each task's default format reads (ge2e.corpus.timit, ge2e.corpus.snips).
LAYOUT_CHECKS = {"tisv": timit.check_root, "tdsv": snips.check_root}


def check_variant_corpora(variant_configs, corpora, tasks):
    """The corpus of every variant that reads its own (a TD-SV keyword: ``ge2e.plan.grid.CORPUS_KEYS``), checked as
    the run's is (:func:`check_listed_corpus`): its keyword folder is there."""
    for name, cfg in variant_configs.items():
        if cfg["corpus"] == corpora.corpus:
            continue
        theirs = Corpora(cfg)
        for task in tasks:
            if theirs.listed[task] and theirs.listed_section(task) != corpora.listed_section(task):
                try:
                    check_listed_corpus(theirs, task)
                except InputError as exc:
                    raise InputError(f"experiments.variants.{name}: {exc}") from None


def check_listed_corpus(corpora, task):
    """A corpus read where it lies: its paths, and what its reader checks beyond them (``Spec.check``: the subsets,
    the speaker or keyword folders, the marker files of its layout). With its download on, what the download brings
    is no error (a root still to be made or filled, a LibriSpeech subset still to be fetched, with SPEAKERS.TXT), but
    the root must be named, and a LibriSpeech subset that is not there must be one openslr publishes."""
    spec = corpora.listed_spec(task)
    fmt = corpora.listed[task]
    if not corpora.downloads(task):
        check_paths(spec.paths())
        spec.check()
        return
    key = f"corpus.{fmt}"
    if not spec.root:
        raise InputError(f"config key {key}.root is empty: name the folder the download fills, e.g. data/LibriSpeech")
    check_paths([path for path in spec.paths() if path[0] != f"{key}.root"])
    if fmt == "librispeech":
        for part in ("train_subsets", "test_subsets"):
            for subset in getattr(spec, part):
                if subset not in archives.LIBRISPEECH and not Path(spec.root, subset).is_dir():
                    raise InputError(
                        f"config key {key}.{part}: {subset!r} is not under {spec.root}, and openslr publishes no "
                        f"subset of that name ({', '.join(archives.LIBRISPEECH)})"
                    )
        spec.check(fetched=librispeech_fetched(corpora.corpus[fmt]))
    elif present(spec.root):  # Speech Commands: fetched only into a root that is missing or empty
        spec.check()


def check_extra_train(corpora, tasks):
    """The folders and files of every extra TI-SV training corpus, and what its reader checks of its training part
    (``Spec.check``), where TI-SV runs; each named by the entry's keys."""
    if "tisv" not in tasks:
        return
    for name, (fmt, section) in corpora.extra_train.items():
        check_paths(extra_config.paths(name, fmt, section))
        if fmt != extra.BUILTIN:
            try:
                formats.spec(fmt, extra.reader_section(section)).check(training_only=True)
            except InputError as exc:
                raise InputError(extra.renamed(str(exc), name, fmt)) from None


def check_external(external, corpora, tasks):
    """Every external evaluation set (``ge2e.plan.params.external_sets``) is a folder; one that is the folder of an
    extra TI-SV training corpus too (where TI-SV runs) reads the test part of the same split, so that none of
    its speakers trains or validates."""
    for name, spec in external.items():
        root = spec["root"]
        if not Path(root).is_dir():
            raise InputError(
                f"config key evaluate.external.{name}: {root!r} is not a folder; point it at a folder of "
                "<speaker>/<audio files> or remove the entry"
            )
        folder.check_root(root, f"evaluate.external.{name}")
        for extra_name, (fmt, section) in corpora.extra_train.items() if "tisv" in tasks else ():
            if fmt != "folder" or not Path(section["root"]).is_dir() or not Path(section["root"]).samefile(root):
                continue
            ours, theirs = SpeakerSplit.of(section.get(extra.SPEAKERS)), SpeakerSplit.of(spec["speakers"])
            same = ours and theirs and (ours.val, ours.test, ours.seed) == (theirs.val, theirs.test, theirs.seed)
            if not same or theirs.part != "test":
                raise InputError(
                    f"config key evaluate.external.{name}: {root} is the folder of extra training corpus {extra_name} "
                    f"({extra.KEY}.{extra_name}.root), whose speakers train; give both a speakers split with the same "
                    "counts and seed, and the external set part: test, so that it tests on speakers that never train "
                    "or validate"
                )


def trial_lists(config, downloads):
    """{name: spec} of evaluate.trials, each spec with its ``trials`` file: the list you have, or where
    evaluate.trials.<name>.download puts it (``downloads``: ``ge2e.plan.downloads.Downloads``). Exactly one of the
    two keys is given, and a downloaded VoxCeleb1 list is in voxceleb form without an enrolment map."""
    out = {}
    for name, spec in config["evaluate"]["trials"].items():
        if spec.get("download") and spec.get("trials"):
            raise InputError(
                f"config key evaluate.trials.{name}: give trials (a list you have) or download ({spec['download']}), "
                "not both"
            )
        if spec.get("download"):
            if spec["format"] != "voxceleb" or spec["enrol"]:
                raise InputError(
                    f"config key evaluate.trials.{name}.format: the VoxCeleb1 lists are in voxceleb form, without an "
                    "enrolment map; leave format and enrol out"
                )
            spec = {**spec, "trials": downloads.trial_list_path(spec["download"])}
        elif not spec.get("trials"):
            raise InputError(
                f"config key evaluate.trials.{name}.trials is missing: name the list's file, or set download to one of "
                f"{', '.join(archives.TRIAL_LISTS)}"
            )
        out[name] = spec
    return out


def check_trial_lists(config, downloads):
    """Every trial list: named once among the evaluation sets; its files, each line, and the audio of every
    utterance it names (a list still to be downloaded is checked by its convert rule, after the download)."""
    specs = trial_lists(config, downloads)
    for name, spec in specs.items():
        if name in config["evaluate"]["external"]:
            raise InputError(
                f"config key evaluate.trials.{name}: evaluate.external has a set of that name too; rename one"
            )
        if spec.get("download") and not Path(spec["trials"]).is_file():
            continue
        load_trial_list(**trial_list_args(name, spec))


def check_builtin_capacity(variant_configs, tasks, corpora):
    """The built-in corpus's speakers are known from config, so N of every variant is checked before any job, by
    the check the convert rules run on a manifest. How many segments its utterances hold is not known until they
    are synthesised: the convert rules check M on the manifest."""
    for name, cfg in variant_configs.items():
        for task in tasks:
            if corpora.is_builtin(task):
                try:
                    size = corpora.builtin_size[task].counts()
                    check_sizes(size, task, **capacity(task, cfg), builtin=corpora.builtin_section[task])
                except InputError as exc:
                    where = "" if name == DEFAULT else f"experiments.variants.{name}: "
                    raise InputError(f"{where}{exc}") from None


def check_encoder_inputs(variant_configs):
    """The resemblyzer encoder takes the mel power, the exponential of log-mels that are not normalised: refused
    with features.params.normalise other than none."""
    for name, cfg in variant_configs.items():
        if cfg["model"]["arch"] == "resemblyzer" and cfg["features"]["params"]["normalise"] != "none":
            where = "" if name == DEFAULT else f"experiments.variants.{name}."
            raise InputError(
                f"{where}model.arch: resemblyzer takes the mel power itself, so features.params.normalise must be "
                f"none (it is {cfg['features']['params']['normalise']}); config/resemblyzer.yaml has its settings"
            )


def check_optimisers(variant_configs):
    """Adam keeps its own moment estimates: a schedule with optimiser adam is refused where train.momentum (SGD's)
    is not 0, rather than the momentum being silently ignored."""
    for name, cfg in variant_configs.items():
        for schedule, settings in cfg["lr_schedules"].items():
            if settings.get("optimiser", SGD) != SGD and cfg["train"]["momentum"]:
                where = "" if name == DEFAULT else f"experiments.variants.{name}: "
                raise InputError(
                    f"{where}lr_schedules.{schedule}.optimiser: {settings['optimiser']} has no momentum, so "
                    f"train.momentum must be 0 (it is {cfg['train']['momentum']}); it is SGD's"
                )


def check_augment_folders(variant_configs, tasks):
    """Every folder of noise or impulse-response recordings (augment.<task>.noise_roots, rir_roots) that a variant
    names for a task of the run holds wav or flac files."""
    checked = set()
    for name, cfg in variant_configs.items():
        where = "" if name == DEFAULT else f"experiments.variants.{name}."
        for task in tasks:
            for key in ("noise_roots", "rir_roots"):
                roots = tuple(cfg["augment"][task][key])
                if (task, key, roots) not in checked:  # a variant's are mostly the base config's
                    checked.add((task, key, roots))
                    check_roots(roots, f"{where}augment.{task}.{key}")
