"""Full size without the data: a realistic slice through the real code, and a projection to the full corpora.

The slice: ``--files`` utterances (5,000) in VoxCeleb's layout (``id<NNNNN>/<video>/<nnnnn>.wav``)
over ``--speakers`` speakers (100), durations as VoxCeleb's (at least 4 s, mean about 8 s, a long
tail: 4 s + a seeded log-normal), audio speech-like (syllables on a drifting pitch with formant-like
bumps and short pauses: bench/features.py's ``speech_like``, so VAD keeps most of it; each speaker's
files are cut from 30 s of that speaker's speech). Then, each step in a fresh process with one
compute thread, resident memory sampled from /proc/self/status (RssAnon, RssFile, VmHWM), as the
pipeline's rules do it:

1. convert: ``ge2e.corpus.formats.manifest_rows`` with the voxceleb reader (5 listed test speakers,
   5 % validation), the capacity check, the manifest (what rule convert_tisv runs);
2. features: one process per shard and split (``--shards``), ``manifest.shard`` +
   ``features.extract_rows`` + ``FeatureSet.save`` (what rule features runs): CPU per file and per
   audio second, and the peak memory of a job against the frames it holds;
3. decoding alone (``ge2e.audio.files.read``, ``ge2e.audio.files.probe``) of ``--decode-files`` of the files as wav,
   flac and m4a (AAC, as VoxCeleb2 ships, encoded here with PyAV): what other formats add;
4. batches: paper-size batches (N=64 x M=10 x 160 frames) from the slice's memory-mapped shards;
5. training: ``ge2e.train.trainer.train`` on the shards, config/config.yaml's model at N=32 M=10 for
   ``--epochs``; and a paper-size step (3x768, proj 256, M=10 T=160) on CPU at N=``--paper-n`` (16),
   scaled linearly to N=64 (bench/training.py times N=64 itself; here the CPU per segment was 791 ms
   at N=16 against 805 ms at N=64, and the scaled memory 9.5 GB against 8.5 GB measured).

From these, rows projecting wall time and peak memory for VoxCeleb2 dev + VoxCeleb1 dev
(config/voxceleb.yaml) and LibriSpeech train-clean-100 and 100 + 360, on 8 cores and on one GPU:
projections, with their assumptions in each row.

Usage: python bench/fullsize.py [--quick] [--files 5000] [--speakers 100] [--shards 4] [--epochs 5] [--paper-n 16]
"""

import sys

import benchlib

benchlib.single_thread_env()

import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import yaml  # noqa: E402

RATE = 16000
N_MELS = 40
PAPER = {"hidden": 768, "layers": 3, "proj": 256}
SEGMENTS = 64 * 10  # a paper-size batch: N=64 speakers x M=10 segments
GPU_STEP_S = 0.048  # a paper-size step (N=64 M=10, 160 frames, 3x768/256) on an H200 (bench/shards.py's target)
TEST_SPEAKERS = 5  # of the slice, listed in corpus.voxceleb.test_speakers
HOUR = 3600.0


def durations(count, rng):
    """VoxCeleb-like utterance lengths (s): at least 4 s, mean about 8 s, a long tail, at most 145 s."""
    return np.minimum(4.0 + rng.lognormal(np.log(4.0) - 0.9**2 / 2, 0.9, count), 145.0)


