"""Feature extraction (VAD + log-mel, ``ge2e.features.frontend.from_samples``): throughput against librosa's, and
peak memory.

Audio: the built-in corpus's files when results/builtin_corpus exists (``make demo``
writes it), else seeded speech-like audio made here: voiced syllables (a harmonic series
on a drifting pitch, shaped by two formant-like bumps) separated by pauses at a -60 dB
noise floor, in 2-5 s utterances like TIMIT's. File reading is not timed; the work
timed is exactly what the features rule does per file after reading it.

Throughput is audio seconds per CPU second with numpy/BLAS/OpenMP pinned to one thread,
i.e. times real time per core; wall time is shown beside it. The common librosa front end on the
same audio (``librosa_front_end``) is timed in the same process, its rounds interleaved with
ours, and the target is the ratio of CPU times: ours at most 1.5x librosa's (at least two thirds
of its speed) with our CPU-independent arithmetic (``features.arithmetic: portable``) and 1.1x
with librosa's and numpy's own (native). The ratio, unlike the throughput, holds from
one CPU to another and on a machine that other jobs share. Peak memory is taken in a
fresh process (tracemalloc for numpy's allocations, ru_maxrss for the whole process) on
the longest utterance, since the peak grows with utterance length.

Usage: python bench/features.py [--quick] [--seconds 300] [--repeats 5]
"""

import sys
from pathlib import Path

import benchlib

benchlib.single_thread_env()

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402

from ge2e import schema  # noqa: E402
from ge2e.audio import files as audio  # noqa: E402
from ge2e.features.frontend import FeatureParams, from_samples, log_mel, vad  # noqa: E402


def paper_params():
    """The default feature settings (the schema's, the paper's)."""
    return FeatureParams(**schema.defaults("features.params"))


# Per features.arithmetic: at most this many times the librosa front end's CPU time per audio second.
TARGETS = {"portable": 1.5, "native": 1.1}
CORPUS = benchlib.ROOT / "results" / "builtin_corpus"


def librosa_front_end(samples, params):
    """The common librosa front end (VAD split at top_db, power mel spectrogram, log) on ``samples`` (S,).

    What speaker-verification recipes built on librosa do, with our settings: returns (T, n_mels) float32.
    """
    import librosa

    intervals = librosa.effects.split(
        samples, top_db=params.top_db, frame_length=params.win_length, hop_length=params.hop_length
    )
    speech = np.concatenate([samples[a:b] for a, b in intervals])
    mel = librosa.feature.melspectrogram(
        y=speech,
        sr=params.sample_rate,
        n_fft=params.n_fft,
        win_length=params.win_length,
        hop_length=params.hop_length,
        n_mels=params.n_mels,
        power=2.0,
    )
    return np.log(mel + 1e-6).T


def speech_like(seconds, rate, rng):
    """One utterance (S,) float32 of about ``seconds``: syllables and pauses, leading/trailing silence.

    Syllables have 15 ms on/off ramps and pauses are short, so VAD keeps most of the audio as it
    does on read speech (a Hann-shaped syllable would lose its quiet edges to the 30 dB VAD).
    """
    parts = [rng.normal(0, 1e-3, int(rate * rng.uniform(0.1, 0.3)))]
    f0 = rng.uniform(90, 220)  # the speaker's pitch
    total = 0.0
    while total < seconds:
        n = int(rate * rng.uniform(0.1, 0.35))
        t = np.arange(n) / rate
        pitch = f0 * (1 + 0.1 * np.sin(2 * np.pi * rng.uniform(1, 4) * t))  # (n,) intonation
        phase = 2 * np.pi * np.cumsum(pitch) / rate
        formants = rng.uniform([300, 900], [900, 2500])
        k = np.arange(1, int(4000 // f0) + 1)[:, None]  # (H, 1) harmonics up to 4 kHz
        gain = sum(np.exp(-(((k * f0 - f) / 150) ** 2)) for f in formants) + 0.05  # (H, 1)
        ramp = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.015)  # (n,)
        voiced = (gain * np.sin(k * phase)).sum(axis=0) * ramp
        parts += [0.3 * voiced / np.abs(voiced).max(), rng.normal(0, 1e-3, int(rate * rng.uniform(0.02, 0.15)))]
        total += (len(parts[-2]) + len(parts[-1])) / rate
    parts.append(rng.normal(0, 1e-3, int(rate * rng.uniform(0.1, 0.3))))
    return np.concatenate(parts).astype(np.float32)


def utterances(seconds, params):
    """(list of (S_i,) float32 arrays summing to about ``seconds`` of audio, description of the source)."""
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() == ".wav") if CORPUS.is_dir() else []
    policy = audio.ReadPolicy(sample_rate=params.sample_rate, resample=True, channel=None, on_bad_file="fail")
    out, total = [], 0.0
    for path in files:
        out.append(audio.read(path, policy))
        total += len(out[-1]) / params.sample_rate
        if total >= seconds:
            return out, f"{len(out)} files of the built-in corpus"
    rng = np.random.default_rng(0)
    out, total = [], 0.0
    while total < seconds:
        out.append(speech_like(rng.uniform(2, 5), params.sample_rate, rng))
        total += len(out[-1]) / params.sample_rate
    return out, f"{len(out)} synthetic speech-like utterances (no built-in corpus found)"


