"""Which corpus each task reads, as the config says, and how the run names it.

``corpus.tisv_format`` and ``corpus.tdsv_format`` pick a layout (``ge2e.corpus.formats``). TIMIT and Snips, the
defaults and the built-in corpus's layouts, are converted by rules of their own (convert_timit, convert_snips)
from ``corpus.timit_root`` and ``corpus.snips_root``, where ``builtin`` means the built-in look-alike that rule
builtin_corpus writes; any other format is *listed*: read where it lies (convert_tisv, convert_tdsv), configured
by its own section (``corpus.librispeech``, ``corpus.speech_commands``, ...). Extra TI-SV training corpora
(``corpus.tisv_extra_train``) are merged into the TI-SV manifest.

The wording of which corpus a task read is here once: the table's note (:meth:`Corpora.note`), the run
summary's entry (:meth:`Corpora.where`), the report's categories and its corpus lines (:meth:`Corpora.lines`).
"""

from ge2e.builtin import layouts
from ge2e.corpus import extra, extra_config, formats
from ge2e.corpus.speaker_split import SpeakerSplit
from ge2e.plan.downloads import librispeech_fetched, marker
from ge2e.plan.params import canonical
from ge2e.systems import CORPUS_NAMES, CORPUS_OF_TASK, TASK_NAMES, TASK_TITLES, builtin_name

BUILTIN_ROOT = "results/builtin_corpus"  # rule builtin_corpus writes each built-in corpus under here
DEFAULT_FORMATS = {"tisv": formats.TIMIT, "tdsv": formats.SNIPS}


