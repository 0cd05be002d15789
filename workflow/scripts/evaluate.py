"""Rules evaluate and evaluate_mfcc: one checkpoint (or the MFCC baseline) on one evaluation set (a test split,
an external folder or a trial list) -> JSON and scores TSV, with what decisions by the calibration and thresholds
fitted on the validation speakers achieve there (a checkpoint holds its own; the baseline's are fitted here)."""

import json
import logging

import numpy as np
import torch

from ge2e.atomic import write_text
from ge2e.encoder.embedding import EncoderEmbedder, MfccEmbedder, load_encoder
from ge2e.evaluate import calibration, protocols, trial_lists
from ge2e.evaluate.trial_scores import evaluate_trials
from ge2e.features.store import FeatureSet
from ge2e.rule import run

DECISION_KEYS = (calibration.CHECKPOINT_KEY, calibration.THRESHOLDS_KEY)


def main(smk):
    torch.set_num_threads(smk.threads)
    test = FeatureSet.load(smk.input.test)
    protocol = protocols.Protocol(**smk.params.protocol)
    if smk.input.get("checkpoint"):
        model, ckpt = load_encoder(smk.input.checkpoint)
        embedder = EncoderEmbedder(model, protocol.frames)
        about = {"checkpoint": smk.input.checkpoint, "epoch": ckpt["epoch"], "val_eer": ckpt["val_eer"]}
        # Checkpoints from before calibration was stored decide by nothing but their EER threshold.
        decision = {key: ckpt[key] for key in DECISION_KEYS} if ckpt.get(calibration.CHECKPOINT_KEY) else None
    else:
        embedder = MfccEmbedder().fit(test)
        about = {"system": "mean+std MFCC cosine baseline, standardised per set"}
        val = FeatureSet.load(smk.input.val)
        decision = protocols.validation_decision(MfccEmbedder().fit(val), val, smk.params.source)
    rng = np.random.default_rng(smk.params.seed)
    if smk.input.get("trials"):  # a published trial list: its own trials, AS-norm'd against the cohort when on
        listed = trial_lists.read_written(*smk.input.trials)
        cohort = FeatureSet.load(list(smk.input.cohort)) if smk.input.get("cohort") else None
        result = evaluate_trials(embedder, test, listed, protocol, rng, smk.output.scores, cohort, decision)
    else:
        result = protocols.evaluate(embedder, test, protocol, rng, smk.output.scores, decision)
    write_text(smk.output.json, json.dumps({**about, **result}, indent=2) + "\n")
    avg = "not scored" if result["eer_avg"] is None else f"{result['eer_avg']:.4f}"
    logging.getLogger("ge2e").info("EER avg %s full %.4f", avg, result["eer_full"])


run(main, snakemake)  # noqa: F821