def write_slice(root, files, speakers, seed=0):
    """The slice in VoxCeleb's layout under ``root``; (audio seconds written, list of (path, seconds))."""
    import features as bench_features  # bench/features.py: speech_like
    import placeholder

    rng = np.random.default_rng(seed)
    written = []
    counts = placeholder.spread(files, speakers, rng, minimum=min(20, files // speakers))
    for s, count in enumerate(counts):
        bank = bench_features.speech_like(30.0, RATE, rng)  # this speaker's voice
        speaker = Path(root) / f"id{20001 + s:05d}"
        videos = max(1, int(round(count / 6.8)))
        for v, per_video in enumerate(placeholder.spread(int(count), videos, rng, 1, sigma=0.8)):
            folder = speaker / f"video{v:04d}xy"
            folder.mkdir(parents=True)
            for n, seconds in enumerate(durations(int(per_video), rng), 1):
                length = int(seconds * RATE)
                start = int(rng.integers(0, len(bank)))
                y = np.resize(np.roll(bank, -start), length) * rng.uniform(0.5, 1.0)  # wraps round the bank
                path = folder / f"{n:05d}.wav"
                sf.write(path, y, RATE, subtype="PCM_16")
                written.append((str(path), length / RATE))
    return sum(s for _, s in written), written


# ---------------------------------------------------------------- workers (each in a fresh process)


def worker_convert(a):
    """What rule convert_tisv runs, on the slice."""
    from ge2e.audio.files import ReadPolicy
    from ge2e.corpus import formats, manifest

    section = {
        "train_roots": [a["root"]],
        "test_root": "",
        "test_speakers": a["test_list"],
        "val_fraction": a["val_fraction"],
        "val_speakers": "",
    }
    policy = ReadPolicy(sample_rate=RATE, resample=True, channel=None, on_bad_file="fail")
    rows = formats.manifest_rows("voxceleb", section, policy, 0, threads=1)
    manifest.check_capacity(rows, "tisv", a["n"], 10, 4, segment=(180, 10.0))
    manifest.write(rows, a["manifest"])
    return {"rows": len(rows), "splits": {s: sum(r["split"] == s for r in rows) for s in manifest.SPLITS}}


def worker_features(a):
    """What rule features runs for one shard of one split; the start-up (imports, first call) apart."""
    from ge2e import schema
    from ge2e.audio.files import ReadPolicy
    from ge2e.corpus import manifest
    from ge2e.features import frontend as features

    params = features.FeatureParams(**schema.defaults("features.params"))
    policy = ReadPolicy(sample_rate=RATE, resample=True, channel=None, on_bad_file="fail")
    c0 = time.process_time()
    features.from_samples(0.3 * np.sin(2 * np.pi * 200 * np.arange(RATE, dtype=np.float32) / RATE), params, "warm-up")
    startup = time.process_time() - c0
    rows = manifest.shard(manifest.read(a["manifest"]), a["split"], a["shard"], a["shards"])
    c0, w0 = time.process_time(), time.perf_counter()
    fs = features.extract_rows(rows, params, policy)
    fs.save(a["out"])
    return {
        "startup_cpu_s": startup,
        "cpu_s": time.process_time() - c0,
        "wall_s": time.perf_counter() - w0,
        "files": len(rows),
        "audio_s": sum(r["duration"] for r in rows),
        "frames": int(fs.lengths.sum()),
        "frame_bytes": int(fs.features.nbytes),
    }


def worker_batches(a):
    """Paper-size batches from the slice's memory-mapped training shards, as the training loop draws them."""
    from ge2e.features.batches import SpeakerBatches
    from ge2e.features.store import FeatureSet

    fs = FeatureSet.load(a["train"])
    n = min(64, len(fs.by_speaker()))
    sampler = SpeakerBatches(fs, n, 10, 160)
    rng = np.random.default_rng(0)
    times = []
    for _ in range(a["batches"]):
        rows = rng.choice(len(sampler.speakers), n, replace=False)
        c = time.process_time()
        sampler.batch(rng, rows, 160)
        times.append(time.process_time() - c)
    # The index a set keeps in memory per utterance (lengths, speaker and utterance ids, shard, offset):
    # what grows with the corpus in a training process besides the page cache.
    index = sum(x.nbytes for x in (fs.lengths, fs.speakers, fs.utterances, fs._shard, fs._local, sampler.table))
    return {"n": n, "cpu_ms": [t * 1e3 for t in times], "index_bytes_per_utt": index / len(fs)}


def worker_train(a):
    """ge2e.train.trainer.train on the slice's shards: config/config.yaml's model and training settings at N, M=10."""
    import torch

    from ge2e import schema
    from ge2e.features.store import FeatureSet
    from ge2e.train import trainer as train

    torch.set_num_threads(1)
    cfg = yaml.safe_load((benchlib.ROOT / "config" / "config.yaml").read_text())
    params = train.TrainParams(
        n_speakers=a["n"],
        n_utterances=10,
        frames=(140, 180),
        epochs=a["epochs"],
        lr=0.01,
        schedule="const",
        step_epochs=None,
        gamma=0.5,
        momentum=cfg["train"]["momentum"],
        loss_method=cfg["train"]["loss"],
        validate_every=a["epochs"],
        checkpoint_every=a["epochs"],
        average_window=10,
        seed=0,
        device="cpu",
    )
    out = Path(a["out"])
    outputs = {k: str(out / f"{k}.pt") for k in ("init", "final", "best", "resume")} | {"loss": str(out / "loss.tsv")}
    train_set, val_set = FeatureSet.load(a["train"]), FeatureSet.load(a["val"])
    w0 = time.perf_counter()
    result = train.train(train_set, val_set, params, cfg["model"], schema.defaults("features.params"), outputs)
    wall = time.perf_counter() - w0
    steps = len((out / "loss.tsv").read_text().splitlines()) - 1
    return {"wall_s": wall, "steps": steps, "model": cfg["model"], "final_loss": result["final_loss"]}


def worker_paper(a):
    """Paper-size model, a training step at N=a['n'] M=10 T=a['frames'] (CPU, one thread): CPU per step, memory.

    As bench/training.py: an untimed forward first (the first touch of the activation memory), then
    timed steps."""
    import torch

    from ge2e.encoder.model import SpeakerEncoder
    from ge2e.train.loss import GE2ELoss
    from ge2e.train.trainer import train_step

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = SpeakerEncoder(N_MELS, **PAPER)
    loss_fn = GE2ELoss(method="softmax")
    optimiser = torch.optim.SGD([{"params": model.parameters()}, {"params": loss_fn.parameters()}], lr=0.01)
    frames = a.get("frames", 160)
    batch = torch.randn(a["n"], 10, frames, N_MELS)
    before = benchlib.status()
    model(batch.reshape(a["n"] * 10, frames, N_MELS))
    times = [benchlib.timed(lambda: train_step(model, loss_fn, optimiser, batch)) for _ in range(a["steps"])]
    return {"segments": a["n"] * 10, "cpu_s": [c for c, _ in times], "before": before}


WORKERS = {
    "convert": worker_convert,
    "features": worker_features,
    "batches": worker_batches,
    "train": worker_train,
    "paper": worker_paper,
}


def worker_main(name, args_json):
    base = benchlib.status()
    with benchlib.Peaks() as peaks:
        c0, w0 = time.process_time(), time.perf_counter()
        out = WORKERS[name](json.loads(args_json))
    out.update(
        base=base, peak=peaks.peak, process_cpu_s=time.process_time() - c0, process_wall_s=time.perf_counter() - w0
    )
    print(json.dumps(out))


def measure(name, **kwargs):
    return benchlib.worker_json([Path(__file__), "--worker", name, json.dumps(kwargs)])


# ---------------------------------------------------------------- decoding by format (in this process)


def write_m4a(path, samples):
    """AAC in MP4, mono 16 kHz, as VoxCeleb2 ships, encoded with PyAV."""
    import av

    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples[None, :].astype(np.float32), format="fltp", layout="mono")
        frame.sample_rate = RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)