class Corpora:
    """The corpora of a config's ``corpus`` and ``builtin`` sections.

    Raises InputError (from ``ge2e.corpus.extra_config.section``) for an extra training corpus's entry that
    is wrong in itself; what must exist on disk is checked by ``ge2e.plan.checks``.
    """

    def __init__(self, config):
        self.corpus = config["corpus"]
        self.format = {task: self.corpus[f"{task}_format"] for task in DEFAULT_FORMATS}
        # The format of a task's corpus read where it lies; None where the task reads its default layout.
        self.listed = {task: fmt if fmt != DEFAULT_FORMATS[task] else None for task, fmt in self.format.items()}
        # Each task's built-in corpus: its config section (builtin.timit, builtin.snips) and what it will hold
        # (ge2e.builtin.layouts.CorpusSize). A task on a real corpus has both too (the section has defaults), unused.
        self.builtin_section = {task: f"builtin.{name.lower()}" for task, (_, name) in CORPUS_OF_TASK.items()}
        # {folder name (TIMIT, snips): its section}, what rule builtin_corpus writes each from.
        self.builtin_settings = {name: config["builtin"][name.lower()] for _, name in CORPUS_OF_TASK.values()}
        self.builtin_size = {
            task: layouts.corpus_size(layouts.make_spec(name, self.builtin_settings[name]))
            for task, (_, name) in CORPUS_OF_TASK.items()
        }
        # {name: (format, the reader's config section)} of the extra TI-SV training corpora.
        self.extra_train = {
            name: extra_config.section(name, entry, self.is_builtin("tisv"))
            for name, entry in self.corpus["tisv_extra_train"].items()
        }

    def is_builtin(self, task):
        return not self.listed[task] and self.corpus[CORPUS_OF_TASK[task][0]] == "builtin"

    def root(self, task):
        """The corpus folder of a task's default layout: the built-in one, or the configured real copy."""
        key, name = CORPUS_OF_TASK[task]
        return f"{BUILTIN_ROOT}/{name}" if self.is_builtin(task) else self.corpus[key]

    def listed_section(self, task):
        """The reader's config section of a listed corpus (e.g. corpus.librispeech without its download switch);
        empty for TIMIT and Snips."""
        fmt = self.listed[task]
        return canonical(formats.reader_section(self.corpus[fmt])) if fmt else {}

    def listed_spec(self, task):
        """The reader's Spec of a listed corpus (``ge2e.corpus.formats.spec``)."""
        return formats.spec(self.listed[task], self.listed_section(task))

    def downloads(self, task):
        """The markers of the downloads a task's corpus waits for: with corpus.<format>.download on (LibriSpeech,
        Speech Commands), one per LibriSpeech subset it reads, or Speech Commands' one; none otherwise."""
        fmt = self.listed[task]
        section = self.corpus[fmt] if fmt else {}
        if not section.get("download"):
            return []
        if fmt == "librispeech":
            return [marker(f"librispeech/{subset}") for subset in librispeech_fetched(section)]
        return [marker("speech_commands")]

    def timit_val_list(self):
        """The file naming TIMIT's validation speakers: the built-in generator's own, or the configured one."""
        if self.is_builtin("tisv"):
            return f"{self.root('tisv')}/{layouts.VAL_LIST}"
        return self.corpus["timit_val_speakers"]

    def extra_builtin(self, name):
        """True where extra training corpus ``name`` is the built-in TIMIT look-alike (a rule output)."""
        return self.extra_train[name][0] == extra.BUILTIN

    def reference_tasks(self, tasks):
        """The tasks whose published EERs (``ge2e.results.table.REFERENCES``) the table shows: those that read the
        layout the figures were measured on (TIMIT, Snips, or their built-in look-alikes)."""
        return [task for task in tasks if self.listed[task] is None]

    # How the run names what it read.

    def listed_name(self, task):
        """A listed corpus's name and where it is read from."""
        return f"{formats.NAMES[self.listed[task]]} at {self.listed_spec(task).where()}"

    def extra_train_names(self):
        """The extra training corpora, each by name and where it is read from."""
        return ", ".join(
            f"{name} ({extra_config.where(f, section)})" for name, (f, section) in self.extra_train.items()
        )

    def category(self, task):
        """A task's report category: its name and its corpus's."""
        if self.listed[task]:
            return f"{TASK_NAMES[task]} ({formats.NAMES[self.listed[task]]})"
        return TASK_TITLES[task]

    def where(self, task):
        """The run summary's corpus of a task: built-in, a real corpus's folder, or a listed corpus's name and
        folders; then the extra training corpora of TI-SV."""
        if self.is_builtin(task):
            where = "built-in synthetic"
        else:
            where = self.listed_name(task) if self.listed[task] else self.root(task)
        if task == "tisv" and self.extra_train:
            return f"{where} + training speakers of {self.extra_train_names()}"
        return where

    def name(self, task):
        """The corpus a task reads, by name: the built-in look-alike, a listed corpus and where it is, or
        TIMIT or Snips at its root."""
        if self.is_builtin(task):
            return builtin_name(task)
        return self.listed_name(task) if self.listed[task] else f"{CORPUS_NAMES[task]} at {self.root(task)}"

    def extra_validating(self):
        """The extra training corpora whose ``speakers`` split gives validation speakers, by name."""
        return [
            name
            for name, (_, section) in self.extra_train.items()
            if (split := SpeakerSplit.of(section.get(extra.SPEAKERS))) and split.val
        ]

    def validation_source(self, task):
        """What a task's validation speakers are, as a calibration fitted on them says (``ge2e verify`` names it,
        and warns when it is the built-in corpus)."""
        more = self.extra_validating() if task == "tisv" else []
        also = f" and of the extra corpora {', '.join(more)} (their speakers' val part)" if more else ""
        return f"{TASK_NAMES[task]} validation speakers of the {self.name(task)}{also}"

    def note(self, tasks, variants=None):
        """The EER table's note on what ``tasks`` were trained and tested on; ``variants``: {variant: {config key:
        value}} of the experiment's variants that read a corpus of their own (``ge2e.plan.grid.Grid.corpus_changes``).
        """
        names = [self.name(task) for task in tasks]
        if self.extra_train and "tisv" in tasks:
            names[tasks.index("tisv")] += f" (+ training speakers of {self.extra_train_names()})"
        note = ", ".join(f"{TASK_NAMES[task]} on {name}" for task, name in zip(tasks, names, strict=True))
        if variants:
            note += "; variants reading a corpus of their own: " + ", ".join(
                f"{v} ({', '.join(f'{key} {value!r}' for key, value in keys.items())})" for v, keys in variants.items()
            )
        if any(self.is_builtin(task) for task in tasks):
            note += (
                " (built-in: test speakers speak in base voices, TTS voices or recorded persons, that no training "
                "or validation speaker has, so the test measures voices the encoder never heard)"
            )
        return note

    def lines(self):
        """The report's lines on the corpora (reStructuredText), TI-SV's then TD-SV's, as the config says them."""
        out = [self._tisv_line()]
        if self.extra_train:
            out.append(
                f"TI-SV extra training speakers of: {self.extra_train_names()} (``corpus.tisv_extra_train``; "
                "ids prefixed with the entry's name; all train, or, where ``speakers`` splits an entry, its train part "
                "trains, its val part joins the validation speakers and its test part is left out)."
            )
        return [*out, self._tdsv_line()]

    def _tisv_line(self):
        c, size = self.corpus, self.builtin_size["tisv"]
        if self.listed["tisv"]:
            return (
                f"TI-SV: {self.listed_name('tisv')}, read where it lies (``corpus.tisv_format: {c['tisv_format']}``; "
                f"test and validation speakers as its section ``corpus.{c['tisv_format']}`` says)."
            )
        if self.is_builtin("tisv"):
            return (
                f"TI-SV: {builtin_name('tisv')}, {size.speakers['train']} training, {size.speakers['val']} validation "
                f"and {size.speakers['test']} test speakers, {size.fewest} utterances each; the base voices (TTS voice "
                "or recorded person) of the three splits are disjoint."
            )
        val = (
            f"listed in ``{c['timit_val_speakers']}``"
            if c["timit_val_speakers"]
            else f"a fraction {c['timit_val_fraction']} of the training speakers, at random"
        )
        return f"TI-SV: TIMIT at ``{c['timit_root']}`` ({c['timit_test_set']} test set; validation speakers {val})."

    def _tdsv_line(self):
        c, size = self.corpus, self.builtin_size["tdsv"]
        if self.listed["tdsv"]:
            return (
                f"TD-SV: {self.listed_name('tdsv')}, read where it lies (``corpus.tdsv_format: {c['tdsv_format']}``; "
                "only the keyword's files; training, validation and test speakers as its section "
                f"``corpus.{c['tdsv_format']}`` says)."
            )
        if self.is_builtin("tdsv"):
            return (
                f"TD-SV: {builtin_name('tdsv')}, {size.speakers['train']} training, {size.speakers['val']} validation "
                f"and {size.speakers['test']} test speakers, {size.fewest}–{size.most} keyword utterances each; the "
                "base voices of the three splits are disjoint."
            )
        return f"TD-SV: the Snips keyword set at ``{c['snips_root']}`` (train/dev/test speakers as in its JSON files)."
