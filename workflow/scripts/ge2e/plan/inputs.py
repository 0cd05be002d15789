"""The files a job of the experiment grid reads, from its wildcards: feature shards, a run's training set and the
checkpoint it starts from, the validation and evaluation sets, trial lists and AS-norm cohorts.

common.smk hands these methods to the rules as their input functions (``wildcards`` carry root, task and, as the
rule has them, schedule and evalset); the grid (``ge2e.plan.grid.Grid``) says whose files lie where.
"""

from ge2e.errors import InputError
from ge2e.plan import transfer
from ge2e.plan.grid import RESULTS
from ge2e.plan.params import TEST_SET


class Inputs:
    """Input functions over ``grid`` (its variants' configs ``variant_configs``), the run's trial lists
    ``trials`` (name -> spec) and ``asnorm_top_k`` (None: no AS-norm cohort).

    ``error``: the exception a path that no run owns raises (common.smk passes Snakemake's WorkflowError, which
    prints its message as one line).
    """

    def __init__(self, grid, variant_configs, trials, asnorm_top_k, error=InputError):
        self.grid, self.configs, self.trials, self.asnorm_top_k, self.error = (
            grid, variant_configs, trials, asnorm_top_k, error,
        )  # fmt: skip

    def config_at(self, root):
        """The config of the variant whose files are under ``root`` (``Grid.at``)."""
        return self.configs[self.grid.at(root)[0]]

    def feature_shards(self, task, split, root=RESULTS):
        """The feature shards of a task's split made under ``root`` (a features root of the grid)."""
        # Not expand(): a grid asks for these thousands of times while planning, and expand() costs 0.3 ms a call.
        count = self.config_at(root)["features"]["shards"]
        return [f"{root}/{task}/features/{split}/{shard}.npz" for shard in range(count)]

    def features_root(self, wildcards):
        """The features root of the variant at ``wildcards.root`` for ``wildcards.task``: where its test and
        validation features are (``Grid.features_root``)."""
        return self.grid.features_root(self.grid.at(wildcards.root)[0], wildcards.task)

    def grid_run(self, wildcards):
        """The training run (``ge2e.plan.grid.Run``) whose files are at root/task/schedule."""
        try:
            return self.grid.run_at(wildcards.root, wildcards.task, wildcards.schedule)
        except InputError as exc:
            raise self.error(str(exc)) from None

    def run_config(self, wildcards):
        return self.configs[self.grid_run(wildcards).variant]

    def training_set(self, task, variant):
        """A task's training shards as a variant trains on them: its augmented set where augmentation is on, else
        the train split."""
        split = "train_aug" if self.grid.augments(task, variant) else "train"
        return self.feature_shards(task, split, self.grid.data_root(task, variant))

    def train_shards(self, wildcards):
        run = self.grid_run(wildcards)
        return self.training_set(run.task, run.variant)

    def train_start(self, wildcards):
        """The checkpoint a run starts from (train.<task>.init): the other task's best.pt, which makes the training
        wait for it, or a file, whose change retrains; nothing for the seeded random start."""
        path = transfer.init_path(self.grid, self.run_config(wildcards), self.grid_run(wildcards))
        return [path] if path else []

    def multireader_shards(self, wildcards):
        """The training set of a run's MultiReader source (train.<task>.multireader), nothing without one."""
        run = self.grid_run(wildcards)
        spec = transfer.multireader_of(self.run_config(wildcards), run.task)
        return self.training_set(spec["source"], run.variant) if spec else []

    def val_shards(self, wildcards):
        return self.feature_shards(wildcards.task, "val", self.features_root(wildcards))

    def train_gpus(self, wildcards):
        """GPUs a training job asks the scheduler for: one when its config says cuda."""
        return 1 if self.run_config(wildcards)["train"]["device"] == "cuda" else 0

    def eval_features(self, wildcards):
        """Feature shards of an evaluation set: the task's test split, or an external folder's one shard, as made
        with the features settings of the variant at ``wildcards.root``."""
        if wildcards.evalset == TEST_SET:
            return self.feature_shards(wildcards.task, "test", self.features_root(wildcards))
        return f"{self.grid.features_root(self.grid.at(wildcards.root)[0])}/external/{wildcards.evalset}/features.npz"

    def trial_files(self, wildcards):
        """A trial list's trials and enrolment pairs as convert_trials wrote them; nothing for other sets."""
        if wildcards.evalset not in self.trials:
            return []
        return [f"results/external/{wildcards.evalset}/{name}.tsv" for name in ("trials", "enrol")]

    def cohort_features(self, wildcards):
        """AS-norm's cohort for a trial list: the task's training split (one mean d-vector per speaker)."""
        if wildcards.evalset in self.trials and self.asnorm_top_k:
            return self.feature_shards(wildcards.task, "train", self.features_root(wildcards))
        return []
