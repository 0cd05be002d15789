"""The rows of the result tables: one evaluated system's files on one evaluation set, per task and seed.

The run planner lists them in table order (``ge2e.plan.targets``); the EER table (``ge2e.results.seedstats``)
and the ablation (``ge2e.results.ablation``) read them. A system trained at several seeds has one entry per
seed; the MFCC baseline, which trains nothing, one entry of seed None. A mean row (:class:`MeanRow`) names the rows
whose cells it averages.
"""

import dataclasses
from typing import NamedTuple


class SeedFiles(NamedTuple):
    """One seed's evaluation of a system on one set and task."""

    seed: int | None  # the experiment seed it was trained at; None: no training (the MFCC baseline)
    json: str  # its result JSON
    scores: str  # its scores TSV, which intervals over seeds are bootstrapped from


@dataclasses.dataclass(frozen=True)
class TableRow:
    """One system's results on one set: its table label, what it is, and ``tasks``: {task: [SeedFiles, ...]}."""

    label: str
    variant: str
    schedule: str | None  # None: the MFCC baseline
    checkpoint: str  # final, best, init (the untrained encoder) or mfcc
    tasks: dict

    def system(self):
        """{variant, schedule, checkpoint}: what the per-seed records and the ablation name the system by."""
        return {"variant": self.variant, "schedule": self.schedule, "checkpoint": self.checkpoint}

    def entries(self):
        """Every SeedFiles of every task, in task order."""
        return [entry for seeds in self.tasks.values() for entry in seeds]


@dataclasses.dataclass(frozen=True)
class MeanRow:
    """A row that averages one task's cells of other rows of the same set: one system of the variants that differ
    in the keyword alone (``ge2e.plan.grid.Grid.keyword_family``), each with its own test trials."""

    label: str
    task: str
    of: tuple  # the labels of the rows it averages, each a TableRow of the set with the same seeds
    over: tuple  # what each of them reads (its keyword), in the same order: the table's note names them
    after: str  # the label of the row it follows (the last of the averaged variants' rows of its kind of system)
