"""Trials of held-out speakers and the two protocols that score them.

Two protocols, both reported on a task's test split (an external folder gets the full trials only):

- **seed-compatible average EER** (the earlier public port's protocol): R repeats; each
  shuffles the speakers into batches of N; per speaker M random utterances, cropped to
  fixed-length segments (a speaker with fewer: M non-overlapping cuts of its voiced frames,
  ``ge2e.features.batches``, earlier parts first); the first M/2 embeddings average to the enrolment
  centroid, the last M/2 are scored against every centroid of the batch; EER per batch, averaged.
- **full-trial EER**: every speaker enrols with the first half of its utterances
  (sorted by id; whole utterances, sliding-window d-vectors); every remaining utterance
  is scored against every enrolled speaker. A speaker with one utterance enrols on the first
  half of its voiced frames and is tested on the second (:func:`halve_single_utterances`).

A published trial list is scored as listed instead (``ge2e.evaluate.trial_scores``).

Embedders (``ge2e.encoder.embedding``) have ``segments((B, T, F)) -> (B, D)`` and
``utterances(FeatureSet) -> (U, D)``, so the trained encoder and the MFCC baseline go
through the same trials.
"""

import dataclasses
import logging

import numpy as np

from ge2e.atomic import write_text
from ge2e.encoder.embedding import unit
from ge2e.evaluate import calibration, metrics
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
    """Average EER over batches of N speakers x M utterances, R repeats (``ge2e.features.batches.SpeakerBatches``:
    speakers with fewer than M utterances give M non-overlapping cuts, those too short are left out).

    Returns:
        (mean EER, per-batch EERs (R * batches,), the number of speakers the batches were drawn from).
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
    return float(np.mean(rates)), np.array(rates), len(sampler.speakers)


def write_scores(path, feature_set, trials, llr=None):
    """Full-trial scores as TSV (enrol_speaker, test_utterance, score, label, and llr where ``llr`` (K, N), the
    calibrated log-likelihood ratios, is given) for external scorers; test utterances named as ``trials``
    names them, else by ``feature_set``'s ids."""
    k, n = trials["scores"].shape
    tested = trials.get("test_utterances")
    utterances = np.repeat(feature_set.utterances[trials["test_index"]] if tested is None else tested, n)
    speakers = np.tile(np.array(trials["enrol_speakers"]), k)
    columns = [speakers, utterances, trials["scores"].ravel(), trials["labels"].ravel()]
    header = "enrol_speaker\ttest_utterance\tscore\tlabel"
    if llr is None:
        lines = [f"{spk}\t{utt}\t{score:.6f}\t{label}" for spk, utt, score, label in zip(*columns, strict=True)]
    else:
        header += "\tllr"
        lines = [
            f"{spk}\t{utt}\t{score:.6f}\t{label}\t{value:.6f}"
            for spk, utt, score, label, value in zip(*columns, np.ravel(llr), strict=True)
        ]
    write_text(path, header + "\n" + "\n".join(lines) + "\n")


def evaluate(embedder, feature_set, protocol, rng, scores_path=None, decision=None):
    """Both protocols, minDCF and a speaker-bootstrap interval of the full-trial EER.

    Args:
        protocol: a ``Protocol``.
        rng: seeds the seed-compatible batches, then the bootstrap.
        scores_path: where to write the full-trial scores TSV (optional).
        decision: the calibration and thresholds fitted on the validation speakers
            (``ge2e.evaluate.calibration.stored``): with it, the result's ``decision`` holds what they
            achieve on these trials, and the scores TSV the calibrated LLRs.
    Returns a JSON-ready dict of results (``eer_avg`` None when not scored).
    """
    avg = {"eer_avg": None, "eer_avg_std": None, "eer_avg_batches": 0}
    if protocol.averaged:
        mean, per_batch, used = seed_compatible_eer(
            embedder,
            feature_set,
            protocol.n_speakers,
            protocol.n_utterances,
            protocol.frames,
            protocol.repeats,
            rng,
        )
        avg = {
            "eer_avg": mean,
            "eer_avg_std": float(per_batch.std()),
            "eer_avg_batches": int(len(per_batch)),
            "eer_avg_speakers": int(used),  # the speakers that can give M segments; "speakers" counts all
        }
    full, threshold, trials = full_trial_eer(embedder, feature_set)
    if trials["halved_speakers"]:
        log.info(
            "%d speakers with one utterance enrol on its first half and are tested on its second",
            trials["halved_speakers"],
        )
    labels = trials["labels"]
    flat_scores, flat_labels = trials["scores"].ravel(), labels.ravel()
    low, high = metrics.bootstrap_eer_ci(trials["scores"], labels, rng, protocol.bootstrap)
    decided, llr = calibration.on_test(decision, trials["scores"], labels) if decision else ({}, None)
    if scores_path:
        write_scores(scores_path, feature_set, trials, llr)
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
        **({"decision": decided} if decision else {}),
    }


def validation_decision(embedder, val_set, source):
    """The calibration and operating points of ``embedder`` fitted on the full trials of the validation speakers
    ``val_set`` (``ge2e.evaluate.calibration.stored``), as training stores them in a checkpoint: for a system
    with no checkpoint (the MFCC baseline, fitted on ``val_set`` itself)."""
    _, _, trials = full_trial_eer(embedder, val_set)
    return calibration.stored(trials["scores"], trials["labels"], source)