def decoding(files, folder):
    """{format: (read CPU s per audio s, probe CPU ms per file)} over ``files`` (path, seconds) as wav, flac, m4a."""
    from ge2e.audio import files as audio
    from ge2e.audio.files import ReadPolicy

    policy = ReadPolicy(sample_rate=RATE, resample=True, channel=None, on_bad_file="fail")
    paths = {"wav": [p for p, _ in files]}
    paths["flac"], paths["m4a"] = [], []
    for k, (path, _) in enumerate(files):
        y, _ = sf.read(path, dtype="float32")
        paths["flac"].append(str(Path(folder) / f"{k}.flac"))
        sf.write(paths["flac"][-1], y, RATE, subtype="PCM_16")
        paths["m4a"].append(str(Path(folder) / f"{k}.m4a"))
        write_m4a(paths["m4a"][-1], y)
    seconds = sum(s for _, s in files)
    out = {}
    for fmt, listed in paths.items():
        audio.read(listed[0], policy), audio.probe(listed[0])  # lazy imports (PyAV) off the clock
        read = min(benchlib.timed(lambda listed=listed: [audio.read(p, policy) for p in listed])[0] for _ in range(2))
        probe = min(benchlib.timed(lambda listed=listed: [audio.probe(p) for p in listed])[0] for _ in range(2))
        out[fmt] = (read / seconds, probe / len(listed) * 1e3)
    return out


