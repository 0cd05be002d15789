"""Statistics over training seeds: a system's mean EER over seeds, and the paired difference of two systems.

Every seed of a system is scored on the same trials (the experiment seed changes training only), so
the uncertainty of a mean over S seeds has two sources: which seeds were drawn (training randomness)
and which speakers were tested (trial sampling). Both intervals here come from one two-level
bootstrap: each draw picks S seeds with replacement and, independently, the test speakers with
replacement (the same speakers for every seed, as in :func:`ge2e.evaluate.metrics.bootstrap_eer_ci_trials`: a
trial counts as often as its enrolment speaker was drawn times its test speaker was drawn), and
averages the picked seeds' EERs on the picked speakers. A difference is paired: both systems get the
same seeds and speakers in each draw. A mean over keywords (the encoders of one recipe, one per keyword, each
tested on its keyword's trials) averages each seed's EERs over the keywords first, then over the seeds; its
draws pick the seeds as above, the same for every keyword, and the test speakers by name from all keywords'
speakers, so a person tested on several keywords is drawn once for all of them.

The EER of a draw is computed from weights on trials sorted once (:class:`SortedTrials`), not by
repeating trials, so a thousand draws cost a few cumulative sums each.
"""

import dataclasses
import json

import numpy as np

from ge2e.errors import InputError
from ge2e.evaluate.metrics import P_TARGETS, dcf_key
from ge2e.results.table import OTHER_TASK
from ge2e.seeds import derive

DRAW_CELLS = 1 << 22  # draws x trials per block of weights (32 MB of float64): bounds the memory of long lists


@dataclasses.dataclass(frozen=True)
class Trials:
    """Scored trials with the speaker of each side, numbered 0..S-1 (the bootstrap's units)."""

    scores: np.ndarray  # (K,) float64
    labels: np.ndarray  # (K,) bool
    enrol: np.ndarray  # (K,) speaker number of the enrolment side
    test: np.ndarray  # (K,) speaker number of the test side
    n_speakers: int
    # The speaker of each number (their names, sorted), which matches speakers across score files; None: unnamed,
    # numbers alone (then no other file's speakers are matched to them).
    names: np.ndarray | None = None

    def speaker_names(self):
        """The speaker of each number: its name, or the number itself where the speakers are unnamed."""
        return np.arange(self.n_speakers) if self.names is None else self.names

    def same_trials(self, other):
        """True when ``other`` lists the same trials (labels and speakers, in order): its scores may differ."""
        return (
            self.n_speakers == other.n_speakers
            and np.array_equal(self.labels, other.labels)
            and np.array_equal(self.enrol, other.enrol)
            and np.array_equal(self.test, other.test)
        )


def read_trials(path):
    """A scores TSV written by evaluation (``ge2e.evaluate.protocols``) -> Trials.

    Full trials (``enrol_speaker, test_utterance, score, label``): a test utterance's speaker is the
    enrolled speaker of its target trial. A trial list (``enrol_model, test_utterance, score, label``
    and the speakers of both sides in ``enrol_speaker`` and ``test_speaker``) names both.
    """
    with open(path) as fh:
        header = fh.readline().rstrip("\n").split("\t")
    table = np.loadtxt(path, dtype=str, delimiter="\t", skiprows=1, ndmin=2, comments=None)
    if table.shape[1] != len(header):
        raise InputError(f"{path}: {table.shape[1]} columns, the header names {len(header)}")
    column = dict(zip(header, table.T, strict=True))
    scores = column["score"].astype(np.float64)
    labels = column["label"].astype(int).astype(bool)
    if "test_speaker" in column:
        enrol, test = column["enrol_speaker"], column["test_speaker"]
    else:
        utterance = column["test_utterance"]
        owners = dict(zip(utterance[labels], column["enrol_speaker"][labels], strict=True))
        missing = set(utterance.tolist()) - owners.keys()
        if missing:
            raise InputError(f"{path}: test utterance {sorted(missing)[0]} has no target trial")
        enrol, test = column["enrol_speaker"], np.array([owners[u] for u in utterance.tolist()])
    speakers, numbers = np.unique(np.r_[enrol, test], return_inverse=True)
    return Trials(scores, labels, numbers[: len(scores)], numbers[len(scores) :], len(speakers), speakers)


