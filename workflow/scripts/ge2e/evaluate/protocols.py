"""Trial construction and scoring on held-out speakers.

Two protocols, both reported:

- **seed-compatible average EER** (the earlier public port's protocol): R repeats; each
  shuffles the speakers into batches of N; per speaker M random utterances, cropped to
  fixed-length segments (a speaker with fewer: M non-overlapping cuts of its voiced frames,
  ``ge2e.batches``, earlier parts first); the first M/2 embeddings average to the enrolment
  centroid, the last M/2 are scored against every centroid of the batch; EER per batch, averaged.
- **full-trial EER**: every speaker enrols with the first half of its utterances
  (sorted by id; whole utterances, sliding-window d-vectors); every remaining utterance
  is scored against every enrolled speaker. A speaker with one utterance enrols on the first
  half of its voiced frames and is tested on the second (:func:`halve_single_utterances`).
- **a published trial list** (``ge2e.trials``): each listed trial, its enrolment model (the
  mean of its utterances' unit-length d-vectors) against its test utterance, by cosine;
  optionally AS-norm'd against a cohort of training speakers (:func:`as_norm`).

Embedders (``ge2e.inference``) have ``segments((B, T, F)) -> (B, D)`` and
``utterances(FeatureSet) -> (U, D)``, so the trained encoder and the MFCC baseline go
through the same trials.
"""

import dataclasses
import logging

import numpy as np

from ge2e.atomic import write_text
from ge2e.encoder.embedding import unit
from ge2e.errors import InputError
from ge2e.evaluate import metrics
from ge2e.features.batches import SpeakerBatches
from ge2e.features.store import FeatureSet

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Protocol:
    """How one evaluation set is scored; filled from config (``evaluate``) by the rule.

    A task's own test split gets both protocols; an external set only the full trials, as
    its speakers and utterances per speaker are whatever its folder holds; a trial list its
    own trials, AS-norm'd when ``asnorm_top_k`` is set.
    """

    frames: int  # sliding-window length of whole-utterance d-vectors, and the average protocol's segments
    bootstrap: int  # speaker-bootstrap resamples for the full-trial EER's 95 % interval
    n_speakers: int | None = None  # N, M and repeats of the seed-compatible average; None: not scored
    n_utterances: int | None = None
    repeats: int | None = None
    asnorm_top_k: int | None = None  # trial lists: AS-norm with this many cohort scores per side; None: raw cosine

    @property
    def averaged(self):
        return self.n_speakers is not None

    def as_dict(self):
        """The fields that are set, by name (as stored in each result JSON)."""
        return {k: v for k, v in sorted(dataclasses.asdict(self).items()) if v is not None}


def centroid_scores(enrol, test):
    """Cosine of each test embedding with each speaker centroid.

    Args:
        enrol: (N, E, D) E enrolment embeddings per speaker.
        test: (K, D).
    Returns:
        (K, N) scores.
    """
    centroids = unit(enrol.mean(axis=1))
    return unit(test) @ centroids.T


