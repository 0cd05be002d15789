"""A published trial list scored as listed, raw or AS-normalised.

Each listed trial compares its enrolment model (the mean of its utterances' unit-length d-vectors) with
its test utterance by cosine (``ge2e.evaluate.trial_lists`` reads the list); optionally the scores are
AS-norm'd against a cohort of training speakers (:func:`as_norm`). The result has the keys of the
protocols' (``ge2e.evaluate.protocols.evaluate``), so the table and the figures read both alike.
"""

import logging

import numpy as np

from ge2e.atomic import write_text
from ge2e.encoder.embedding import unit
from ge2e.errors import InputError
from ge2e.evaluate import metrics

log = logging.getLogger(__name__)


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
        trial_list: ``ge2e.evaluate.trial_lists.TrialList``.
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
    utterance) are the units of the speaker bootstrap, here and over seeds (``ge2e.results.seedstats``).

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
        trial_list: ``ge2e.evaluate.trial_lists.TrialList``.
        protocol: a ``ge2e.evaluate.protocols.Protocol`` (``bootstrap``, ``asnorm_top_k``).
        rng: seeds the bootstrap.
        scores_path: where to write the scores TSV (optional).
        cohort: FeatureSet whose speakers form the AS-norm cohort (the task's training split).
    Returns a JSON-ready dict with the keys of ``ge2e.evaluate.protocols.evaluate``'s (``eer_full`` is the list's EER).
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
