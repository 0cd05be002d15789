"""What a run makes and where: each system's result files, the table rows that read them, the figures, the
final targets.

Every evaluated system (``ge2e.systems``) is scored on each evaluation set: the test split of each task's corpus
(``TEST_SET``), every external folder of real speech (``evaluate.external``), every published trial list
(``evaluate.trials``). A system trained at several experiment seeds has one result per seed, under the root the
grid gives its run (``ge2e.plan.grid.Grid``); the MFCC baseline, one under its features' root.
"""

from ge2e.plan.params import TEST_SET
from ge2e.results.rows import MeanRow, SeedFiles, TableRow
from ge2e.results.table import PER_SEED
from ge2e.systems import DEFAULT, UNTRAINED, keyword_mean_label

TABLES = ("results/eer_table.md", "results/eer_table.html", PER_SEED)
ABLATION = ("results/ablation.md", "results/ablation.html")
RUN_SUMMARY = "results/run_summary.html"


class Targets:
    """The files of one run.

    Args:
        grid: the experiment grid (``ge2e.plan.grid.Grid``).
        systems: every evaluated system in table order (``ge2e.systems.systems``).
        external: {name: folder} of the external sets (evaluate.external).
        trials: {name: spec} of the trial lists, their files resolved (``ge2e.plan.checks.trial_lists``).
        asnorm_top_k: AS-norm's cohort scores per side, or None.
    """

    def __init__(self, grid, systems, external, trials, asnorm_top_k):
        self.grid, self.systems = grid, systems
        self.tasks, self.schedules, self.seeds = grid.tasks, grid.schedules, grid.seeds
        self.external, self.trials, self.asnorm_top_k = external, trials, asnorm_top_k
        self.eval_sets = [TEST_SET, *external, *trials]

    def final(self, noise_markers=()):
        """What a whole run produces: the table (Markdown, HTML, per seed), the ablation when there are variants,
        the run summary and every figure; and the ``noise_markers`` of the noise corpora it downloads."""
        tables = [*TABLES, *(ABLATION if self.ablated() else ())]
        return tables + [RUN_SUMMARY] + self.plots() + list(noise_markers)

    def plotted(self, task, variant):
        """True where a variant has figures of its own for a task: the default always, another where it trains
        some schedule of the task itself."""
        return variant == DEFAULT or any(self.grid.owns(task, variant, schedule) for schedule in self.schedules)

    def plots(self):
        """Every figure of a run: loss curves (every seed) per variant, task and schedule trained, DET curves and
        score histograms per variant, task and set, embedding maps per task."""
        grid = self.grid
        loss = [
            f"{grid.root(v)}/plots/loss_{task}_{schedule}.png"
            for v in grid.variants
            for task in self.tasks
            for schedule in self.schedules
            if grid.owns(task, v, schedule)
        ]
        scores = [
            f"{grid.root(v)}/plots/{kind}_{task}_{evalset}.png"
            for v in grid.variants
            for task in self.tasks
            if self.plotted(task, v)
            for kind in ("det", "scores")
            for evalset in self.eval_sets
        ]
        return loss + scores + [f"results/plots/embeddings_{task}.png" for task in self.tasks]

    def system_results(self, system, task, evalset, suffix=".json"):
        """Where one system's evaluation of a task on one set is written: one path per experiment seed (the MFCC
        baseline, which has no seed: one path)."""
        grid = self.grid
        if system.schedule is None:
            return [f"{grid.features_root(system.variant, task)}/{task}/baselines/{evalset}/mfcc{suffix}"]
        roots = [
            (
                grid.init_root(task, system.variant, seed)
                if system.checkpoint == UNTRAINED
                else grid.run_root(task, system.variant, system.schedule, seed)
            )
            for seed in self.seeds
        ]
        return [f"{root}/{task}/{system.schedule}/eval/{evalset}/{system.checkpoint}{suffix}" for root in roots]

    def variant_systems(self, task, variant):
        """The systems of one variant's figures: its trained checkpoints, the untrained encoder it starts from and
        the MFCC baseline of its features."""
        start = self.grid.init_owner(task, variant)
        return [
            s
            for s in self.systems
            if (s.variant == variant and not s.baseline)
            or (s.checkpoint == UNTRAINED and s.variant == start)
            or (s.schedule is None and s.variant == self.grid.features_owner(variant, task))
        ]

    def plot_systems(self, root, task, evalset):
        """(system, its scores TSV of every seed) of the figures of the variant at ``root`` on one set."""
        variant = self.grid.at(root)[0]
        return [(s, self.system_results(s, task, evalset, "_scores.tsv")) for s in self.variant_systems(task, variant)]

    def decision_systems(self, root, task, evalset):
        """(system, its evaluation JSON, its scores TSV) at the first seed, for the decision figure of the variant
        at ``root`` on one set: each seed has a calibration of its own, so one seed's points are drawn."""
        variant = self.grid.at(root)[0]
        return [
            (s, self.system_results(s, task, evalset)[0], self.system_results(s, task, evalset, "_scores.tsv")[0])
            for s in self.variant_systems(task, variant)
        ]

    def loss_files(self, root, task, schedule):
        """The loss logs of every seed of the variant at ``root`` for one task and schedule."""
        variant = self.grid.at(root)[0]
        roots = [self.grid.run_root(task, variant, schedule, seed) for seed in self.seeds]
        return [f"{run_root}/{task}/{schedule}/loss.tsv" for run_root in roots]

    def table_rows(self, evalset=TEST_SET):
        """Each system's results on one set, in table order."""
        return [
            TableRow(
                s.label,
                s.variant,
                s.schedule,
                s.checkpoint or "mfcc",
                {
                    task: [
                        SeedFiles(*entry)
                        for entry in zip(
                            self.seeds if s.schedule else [None],
                            self.system_results(s, task, evalset),
                            self.system_results(s, task, evalset, "_scores.tsv"),
                            strict=True,
                        )
                    ]
                    for task in self.tasks
                },
            )
            for s in self.systems
        ]

    def keyword_means(self):
        """The mean rows of every table section (``ge2e.results.rows.MeanRow``): where variants differ from the default
        in the keyword alone (``Grid.keyword_family``), one per system of the default that each of them has (the
        trained checkpoints, the untrained encoder, the MFCC baseline), over the family's rows of that system; each
        after the family's rows of its kind of system (trained, start, MFCC), which the table lists variant by
        variant."""
        family = self.grid.keyword_family()
        if family is None:
            return []

        def kind(s):
            return s.schedule, s.checkpoint

        def block(s):
            return s.schedule is None, s.checkpoint == UNTRAINED

        means = []
        for system in (s for s in self.systems if s.variant == DEFAULT):
            rows = [
                next((s for s in self.systems if s.variant == v and kind(s) == kind(system)), None)
                for v in family.members
            ]
            if all(rows):
                last = [s for s in self.systems if s.variant in family.members and block(s) == block(system)][-1]
                means.append(
                    MeanRow(
                        keyword_mean_label(system),
                        family.task,
                        tuple(s.label for s in rows),
                        tuple(family.members.values()),
                        last.label,
                    )
                )
        return means

    def external_tables(self):
        """(set name, folder, rows) of each external set, for the table's own sections."""
        return [(name, root, self.table_rows(name)) for name, root in self.external.items()]

    def trial_tables(self):
        """(list name, what it is, rows) of each trial list, for the table's own sections."""
        return [
            (
                name,
                {k: spec[k] for k in ("root", "trials", "format")} | {"asnorm_top_k": self.asnorm_top_k},
                self.table_rows(name),
            )
            for name, spec in self.trials.items()
        ]

    def ablated(self):
        """The variants the ablation sets against default: all but those that read a corpus of their own (a TD-SV
        keyword: their test speakers are not the default's, so no trial pairs them)."""
        return [v for v in self.grid.variants if v != DEFAULT and v not in self.grid.corpus_changes()]

    def ablation_sections(self):
        """(set name, where it is, rows) of the ablation's sections: the test split, each external set and trial list,
        the rows of :meth:`ablated` variants and default's alone."""

        def kept(rows):
            return [row for row in rows if row.variant == DEFAULT or row.variant in self.ablated()]

        return (
            [(TEST_SET, None, kept(self.table_rows()))]
            + [(name, where, kept(rows)) for name, where, rows in self.external_tables()]
            + [(name, about["trials"], kept(rows)) for name, about, rows in self.trial_tables()]
        )

    def all_table_rows(self):
        """The rows of every table section: the test split, then each external set and trial list."""
        return self.table_rows() + [row for _, _, rows in self.external_tables() + self.trial_tables() for row in rows]


def table_inputs(rows, every_score=False, means=()):
    """The files the tables of ``rows`` read: every result JSON and the scores that intervals are bootstrapped from:
    over seeds, and of the task a mean row (``means``) averages (``every_score``: every scores file, as the
    ablation's paired intervals need)."""
    averaged = {(label, mean.task) for mean in means for label in mean.of}
    scores = [
        e.scores
        for row in rows
        for task, seeds in row.tasks.items()
        if every_score or len(seeds) > 1 or (row.label, task) in averaged
        for e in seeds
    ]
    return [e.json for row in rows for e in row.entries()] + scores