class SortedTrials:
    """One score list sorted once, for its EER under many weightings of its trials (bootstrap draws)."""

    def __init__(self, scores, labels):
        """Args: scores (K,), labels (K,) bool, as in ``ge2e.evaluate.metrics.eer``."""
        order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
        ranked = np.asarray(scores, dtype=np.float64)[order]
        self.order = order
        self.labels = np.asarray(labels, dtype=bool)[order]
        # Last index of each run of equal scores: a threshold accepts a whole tie group (as ge2e.evaluate.metrics).
        self.last = np.flatnonzero(np.r_[ranked[1:] != ranked[:-1], True])

    def eers(self, weights):
        """(D,) EER of each row of ``weights`` (D, K): trial k counted weights[d, k] times; NaN where a row
        leaves no target or no non-target trial. With integer weights this is ``ge2e.evaluate.metrics.eer`` of the
        trials repeated that often."""
        w = np.asarray(weights, dtype=np.float64)[:, self.order]
        accepted_t = np.cumsum(w * self.labels, axis=1)[:, self.last]  # (D, J) targets scoring >= each tie group
        accepted = np.cumsum(w, axis=1)[:, self.last]
        accepted_n = accepted - accepted_t
        n_t, n_n = accepted_t[:, -1:], accepted_n[:, -1:]
        with np.errstate(invalid="ignore", divide="ignore"):
            far = np.c_[np.zeros(len(w)), accepted_n / n_n]  # (D, J + 1): the first point accepts nothing
            frr = 1.0 - np.c_[np.zeros(len(w)), accepted_t / n_t]
            j = np.argmax(far >= frr, axis=1)  # the first point at or past the crossing; >= 1
            rows = np.arange(len(w))
            far0, frr0, far1, frr1 = far[rows, j - 1], frr[rows, j - 1], far[rows, j], frr[rows, j]
            denom = (far1 - far0) - (frr1 - frr0)
            t = np.where(denom == 0, 0.0, (frr0 - far0) / np.where(denom == 0, 1.0, denom))
            rate = far0 + t * (far1 - far0)
        valid = (n_t[:, 0] > 0) & (n_n[:, 0] > 0)
        return np.where(valid, rate, np.nan)


def _speaker_counts(rng, n_speakers, draws):
    """(D, S) how often each of S speakers is drawn in each of D draws of S speakers with replacement."""
    picked = rng.integers(0, n_speakers, (draws, n_speakers))
    offsets = (picked + n_speakers * np.arange(draws)[:, None]).ravel()
    return np.bincount(offsets, minlength=draws * n_speakers).reshape(draws, n_speakers)