def full_trials(embeddings, speakers, utterances=None):
    """Every test utterance against every enrolled speaker.

    Args:
        embeddings: (U, D) whole-utterance embeddings.
        speakers: (U,) speaker of each utterance; each speaker's first half (at least
            one, in stored order) enrols, the rest are tests.
        utterances: (U,) utterance ids, for the scores file (optional).
    Returns:
        dict with scores (K, N), labels (K, N), enrol_speakers (N,), test_index (K,), and
        with ``utterances`` test_utterances (K,).
    """
    speakers = np.asarray(speakers)
    names, centroids, tests = [], [], []
    for spk in sorted(set(speakers.tolist())):
        idx = np.flatnonzero(speakers == spk)
        k = max(1, len(idx) // 2)
        if len(idx) - k < 1:
            continue  # a single-utterance speaker can enrol but offers no test
        names.append(spk)
        centroids.append(embeddings[idx[:k]].mean(axis=0))
        tests.append(idx[k:])
    tests = np.concatenate(tests)
    scores = unit(embeddings[tests]) @ unit(np.stack(centroids)).T
    labels = (speakers[tests][:, None] == np.array(names)[None, :]).astype(np.int8)
    trials = {"scores": scores, "labels": labels, "enrol_speakers": names, "test_index": tests}
    if utterances is not None:
        trials["test_utterances"] = np.asarray(utterances)[tests]
    return trials


HALVES = ("#first-half", "#second-half")  # appended to a halved utterance's id


def halve_single_utterances(feature_set):
    """The utterance of each one-utterance speaker cut in two, so that the speaker can enrol and be tested.

    The halves are its voiced frames (features are VAD-trimmed) before and from the middle frame, ids
    ``<utterance>#first-half`` and ``<utterance>#second-half``: in that order, so the first enrols.

    Returns:
        (whole (U,) bool, the utterances that stay whole; halves, a FeatureSet in memory of 2 x the
        one-utterance speakers' utterances, the only frames read here).
    """
    speakers, lengths = np.asarray(feature_set.speakers), np.asarray(feature_set.lengths)
    _, owner, counts = np.unique(speakers, return_inverse=True, return_counts=True)
    single = (counts[owner] == 1) & (lengths >= 2)  # (U,)
    feats, names, ids = [], [], []
    for i in np.flatnonzero(single):  # the one-utterance speakers only, once per evaluation
        frames = feature_set.utterance(i)
        feats += [frames[: len(frames) // 2], frames[len(frames) // 2 :]]
        names += [speakers[i]] * 2
        ids += [f"{feature_set.utterances[i]}{half}" for half in HALVES]
    return ~single, FeatureSet.from_list(feats, names, ids, feature_set.n_mels)


def full_trial_eer(embedder, feature_set):
    """(EER, threshold, trials dict) of the full-trial protocol, one-utterance speakers halved
    (:func:`halve_single_utterances`: the trials' test_utterances name the halves, halved_speakers counts them)."""
    embeddings, speakers, ids = embedder.utterances(feature_set), feature_set.speakers, feature_set.utterances
    whole, halves = halve_single_utterances(feature_set)
    if len(halves):
        embeddings = np.concatenate([embeddings[whole], embedder.utterances(halves)])
        speakers = np.concatenate([np.asarray(speakers)[whole], halves.speakers])
        ids = np.concatenate([np.asarray(ids)[whole], halves.utterances])
    trials = {**full_trials(embeddings, speakers, ids), "halved_speakers": len(halves) // 2}
    rate, threshold = metrics.eer_threshold(trials["scores"].ravel(), trials["labels"].ravel())
    return rate, threshold, trials


def seed_compatible_eer(embedder, feature_set, n_speakers, n_utterances, frames, repeats, rng):
    """Average EER over batches of N speakers x M utterances, R repeats (``ge2e.batches.SpeakerBatches``:
    speakers with fewer than M utterances give M non-overlapping cuts, those too short are left out).

    Returns:
        (mean EER, per-batch EERs (R * batches,)).
    """
    sampler = SpeakerBatches(feature_set, n_speakers, n_utterances, frames, source="evaluation speakers")
    half = n_utterances // 2
    rates = []
    for _ in range(repeats):
        for batch in sampler.epoch(rng, (frames, frames)):
            n, m, t, f = batch.shape
            emb = embedder.segments(batch.reshape(n * m, t, f)).reshape(n, m, -1)  # (N, M, D)
            test = emb[:, half:].reshape(n * (m - half), -1)  # (N*(M-M/2), D)
            scores = centroid_scores(emb[:, :half], test)  # (N*(M-M/2), N)
            labels = np.repeat(np.eye(n, dtype=np.int8), m - half, axis=0)
            rates.append(metrics.eer(scores.ravel(), labels.ravel()))
    return float(np.mean(rates)), np.array(rates)


def write_scores(path, feature_set, trials):
    """Full-trial scores as TSV (enrol_speaker, test_utterance, score, label) for external scorers; test
    utterances named as ``trials`` names them, else by ``feature_set``'s ids."""
    k, n = trials["scores"].shape
    tested = trials.get("test_utterances")
    utterances = np.repeat(feature_set.utterances[trials["test_index"]] if tested is None else tested, n)
    speakers = np.tile(np.array(trials["enrol_speakers"]), k)
    lines = [
        f"{spk}\t{utt}\t{score:.6f}\t{label}"
        for spk, utt, score, label in zip(
            speakers, utterances, trials["scores"].ravel(), trials["labels"].ravel(), strict=True
        )
    ]
    write_text(path, "enrol_speaker\ttest_utterance\tscore\tlabel\n" + "\n".join(lines) + "\n")


def evaluate(embedder, feature_set, protocol, rng, scores_path=None):
    """Both protocols, minDCF and a speaker-bootstrap interval of the full-trial EER.

    Args:
        protocol: a ``Protocol``.
        rng: seeds the seed-compatible batches, then the bootstrap.
        scores_path: where to write the full-trial scores TSV (optional).
    Returns a JSON-ready dict of results (``eer_avg`` None when not scored).
    """
    avg = {"eer_avg": None, "eer_avg_std": None, "eer_avg_batches": 0}
    if protocol.averaged:
        mean, per_batch = seed_compatible_eer(
            embedder,
            feature_set,
            protocol.n_speakers,
            protocol.n_utterances,
            protocol.frames,
            protocol.repeats,
            rng,
        )
        avg = {"eer_avg": mean, "eer_avg_std": float(per_batch.std()), "eer_avg_batches": int(len(per_batch))}
    full, threshold, trials = full_trial_eer(embedder, feature_set)
    if trials["halved_speakers"]:
        log.info(
            "%d speakers with one utterance enrol on its first half and are tested on its second",
            trials["halved_speakers"],
        )
    labels = trials["labels"]
    flat_scores, flat_labels = trials["scores"].ravel(), labels.ravel()
    low, high = metrics.bootstrap_eer_ci(trials["scores"], labels, rng, protocol.bootstrap)
    if scores_path:
        write_scores(scores_path, feature_set, trials)
    return {
        **avg,
        "eer_full": full,
        "eer_full_threshold": threshold,
        "eer_full_ci95": [low, high],
        **metrics.min_dcfs(flat_scores, flat_labels),
        "speakers": int(len(set(feature_set.speakers.tolist()))),
        "utterances": int(len(feature_set)),
        "target_trials": int(labels.sum()),
        "nontarget_trials": int(labels.size - labels.sum()),
        "protocol": protocol.as_dict(),
    }


CHUNK = 65536  # trials scored per matrix product: bounds the memory of long lists


def _positions(ids, universe):
    """Where each of ``ids`` is in ``universe`` (unique strings): (index (n,), found (n,) bool)."""
    ids, universe = np.asarray(ids, dtype=str), np.asarray(universe, dtype=str)
    if len(universe) == 0:
        return np.zeros(len(ids), np.intp), np.zeros(len(ids), bool)
    order = np.argsort(universe)
    pos = np.minimum(np.searchsorted(universe[order], ids), len(universe) - 1)
    return order[pos], universe[order[pos]] == ids


def _rowwise_dot(a, a_index, b, b_index):
    """(K,) dot products of a[a_index[k]] and b[b_index[k]], in chunks of trials."""
    parts = [
        np.einsum("kd,kd->k", a[a_index[i : i + CHUNK]], b[b_index[i : i + CHUNK]])
        for i in range(0, len(a_index), CHUNK)
    ]
    return np.concatenate(parts) if parts else np.zeros(0)


def trial_list_scores(embeddings, utterances, trial_list):
    """Cosine of each listed trial's enrolment model with its test utterance.

    A model's embedding is the mean of its enrolment utterances' unit-length embeddings, renormalised.
    Trials whose test utterance, or every enrolment utterance of whose model, has no embedding (its
    file was skipped as unreadable) are left out.

    Args:
        embeddings: (U, D) whole-utterance embeddings of ``utterances`` (U,) ids.
        trial_list: ``ge2e.trials.TrialList``.
    Returns:
        dict with scores, labels, enrol_index (into model_embeddings) and test_index (into embeddings)
        of the K' kept trials; kept (K,) bool over the list; models (M,) ids; model_embeddings (M, D);
        embeddings (U, D) unit length; model_first (M,) the embedding row of each model's first enrolment
        utterance (-1 when it has none).
    """
    emb = unit(np.asarray(embeddings, dtype=np.float64))
    models, pair_model = np.unique(trial_list.pair_model, return_inverse=True)
    pair_utt, pair_ok = _positions(trial_list.pair_utterance, utterances)
    pair_model, pair_utt = pair_model[pair_ok], pair_utt[pair_ok]
    sums = np.zeros((len(models), emb.shape[1]))
    np.add.at(sums, pair_model, emb[pair_utt])
    has = np.bincount(pair_model, minlength=len(models)) > 0
    model_emb = np.zeros_like(sums)
    model_emb[has] = unit(sums[has])
    model_first = np.full(len(models), -1)
    _, first = np.unique(pair_model, return_index=True)
    model_first[pair_model[first]] = pair_utt[first]
    enrol_index, _ = _positions(trial_list.enrol, models)  # every trial's model is one of the list's
    test_index, test_ok = _positions(trial_list.test, utterances)
    kept = test_ok & has[enrol_index]
    enrol_index, test_index = enrol_index[kept], test_index[kept]
    return {
        "scores": _rowwise_dot(model_emb, enrol_index, emb, test_index),
        "labels": trial_list.labels[kept],
        "enrol_index": enrol_index,
        "test_index": test_index,
        "kept": kept,
        "models": models,
        "model_embeddings": model_emb,
        "embeddings": emb,
        "model_first": model_first,
    }


def cohort_embeddings(embedder, feature_set):
    """(C, D) one unit-length mean embedding per speaker of ``feature_set`` (speakers sorted)."""
    emb = unit(np.asarray(embedder.utterances(feature_set), dtype=np.float64))
    speakers, owner = np.unique(feature_set.speakers, return_inverse=True)
    sums = np.zeros((len(speakers), emb.shape[1]))
    np.add.at(sums, owner, emb)
    return unit(sums)


def _top_k_stats(emb, rows, cohort, k):
    """Mean and standard deviation of the ``k`` highest cosines with ``cohort`` of each of ``emb[rows]``."""
    used, back = np.unique(rows, return_inverse=True)
    sims = emb[used] @ cohort.T  # (R, C)
    top = np.partition(sims, sims.shape[1] - k, axis=1)[:, sims.shape[1] - k :]  # (R, k) the k highest
    return top.mean(axis=1)[back], top.std(axis=1)[back]


def as_norm(scores, enrol, test, enrol_index, test_index, cohort, top_k):
    """Adaptive symmetric score normalisation with a top-K cohort (AS-norm, Matejka et al. 2017).

    s -> 0.5 * ((s - mu_e) / sd_e + (s - mu_t) / sd_t), where mu_e and sd_e are the mean and standard
    deviation of the K highest cosines of the trial's enrolment embedding with the cohort's, and mu_t,
    sd_t the same of its test embedding. Each side's statistics are computed once per embedding.

    Args:
        scores: (K,) raw scores; trial k compares enrol[enrol_index[k]] with test[test_index[k]].
        enrol: (M, D), test: (U, D), cohort: (C, D), all unit length.
        top_k: cohort scores per side (at most C are used).
    Returns:
        (K,) normalised scores.
    """
    k = min(top_k, len(cohort))
    mu_e, sd_e = _top_k_stats(enrol, enrol_index, cohort, k)
    mu_t, sd_t = _top_k_stats(test, test_index, cohort, k)
    return 0.5 * ((scores - mu_e) / sd_e + (scores - mu_t) / sd_t)


def write_trial_scores(path, enrol, test, scores, labels, speakers, raw=None):
    """A trial list's scores as TSV (enrol_model, test_utterance, score, label[, raw_score], enrol_speaker,
    test_speaker), in list order. The speakers of both sides (a model's is that of its first enrolment
    utterance) are the units of the speaker bootstrap, here and over seeds (``ge2e.seedstats``).

    Args:
        speakers: ((K,) enrolment side, (K,) test side) speaker ids.
    """
    columns = [enrol, test, [f"{x:.6f}" for x in scores], labels.tolist()]
    header = "enrol_model\ttest_utterance\tscore\tlabel"
    if raw is not None:
        columns.append([f"{x:.6f}" for x in raw])
        header += "\traw_score"
    columns += [speakers[0].tolist(), speakers[1].tolist()]
    header += "\tenrol_speaker\ttest_speaker"
    lines = ["\t".join(map(str, row)) for row in zip(*columns, strict=True)]
    write_text(path, header + "\n" + "\n".join(lines) + "\n")


def evaluate_trials(embedder, feature_set, trial_list, protocol, rng, scores_path=None, cohort=None):
    """A published trial list scored as listed: EER, its speaker-bootstrap interval and minDCF.

    Whole-utterance d-vectors (``embedder.utterances``), cosine scores, AS-norm'd against the cohort
    when ``protocol.asnorm_top_k`` is set (the raw scores' EER and minDCF are kept beside).

    Args:
        feature_set: the listed utterances whose files could be read.
        trial_list: ``ge2e.trials.TrialList``.
        protocol: a ``Protocol`` (``bootstrap``, ``asnorm_top_k``).
        rng: seeds the bootstrap.
        scores_path: where to write the scores TSV (optional).
        cohort: FeatureSet whose speakers form the AS-norm cohort (the task's training split).
    Returns a JSON-ready dict with the keys of :func:`evaluate`'s (``eer_full`` is the list's EER).
    """
    t = trial_list_scores(embedder.utterances(feature_set), feature_set.utterances, trial_list)
    labels, raw = t["labels"], t["scores"]
    skipped = int(len(trial_list) - t["kept"].sum())
    if skipped:
        log.warning("%d of %d trials left out: they name files that could not be read", skipped, len(trial_list))
    if labels.all() or not labels.any():
        raise InputError(f"{int(t['kept'].sum())} trials left with readable files, not both target and non-target")
    scores, extra = raw, {}
    if protocol.asnorm_top_k:
        if cohort is None:
            raise ValueError("AS-norm needs a cohort")
        cohort_emb = cohort_embeddings(embedder, cohort)
        if len(cohort_emb) < 2:
            raise InputError(f"AS-norm needs a cohort of at least 2 speakers, the training split has {len(cohort_emb)}")
        args = (t["model_embeddings"], t["embeddings"], t["enrol_index"], t["test_index"], cohort_emb)
        scores = as_norm(raw, *args, protocol.asnorm_top_k)
        raw_rate, raw_threshold = metrics.eer_threshold(raw, labels)
        extra = {
            "asnorm": {
                "top_k": min(protocol.asnorm_top_k, len(cohort_emb)),
                "cohort_speakers": len(cohort_emb),
                "raw": {"eer": raw_rate, "eer_threshold": raw_threshold, **metrics.min_dcfs(raw, labels)},
            }
        }
    rate, threshold = metrics.eer_threshold(scores, labels)
    # The bootstrap groups trials by speaker: a model's is that of its first enrolment utterance.
    sides = np.r_[t["model_first"][t["enrol_index"]], t["test_index"]]
    speakers, numbers = np.unique(feature_set.speakers[sides], return_inverse=True)
    low, high = metrics.bootstrap_eer_ci_trials(
        scores, labels, numbers[: len(labels)], numbers[len(labels) :], rng, protocol.bootstrap
    )
    if scores_path:
        kept = t["kept"]
        raw_column = raw if protocol.asnorm_top_k else None
        named = speakers[numbers]
        sides = (named[: len(labels)], named[len(labels) :])
        write_trial_scores(
            scores_path, trial_list.enrol[kept], trial_list.test[kept], scores, labels, sides, raw_column
        )
    return {
        "eer_avg": None,
        "eer_avg_std": None,
        "eer_avg_batches": 0,
        "eer_full": rate,
        "eer_full_threshold": threshold,
        "eer_full_ci95": [low, high],
        **metrics.min_dcfs(scores, labels),
        "speakers": int(len(speakers)),
        "utterances": int(len(feature_set)),
        "models": int(len(np.unique(t["enrol_index"]))),
        "target_trials": int(labels.sum()),
        "nontarget_trials": int(len(labels) - labels.sum()),
        "trials_skipped": skipped,
        "protocol": protocol.as_dict(),
        **extra,
    }