# ---------------------------------------------------------------- the projection


# Full corpora: (name, training parts (format, files, hours), test part, training speakers, validation
# share). Sizes as released: VoxCeleb2 dev 1,092,009 m4a (~2,300 h), VoxCeleb1 dev 148,642 wav (~341 h),
# VoxCeleb1 test 4,874 (~11 h); LibriSpeech train-clean-100 28,539 flac (100.6 h), train-clean-360
# 104,014 (363.6 h), test-clean 2,620 (5.4 h).
CORPORA = (
    (
        "VoxCeleb2 dev + VoxCeleb1 dev, test VoxCeleb1 test (config/voxceleb.yaml)",
        [("m4a", 1_092_009, 2300.0), ("wav", 148_642, 341.0)],
        ("wav", 4_874, 11.2),
        7_205,
        0.02,
    ),
    ("LibriSpeech train-clean-100, test test-clean", [("flac", 28_539, 100.6)], ("flac", 2_620, 5.4), 251, 0.05),
    (
        "LibriSpeech train-clean-100 + 360, test test-clean",
        [("flac", 28_539, 100.6), ("flac", 104_014, 363.6)],
        ("flac", 2_620, 5.4),
        1_172,
        0.05,
    ),
)


def hours(seconds):
    if seconds < HOUR:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / HOUR:,.1f} h" if seconds < 48 * HOUR else f"{seconds / 86400:,.0f} days"