def _seed_draws(per_seed, counts):
    """(D, seeds) EER of every seed's trials under the speaker counts (D, S) of each draw."""
    first = per_seed[0]
    block = max(1, DRAW_CELLS // max(1, len(first.scores)))
    sorted_trials = [SortedTrials(t.scores, t.labels) for t in per_seed]
    out = np.empty((len(counts), len(per_seed)))
    for start in range(0, len(counts), block):
        c = counts[start : start + block]
        weights = c[:, first.enrol] * c[:, first.test]  # (d, K), the same trials for every seed
        for s, st in enumerate(sorted_trials):
            out[start : start + block, s] = st.eers(weights)
    return out


def _check_same(per_seed, what):
    if not all(per_seed[0].same_trials(t) for t in per_seed[1:]):
        raise InputError(f"{what}: the seeds were not scored on the same trials")


def _interval(values, level):
    tail = (1 - level) / 2 * 100
    values = values[np.isfinite(values)]
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def mean_interval(per_seed, rng, resamples, level=0.95, what="scores"):
    """Interval of the mean EER over seeds: seeds and speakers resampled (the module's two-level bootstrap).

    Args:
        per_seed: list of Trials, one per seed, all over the same trials.
        rng: np.random.Generator.
        resamples: bootstrap draws (config ``evaluate.bootstrap``).
        what: names the system in an error.
    Returns:
        (low, high) percentile interval.
    """
    return mean_of_means_interval([per_seed], rng, resamples, level, what)


def mean_of_means_interval(groups, rng, resamples, level=0.95, what="scores"):
    """Interval of the mean over seeds of each seed's mean EER over ``groups`` (keywords), each on trials of its own.

    Each draw picks the seeds with replacement, the same for every group, and the speakers with replacement from
    the speakers of all groups by name (``Trials.names``): a speaker tested in several groups is drawn as often in
    each. With one group this is :func:`mean_interval`, draw for draw.

    Args:
        groups: per group, a list of Trials, one per seed (the same seeds, in the same order, in every group).
    Returns:
        (low, high) percentile interval.
    """
    seeds = len(groups[0])
    if any(len(group) != seeds for group in groups):
        raise InputError(f"{what}: the averaged rows were not trained at the same seeds")
    for group in groups:
        _check_same(group, what)
    names = np.unique(np.concatenate([group[0].speaker_names() for group in groups]))
    picks = _speaker_counts(rng, seeds, resamples)  # (D, seeds): seeds drawn with replacement
    counts = _speaker_counts(rng, len(names), resamples)  # (D, every group's speakers)
    rates = sum(_seed_draws(group, counts[:, np.searchsorted(names, group[0].speaker_names())]) for group in groups)
    return _interval((rates / len(groups) * picks).sum(axis=1) / seeds, level)


def paired_interval(per_seed_a, per_seed_b, rng, resamples, level=0.95, what="scores"):
    """Interval of the mean over seeds of EER(a) - EER(b), seed by seed on the same trials.

    Each draw picks the same seeds and speakers for both systems (a paired two-level bootstrap).

    Args:
        per_seed_a, per_seed_b: lists of Trials, one per seed, in the same seed order.
    Returns:
        (low, high) percentile interval.
    """
    both = [*per_seed_a, *per_seed_b]
    _check_same(both, what)
    seeds = len(per_seed_a)
    picks = _speaker_counts(rng, seeds, resamples)
    rates = _seed_draws(both, _speaker_counts(rng, both[0].n_speakers, resamples))
    return _interval(((rates[:, :seeds] - rates[:, seeds:]) * picks).sum(axis=1) / seeds, level)


MEAN_KEYS = ("eer_avg", "eer_full", *(dcf_key(p) for p in P_TARGETS))


def summarise(results, per_seed, rng, resamples, what="scores"):
    """One system's results over seeds, shaped like one evaluation's result dict.

    Args:
        results: the evaluation result dicts (JSON) of each seed.
        per_seed: Trials of each seed (its scores TSV), in the same order; unused for one seed.
    Returns:
        With one seed, that seed's result as it is. With several: the mean of each of ``MEAN_KEYS``
        (None where a seed has none), ``eer_full_ci95`` from :func:`mean_interval`, and ``seeds``.
    """
    if len(results) == 1:
        return results[0]
    out = {}
    for key in MEAN_KEYS:
        values = [r.get(key) for r in results]
        out[key] = None if any(v is None for v in values) else float(np.mean(values))
    out["eer_full_ci95"] = list(mean_interval(per_seed, rng, resamples, what=what))
    out["seeds"] = len(results)
    # The same trials and speakers for every seed.
    for key in ("target_trials", "nontarget_trials", "trials_skipped", "speakers", "eer_avg_speakers"):
        if key in results[0]:
            out[key] = results[0][key]
    if all("decision" in r for r in results):  # each seed decides by its own calibration: the mean of what it did
        numbers = [k for k, v in results[0]["decision"].items() if isinstance(v, int | float)]
        out["decision"] = {k: float(np.mean([r["decision"][k] for r in results])) for k in numbers}
    return out


def summarise_mean(groups, rng, resamples, what="scores"):
    """The mean over keywords of one system, shaped like one evaluation's result dict.

    Args:
        groups: per keyword, (its result dicts, its Trials), one of each per seed, the seeds in the same order.
    Returns:
        Of each of ``MEAN_KEYS`` (None where a result has none) and each decision measure (where every result has
        one): every seed's mean over the keywords, then the mean of those over the seeds; ``eer_full_ci95`` from
        :func:`mean_of_means_interval`; ``seeds`` where there are several, and ``keywords``.
    """
    results = [found for found, _ in groups]

    def mean(value):  # value(result) of every keyword and seed: over keywords, then over seeds
        return float(np.mean([np.mean([value(found[s]) for found in results]) for s in range(len(results[0]))]))

    every = [r for found in results for r in found]
    out = {key: None if any(r.get(key) is None for r in every) else mean(lambda r, k=key: r[k]) for key in MEAN_KEYS}
    out["eer_full_ci95"] = list(mean_of_means_interval([trials for _, trials in groups], rng, resamples, what=what))
    if len(results[0]) > 1:
        out["seeds"] = len(results[0])
    out["keywords"] = len(groups)
    if all("decision" in r for r in every):  # each encoder decides by its own calibration: the mean of what they did
        numbers = [k for k, v in every[0]["decision"].items() if isinstance(v, int | float)]
        out["decision"] = {k: mean(lambda r, k=k: r["decision"][k]) for k in numbers}
    return out


def load_results(entries):
    """The result dicts of ``entries`` (``ge2e.results.rows.SeedFiles``, one per seed)."""
    out = []
    for entry in entries:
        with open(entry.json) as fh:
            out.append(json.load(fh))
    return out


def table_cells(rows, evalset, base_seed, resamples, means=()):
    """Each row's results over seeds on one set, and each seed's record for the per-seed table.

    Args:
        rows: ``ge2e.results.rows.TableRow`` of each system, in table order.
        base_seed: seeds each interval's bootstrap (with the set, row and task).
        resamples: bootstrap draws.
        means: ``ge2e.results.rows.MeanRow`` of the rows to average; each goes after the row it names (``after``),
            behind the mean rows placed there before it.
    Returns:
        ([(label, {task: result over seeds})], [per-seed record]) as ``ge2e.results.table`` renders them; a mean
        row's other tasks are ``ge2e.results.table.OTHER_TASK`` (blank cells).
    """
    results, records = [], []
    by_label = {row.label: row for row in rows}
    found = {}  # (label, task) -> the result dicts of each seed
    for row in rows:
        by_task = {}
        for task, entries in row.tasks.items():
            per_seed = found[(row.label, task)] = load_results(entries)
            trials = [read_trials(entry.scores) for entry in entries] if len(entries) > 1 else None
            rng = np.random.default_rng(derive(base_seed, evalset, row.label, task))
            by_task[task] = summarise(per_seed, trials, rng, resamples, what=f"{row.label} on {evalset}")
            records += [
                {"set": evalset, "task": task, **row.system()} | {"seed": entry.seed, "result": result}
                for entry, result in zip(entries, per_seed, strict=True)
            ]
        results.append((row.label, by_task))
    placed = set()
    for mean in means:
        groups = [
            (found[(label, mean.task)], [read_trials(e.scores) for e in by_label[label].tasks[mean.task]])
            for label in mean.of
        ]
        rng = np.random.default_rng(derive(base_seed, evalset, mean.label, mean.task))
        cell = summarise_mean(groups, rng, resamples, what=f"{mean.label} on {evalset}")
        at = next(i for i, (label, _) in enumerate(results) if label == mean.after) + 1
        while at < len(results) and results[at][0] in placed:  # after the mean rows placed there before it
            at += 1
        tasks = by_label[mean.after].tasks  # the run's tasks, of which the mean covers one
        results.insert(at, (mean.label, {task: cell if task == mean.task else OTHER_TASK for task in tasks}))
        placed.add(mean.label)
    return results, records
