"""Hyper-parameter sweep of TI-SV GE2E training on packed built-in features (device experiment).

Usage: python sweep/run.py OUT_DIR CPU_WORKERS MINUTES
Every job trains with ge2e.train.train (validation-selected best, as the pipeline does),
then scores best and final with the full-trial protocol on test (built-in, unseen voices)
and dev (real LibriSpeech readers).
"""

import json
import multiprocessing as mp
import os
import sys
import time
import traceback

# The device image has no librosa/soundfile/sphfile; the training and encoder-scoring paths never call them.
import types

import numpy as np

for _mod in ("librosa", "soundfile", "sphfile"):
    try:
        if os.environ.get("SWEEP_STUB"):
            raise ImportError
        __import__(_mod)
    except ImportError:
        stub = types.ModuleType(_mod)
        stub.SPHFile = None
        sys.modules[_mod] = stub
        os.environ["SWEEP_STUB"] = "1"  # spawned workers stub too

LO, STEP = -13.4, 0.105
DATA = os.environ.get("SWEEP_DATA", os.path.join(os.path.dirname(__file__), "data"))

BASE = dict(
    n_speakers=16,
    n_utterances=5,
    frames=(140, 180),
    epochs=100,
    lr=0.05,
    schedule="const",
    step_epochs=None,
    gamma=0.5,
    momentum=0.0,
    loss_method="softmax",
    validate_every=10,
    checkpoint_every=1000,
    average_window=50,
    seed=1234,
    device="cpu",
)
MODEL = dict(hidden=128, layers=2, proj=64)

CPU_JOBS = {
    "default": {},
    "step": dict(schedule="step", step_epochs=80, gamma=0.5),
    "mom09_lr01": dict(momentum=0.9, lr=0.01),
    "mom09_lr003": dict(momentum=0.9, lr=0.003),
    "lr01": dict(lr=0.1),
    "lr002": dict(lr=0.02),
    "N32": dict(n_speakers=32),
    "M10_e50": dict(n_utterances=10, epochs=50),
    "fr100_e150": dict(frames=(80, 120), epochs=150),
    "noaug": dict(data="noaug"),
    "speed_e34": dict(data="speed", epochs=34),
    "layers3": dict(layers=3),
    "contrast": dict(loss_method="contrast"),
    "h192p96": dict(hidden=192, proj=96),
}
GPU_JOBS = {
    "g_speed_e100": dict(data="speed", epochs=100),
    "g_default_e400": dict(epochs=400, validate_every=20),
    "g_mom09_lr01_e400": dict(momentum=0.9, lr=0.01, epochs=400, validate_every=20),
    "g_h256p128_e300": dict(hidden=256, proj=128, epochs=300, validate_every=20),
    "g_paper_e300": dict(hidden=768, layers=3, proj=256, epochs=300, validate_every=20),
    "g_speed_e300": dict(data="speed", epochs=300, validate_every=20),
    "g_N32M10_e300": dict(n_speakers=32, n_utterances=10, epochs=300, validate_every=20),
    "g_speed_mom09_e300": dict(data="speed", momentum=0.9, lr=0.01, epochs=300, validate_every=20),
}


def load(name):
    from ge2e.features import FeatureSet

    with np.load(os.path.join(DATA, name + ".npz")) as z:
        return FeatureSet(
            (z["q"].astype(np.float32) * STEP + LO).astype(np.float32), z["lengths"], z["speakers"], z["utterances"]
        )


def subset(fs, keep):
    from ge2e.features import FeatureSet

    feats = [f for f, k in zip(fs.split_utterances(), keep, strict=False) if k]
    return FeatureSet.from_list(feats, fs.speakers[keep], fs.utterances[keep])


def concat(a, b):
    from ge2e.features import FeatureSet

    return FeatureSet(
        np.concatenate([a.features, b.features]),
        np.concatenate([a.lengths, b.lengths]),
        np.concatenate([a.speakers, b.speakers]),
        np.concatenate([a.utterances, b.utterances]),
    )


def run_job(args):
    name, overrides, out, device = args
    import logging

    import torch

    from ge2e import evaluate, inference, train
    from ge2e.inference import load_encoder

    torch.set_num_threads(1)
    logging.basicConfig(filename=os.path.join(out, "logs", name + ".log"), level=logging.INFO, force=True)
    t0 = time.time()
    try:
        over = dict(overrides)
        data = over.pop("data", "aug")
        aug = load("train_aug")
        if data == "noaug":
            tr = subset(aug, np.array(["+" not in u for u in aug.utterances]))
        elif data == "speed":
            tr = concat(aug, load("speed"))
        else:
            tr = aug
        size = {key: over.get(key, MODEL[key]) for key in MODEL}  # the encoder's size goes to train() apart
        params = train.TrainParams(**{**BASE, **{k: v for k, v in over.items() if k not in MODEL}, "device": device})
        fp = dict(sample_rate=16000, n_mels=40, window_ms=25.0, hop_ms=10.0, n_fft=512, top_db=30.0, normalise="level")
        d = os.path.join(out, "runs", name)
        os.makedirs(d, exist_ok=True)
        outs = {k: os.path.join(d, k + (".tsv" if k == "loss" else ".pt")) for k in ("init", "final", "best", "loss")}
        info = train.train(tr, load("val"), params, size, fp, outs)
        res = {
            "name": name,
            **over,
            "data": data,
            "device": device,
            "train_s": round(time.time() - t0, 1),
            "best_epoch": info["best_epoch"],
            "best_val": info["best_val_eer"],
        }
        for ck in ("best", "final"):
            model, _ = load_encoder(outs[ck])
            for s in ("test", "dev"):
                rate, _, _ = evaluate.full_trial_eer(inference.EncoderEmbedder(model, 160), load(s))
                res[f"{ck}_{s}"] = round(float(rate), 4)
        for k in ("init", "final", "best"):
            os.remove(outs[k])
    except Exception:
        res = {"name": name, "error": traceback.format_exc()[-2000:]}
    res["total_s"] = round(time.time() - t0, 1)
    with open(os.path.join(out, "results.jsonl"), "a") as fh:
        fh.write(json.dumps(res) + "\n")
    return res


def gpu_worker(out):
    for name, over in GPU_JOBS.items():
        run_job((name, over, out, "cuda"))


if __name__ == "__main__":
    if os.environ.get("SWEEP_SMOKE"):
        CPU_JOBS = {
            "smoke": dict(epochs=2, validate_every=1),
            "smoke_speed": dict(data="speed", epochs=1, validate_every=1),
        }
        GPU_JOBS = {}
    out, workers = sys.argv[1], int(sys.argv[2])
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    from ge2e import evaluate, inference

    base = {"name": "mfcc"}
    for s in () if os.environ.get("SWEEP_STUB") else ("test", "dev", "val"):
        fs = load(s)
        base[s] = round(float(evaluate.full_trial_eer(inference.MfccEmbedder().fit(fs), fs)[0]), 4)
    with open(os.path.join(out, "results.jsonl"), "a") as fh:
        fh.write(json.dumps(base) + "\n")
    ctx = mp.get_context("spawn")
    procs = []
    import torch

    if torch.cuda.is_available():
        g = ctx.Process(target=gpu_worker, args=(out,))
        g.start()
        procs.append(g)
    with ctx.Pool(workers) as pool:
        pool.map(run_job, [(n, o, out, "cpu") for n, o in CPU_JOBS.items()], chunksize=1)
    for p in procs:
        p.join()