def projection_rows(m, vox):
    """Projected rows from the measured costs ``m``; ``vox``: config/voxceleb.yaml (shards, epochs, N, schedules).

    Features: every file's header (convert), then each audio second's features at the slice's cost
    plus what decoding its format costs beyond wav, and each job's start-up; 8 cores run 8 jobs at
    once (the work splits into 3 x shards jobs). A features job holds its shard's frames: the slice's
    line (fixed + slope x frames) at the frames per audio second VAD kept there. Training: epochs x
    (training speakers // N) steps per schedule; on a GPU the measured H200 step plus the batch
    preparation (the loop draws a batch, then steps: they do not overlap), the schedules one after
    the other; on CPU the measured paper-size step, one thread per job as train.threads says, the
    schedules in parallel. Validation (every train.validate_every epochs) is not counted.
    """
    shards, epochs = vox["features"]["shards"], vox["train"]["tisv"]["epochs"]
    n, schedules = vox["train"]["tisv"]["n_speakers"], len(vox["lr_schedules"])
    gpu_step = GPU_STEP_S + m["batch_ms"] / 1e3
    cpu_step = m["paper_cpu_per_segment"] * SEGMENTS
    rows = []
    for name, parts, test, speakers, val_share in CORPORA:
        every = [*parts, test]
        audio_s = sum(h for _, _, h in every) * HOUR
        files = sum(f for _, f, _ in every)
        probe_cpu = sum(f * m["probe_ms"][fmt] / 1e3 for fmt, f, _ in every)
        feat_cpu = sum(h * HOUR * (m["feat_cpu_per_s"] + m["decode_extra"][fmt]) for fmt, _, h in every)
        feat_cpu += 3 * shards * m["startup_cpu_s"]
        train_h = sum(h for _, _, h in parts) * (1 - val_share)
        shard_mb = train_h * HOUR * m["frames_per_s"] * N_MELS * 4 / shards / 2**20
        job_mb = m["feat_base_mb"] + m["feat_fixed_mb"] + m["feat_slope"] * shard_mb
        disk_gb = audio_s * m["frames_per_s"] * N_MELS * 4 / 1e9
        formats = "+".join(dict.fromkeys(fmt for fmt, _, _ in every))
        rows.append(
            benchlib.Row(
                f"PROJECTION: convert + features of {name} ({files:,} {formats} files, {audio_s / HOUR:,.0f} h), "
                "8 cores",
                f"{hours((probe_cpu + feat_cpu) / 8)} wall ({hours(probe_cpu + feat_cpu)} CPU, headers "
                f"{probe_cpu / 60:,.0f} min of it); a features job peaks at {job_mb:,.0f} MB ({shards} shards: "
                f"{shard_mb:,.0f} MB of frames per training shard), 8 at once {8 * job_mb / 1024:,.1f} GB; "
                f"features on disk {disk_gb:,.0f} GB",
                "projected",
                "info",
            )
        )
        train_speakers = speakers - max(1, round(val_share * speakers))
        steps = epochs * (train_speakers // n)
        index_mb = m["index_bytes_per_utt"] * sum(f for _, f, _ in parts) / 2**20
        rows.append(
            benchlib.Row(
                f"PROJECTION: training at paper size (N={n} M=10, 3x768/256) on {name}: {epochs} epochs x "
                f"{train_speakers // n} steps ({train_speakers:,} training speakers) = {steps:,} steps per schedule, "
                f"{schedules} schedules",
                f"one GPU: {hours(steps * gpu_step)} per schedule, {hours(schedules * steps * gpu_step)} for both "
                f"({GPU_STEP_S * 1e3:.0f} ms H200 step + {m['batch_ms']:.1f} ms batch); CPU, one thread per job: "
                f"{hours(steps * cpu_step)} ({cpu_step:.0f} s per step). Memory: {m['paper_step_gb']:.1f} GB per CPU "
                f"job; host memory with a GPU: the index {index_mb:,.0f} MB ({m['index_bytes_per_utt']:.0f} B per "
                f"utterance) + the process (the slice's CPU run: {m['train_host_mb']:,.0f} MB)",
                "projected",
                "info",
            )
        )
    return rows


# ---------------------------------------------------------------- the run


def grew(result, key):
    return result["peak"][key] - result["base"][key]


def mb(x):
    return f"{x:,.0f} MB"


def run(args):
    files = 240 if args.quick else args.files
    speakers = 16 if args.quick else args.speakers
    shards = 1 if args.quick else args.shards
    epochs = 2 if args.quick else args.epochs
    decode_files = 3 if args.quick else args.decode_files
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(dir=folder, prefix="bench_fullsize_") as tmp:
        tmp = Path(tmp)
        c0, w0 = time.process_time(), time.perf_counter()
        seconds, written = write_slice(tmp / "vox", files, speakers)
        made = (time.process_time() - c0, time.perf_counter() - w0)
        lengths = np.array([s for _, s in written])
        test_list = tmp / "test_speakers.txt"
        test_list.write_text("".join(f"id{20001 + s:05d}\n" for s in range(TEST_SPEAKERS)))
        n_train = 8 if args.quick else 32
        conv = measure(
            "convert",
            root=str(tmp / "vox"),
            test_list=str(test_list),
            manifest=str(tmp / "manifest.tsv"),
            n=n_train,
            val_fraction=max(0.05, 2.5 / (speakers - TEST_SPEAKERS)),  # at least 2 validation speakers
        )
        rows.append(
            benchlib.Row(
                f"realistic slice: {len(written):,} VoxCeleb-layout wav files, {speakers} speakers, "
                f"{seconds / HOUR:.1f} h of speech-like audio",
                f"durations mean {lengths.mean():.1f} s, median {np.median(lengths):.1f} s, max {lengths.max():.0f} s "
                f"(4 s + seeded log-normal); written in {made[1]:.0f} s. convert (voxceleb reader, headers, "
                f"manifest): {conv['process_wall_s']:.1f} s wall, {conv['process_cpu_s']:.1f} s CPU; splits "
                f"{conv['splits']}; peak RssAnon +{mb(grew(conv, 'RssAnon'))}, VmHWM {mb(conv['peak']['VmHWM'])}",
                "printed",
                "info",
            )
        )
        feats = {}
        for split in ("train", "val", "test"):
            for k in range(shards):
                out = tmp / "features" / split / f"{k}.npz"
                out.parent.mkdir(parents=True, exist_ok=True)
                r = measure(
                    "features", manifest=str(tmp / "manifest.tsv"), split=split, shard=k, shards=shards, out=str(out)
                )
                feats[(split, k)] = r | {"path": str(out)}
        done = list(feats.values())
        cpu = sum(r["cpu_s"] for r in done)
        audio_s = sum(r["audio_s"] for r in done)
        frames = sum(r["frames"] for r in done)
        train_jobs = [r for (split, _), r in feats.items() if split == "train"]
        # Peak growth against frames held, over all jobs (train shards large, val and test small): a line.
        frame_mb = np.array([r["frame_bytes"] / 2**20 for r in done])
        growth = np.array([grew(r, "RssAnon") for r in done])
        slope, fixed = np.polyfit(frame_mb, growth, 1) if np.ptp(frame_mb) > 0 else (0.0, 0.0)
        fit = slope >= 1  # a job holds its frames at least once; below that the sizes were too alike to fit a line
        if not fit:
            slope, fixed = max(growth / frame_mb), 0.0
        biggest = max(train_jobs, key=lambda r: r["frame_bytes"])
        startup = benchlib.median([r["startup_cpu_s"] for r in done])
        rows.append(
            benchlib.Row(
                f"features of the slice, {len(done)} jobs ({shards} shards x train/val/test, one process each as rule "
                f"features), 1 thread",
                f"{cpu / sum(r['files'] for r in done) * 1e3:.1f} ms CPU per file, {cpu / audio_s * 1e3:.2f} ms CPU "
                f"per audio second ({audio_s / cpu:,.0f}x real time; wav read included; wall "
                f"{sum(r['wall_s'] for r in done):.0f} s for {audio_s / HOUR:.1f} h); start-up per job "
                f"{startup:.1f} s CPU (imports, numba), apart; "
                f"VAD keeps {frames / audio_s:.1f} frames per audio second",
                "printed",
                "info",
            )
        )
        rows.append(
            benchlib.Row(
                "features job peak memory (the largest training shard)",
                f"RssAnon +{mb(grew(biggest, 'RssAnon'))} over imports ({mb(biggest['base']['RssAnon'])}), VmHWM "
                f"{mb(biggest['peak']['VmHWM'])}, for {biggest['frame_bytes'] / 2**20:,.0f} MB of frames "
                f"({biggest['audio_s'] / HOUR:.2f} h of audio). Over the {len(done)} jobs, RssAnon growth = "
                f"{fixed:.0f} MB + {slope:.2f} x the shard's frames "
                + ("(least squares" if fit else "(the largest ratio: too few sizes for a line")
                + "; extract_rows holds each utterance's features, then concatenates them)",
                "grows with the shard: printed",
                "info",
            )
        )
        dec = decoding(written[:decode_files], tmp)
        dec_seconds = sum(s for _, s in written[:decode_files])
        rows.append(
            benchlib.Row(
                f"decoding alone by format ({decode_files} of the slice's files, {dec_seconds:.0f} s; "
                "ge2e.audio.files.read, ge2e.audio.files.probe), 1 thread",
                "; ".join(
                    f"{fmt}: read {r * 1e3:.2f} ms CPU per audio second, header {p:.3f} ms per file"
                    for fmt, (r, p) in dec.items()
                ),
                "printed",
                "info",
            )
        )
        train_paths = [r["path"] for (split, _), r in sorted(feats.items()) if split == "train"]
        val_paths = [r["path"] for (split, _), r in sorted(feats.items()) if split == "val"]
        bat = measure("batches", train=train_paths, batches=5 if args.quick else 50)
        batch_ms = benchlib.median(bat["cpu_ms"][1:] or bat["cpu_ms"])
        rows.append(
            benchlib.Row(
                f"batch preparation from the slice's memory-mapped shards, N={bat['n']} M=10 T=160, 1 thread",
                f"{batch_ms:.1f} ms CPU per batch (median of {len(bat['cpu_ms']) - 1}; max "
                f"{max(bat['cpu_ms']):.1f}); RssAnon +{mb(grew(bat, 'RssAnon'))}, RssFile +{mb(grew(bat, 'RssFile'))}",
                f"<= {GPU_STEP_S * 1e3:.0f} ms (one H200 step)",
                benchlib.verdict(batch_ms <= GPU_STEP_S * 1e3),
                f"{batch_ms:.1f} ms per batch.",
            )
        )
        tr = measure("train", train=train_paths, val=val_paths, n=n_train, epochs=epochs, out=str(tmp))
        model = tr["model"]
        rows.append(
            benchlib.Row(
                f"ge2e.train.trainer.train on the slice's features: config/config.yaml's model ({model['layers']}x"
                f"{model['hidden']}, proj {model['proj']}), N={n_train} M=10, {epochs} epochs, CPU, 1 thread",
                f"{tr['steps']} steps in {tr['wall_s']:.0f} s wall ({tr['wall_s'] / max(1, tr['steps']):.2f} s per "
                f"step, two validations included); final loss {tr['final_loss']:.3f}; peak RssAnon "
                f"{mb(tr['peak']['RssAnon'])}, RssFile {mb(tr['peak']['RssFile'])}, VmHWM {mb(tr['peak']['VmHWM'])}",
                "printed",
                "info",
            )
        )
    paper_n = 2 if args.quick else args.paper_n
    paper_t = 16 if args.quick else 160  # quick: a tenth of the frames, a smoke test of the path
    pap = measure("paper", n=paper_n, steps=1, frames=paper_t)
    paper_step = benchlib.median(pap["cpu_s"])
    per_segment = paper_step / pap["segments"]
    act_mb = pap["peak"]["RssAnon"] - pap["before"]["RssAnon"]
    paper_gb = (pap["before"]["RssAnon"] + act_mb * SEGMENTS / pap["segments"]) / 1024
    rows.append(
        benchlib.Row(
            f"paper-size training step (3x768, proj 256) at N={paper_n} M=10 T={paper_t} ({pap['segments']} segments), "
            "CPU, 1 thread",
            f"{paper_step:.1f} s CPU per step ({per_segment * 1e3:.0f} ms per segment"
            + (f" -> {per_segment * SEGMENTS:.0f} s at N=64, scaled linearly)" if pap["segments"] < SEGMENTS else ")")
            + f"; peak RssAnon {mb(pap['peak']['RssAnon'])}, the activations +{mb(act_mb)}"
            + (f" -> about {paper_gb:.1f} GB at N=64" if pap["segments"] < SEGMENTS else ""),
            "printed",
            "info",
        )
    )
    measured = {
        "feat_cpu_per_s": cpu / audio_s,
        "decode_extra": {fmt: max(0.0, r - dec["wav"][0]) for fmt, (r, _) in dec.items()},
        "probe_ms": {fmt: p for fmt, (_, p) in dec.items()},
        "startup_cpu_s": startup,
        "frames_per_s": frames / audio_s,
        "feat_slope": slope,
        "feat_fixed_mb": fixed,
        "feat_base_mb": biggest["base"]["RssAnon"],
        "batch_ms": batch_ms,
        "paper_cpu_per_segment": per_segment,
        "paper_step_gb": paper_gb,
        "train_host_mb": tr["peak"]["VmHWM"],
        "index_bytes_per_utt": bat["index_bytes_per_utt"],
    }
    vox = yaml.safe_load((benchlib.ROOT / "config" / "voxceleb.yaml").read_text())
    rows += projection_rows(measured, vox)
    return rows


def add_arguments(parser):
    parser.add_argument("--files", type=int, default=5000, help="files in the slice")
    parser.add_argument("--speakers", type=int, default=100, help="speakers in the slice")
    parser.add_argument("--shards", type=int, default=4, help="feature shards per split")
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the slice's training run")
    parser.add_argument("--decode-files", type=int, default=40, help="files decoded as wav, flac and m4a")
    parser.add_argument("--paper-n", type=int, default=16, help="speakers in the paper-size CPU step (M=10)")
    parser.add_argument("--dir", default=str(benchlib.RESULTS), help="where the temporary slice is written")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2], sys.argv[3])
        return
    benchlib.cli("fullsize", "Full size without the data: a realistic slice and a projection", run, add_arguments)


if __name__ == "__main__":
    main()