def memory_worker(seconds):
    """Fresh-process peak memory of from_samples on the longest utterance; prints one JSON line."""
    import tracemalloc

    params = paper_params()
    utts, _ = utterances(seconds, params)
    y = max(utts, key=len)
    del utts
    from_samples(y[: params.sample_rate], params, "warm-up")  # import-time and first-call allocations
    rss0 = benchlib.maxrss_mb()
    tracemalloc.start()
    peaks = {}
    speech = vad(y, params)
    peaks["vad"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    feats = log_mel(speech, params)
    peaks["log_mel"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    frames = 1 + len(speech) // params.hop_length  # librosa centres frames: one per hop, plus one
    print(
        json.dumps(
            {
                "seconds": len(y) / params.sample_rate,
                "speech_seconds": len(speech) / params.sample_rate,
                "frames": frames,
                "features_shape": list(feats.shape),
                "peak_vad_mb": peaks["vad"] / 2**20,
                "peak_log_mel_mb": peaks["log_mel"] / 2**20,
                "rss_mb": benchlib.maxrss_mb(),
                "rss_delta_mb": benchlib.maxrss_mb() - rss0,
                # The speech zero-padded as float64 for the STFT (log-mel).
                "padded_samples": len(speech) + params.n_fft,
                "padded_mb": (len(speech) + params.n_fft) * 8 / 2**20,
                # VAD's copy of the whole file, zero-padded as float64 for its frame power.
                "vad_padded_samples": len(y) + params.win_length,
                "vad_padded_mb": (len(y) + params.win_length) * 8 / 2**20,
                "input_mb": y.nbytes / 2**20,
            }
        )
    )


def speed_row(arithmetic, times, total, librosa_speed, first, source):
    """The table row of one ``features.arithmetic``: its CPU time over librosa's, round by round."""
    ratio, _ = benchlib.ratios(times[arithmetic], times["librosa"])
    speed = [total / c for c, _ in times[arithmetic]]
    wall = [total / w for _, w in times[arithmetic]]
    target = TARGETS[arithmetic]
    return benchlib.Row(
        f"feature extraction (VAD + log-mel), {arithmetic} arithmetic, CPU time against librosa's front end, "
        f"{total:.0f} s of audio ({source}), 1 thread",
        f"{benchlib.median(ratio):.2f}x librosa's (rounds {min(ratio):.2f}-{max(ratio):.2f}x, n={len(ratio)}): "
        f"{benchlib.median(speed):,.0f}x real time per core (wall {benchlib.median(wall):,.0f}x), librosa "
        f"{benchlib.median(librosa_speed):,.0f}x"
        + (
            f"; first call in a process {first[0]:.1f} s CPU (numba compilation), excluded"
            if arithmetic == "portable"
            else ""
        ),
        f"<= {target:.1f}x",
        benchlib.verdict(benchlib.median(ratio) <= target),
        f"Measured {benchlib.median(ratio):.2f}x librosa's CPU time.",
    )


def run(args):
    params = paper_params()
    seconds = 20 if args.quick else args.seconds
    repeats = 1 if args.quick else args.repeats
    utts, source = utterances(seconds, params)
    total = sum(len(u) for u in utts) / params.sample_rate

    native_params = dataclasses.replace(params, arithmetic="native")
    extractors = {
        "portable": lambda: [from_samples(u, params, "bench") for u in utts],
        "native": lambda: [from_samples(u, native_params, "bench") for u in utts],
        "librosa": lambda: [librosa_front_end(u, params) for u in utts],
    }
    # The first call in a process compiles ge2e.features.kernels's numba kernel (and, for librosa, loads its
    # submodules and compiles its own): once per features job, so it is shown apart and kept out.
    first = benchlib.timed(lambda: from_samples(utts[0], params, "bench"))
    times = benchlib.interleaved(extractors, repeats, warmup=1)
    librosa_speed = [total / c for c, _ in times["librosa"]]
    mem = benchlib.worker_json([Path(__file__), "--worker-memory", "--seconds", seconds])
    # Name the largest array from its shape: the padded speech (log-mel) or VAD's padded copy of the whole file.
    stft = (f"padded speech ({mem['padded_samples']},) float64", mem["padded_mb"])
    framed = (f"VAD's padded file ({mem['vad_padded_samples']},) float64", mem["vad_padded_mb"])
    largest, other = sorted([stft, framed], key=lambda x: -x[1])
    return [
        speed_row(arithmetic, times, total, librosa_speed, first, source) for arithmetic in ("portable", "native")
    ] + [
        benchlib.Row(
            f"feature extraction peak memory, longest utterance ({mem['seconds']:.1f} s, "
            f"{mem['speech_seconds']:.1f} s after VAD, {mem['frames']} frames)",
            f"numpy peak {max(mem['peak_vad_mb'], mem['peak_log_mel_mb']):.1f} MB (VAD {mem['peak_vad_mb']:.1f} MB, "
            f"log-mel {mem['peak_log_mel_mb']:.1f} MB; tracemalloc); process RSS {mem['rss_mb']:.0f} MB "
            f"(+{mem['rss_delta_mb']:.1f} MB over imports and warm-up). Largest array: {largest[0]} = "
            f"{largest[1]:.2f} MB (next: {other[0]} = {other[1]:.2f} MB; input {mem['input_mb']:.2f} MB); "
            "ge2e.features.kernels frames the audio in place (no framed copy for the VAD) and takes the STFT 32 frames "
            "at a time (no STFT matrix): the peaks are float64 copies of the audio, and the mel power",
            "printed, largest array named",
            "info",
        ),
    ]


def add_arguments(parser):
    parser.add_argument("--seconds", type=float, default=300.0, help="audio to extract per round")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--worker-memory", action="store_true", help=argparse.SUPPRESS)  # internal: see main()


def main():
    if "--worker-memory" in sys.argv:
        memory_worker(float(sys.argv[sys.argv.index("--seconds") + 1]))
        return
    benchlib.cli("features", "Feature extraction: throughput and peak memory", run, add_arguments)


if __name__ == "__main__":
    main()
