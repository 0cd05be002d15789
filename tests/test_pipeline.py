"""End to end: the real Snakefile on config/tiny.yaml in a temporary folder."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from once import made_once
from test_plan_checks import TRIAL_LIST_ERRORS, write_trial_audio
from test_plan_start_up import START_UP_ERRORS
from workflow_run import copy_workflow, snakemake


def test_table_has_every_row_filled(run_dir):
    table = (run_dir / "results" / "eer_table.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| Ours") or line.startswith("| MFCC mean+std")]
    # (schedules x checkpoints, untrained, MFCC) in the EER and minDCF tables, then a decision section per task
    assert len(rows) == 4 * (2 * 2 + 2)
    number, interval = r"[01]\.\d{4}", r"[01]\.\d{4} \[[01]\.\d{3}, [01]\.\d{3}\]"
    for row in rows[:6]:  # the EER table
        cells = [c.strip() for c in row.strip("|").split("|")][1:]
        assert len(cells) == 4, row
        assert all(re.fullmatch(p, c) for p, c in zip([number, interval] * 2, cells, strict=True)), row
    for row in rows[6:12]:  # the minDCF table: p = 0.05, 0.01, 0.001 per task
        cells = [c.strip() for c in row.strip("|").split("|")][1:]
        assert len(cells) == 6 and all(re.fullmatch(number, c) for c in cells), row
    pair, bits = rf"{number} / {number}", r"\d+\.\d{4}"
    for row in rows[12:]:  # decisions: Cllr, min Cllr, act / min DCF at 3 priors, FAR / FRR at 3 thresholds
        cells = [c.strip() for c in row.strip("|").split("|")][1:]
        shapes = [bits] * 2 + [pair] * 6
        assert len(cells) == 8 and all(re.fullmatch(p, c) for p, c in zip(shapes, cells, strict=True)), row
    assert "| Paper (Wan et al. 2018, GE2E), Google-internal data | 0.031 |" in table


def test_table_numbers_come_from_the_evaluations(run_dir):
    result = json.loads((run_dir / "results/tisv/const/eval/test/final.json").read_text())
    row = next(
        line for line in (run_dir / "results/eer_table.md").read_text().splitlines() if "const lr, final" in line
    )
    low, high = result["eer_full_ci95"]
    assert f"{result['eer_avg']:.4f} | {result['eer_full']:.4f} [{low:.3f}, {high:.3f}] |" in row
    assert low <= result["eer_full"] <= high
    scores = (run_dir / "results/tisv/const/eval/test/final_scores.tsv").read_text().splitlines()
    assert scores[0] == "enrol_speaker\ttest_utterance\tscore\tlabel\tllr"
    assert len(scores) - 1 == result["target_trials"] + result["nontarget_trials"]
    # The LLRs are the checkpoint's own calibration, fitted on its validation speakers, applied to each score.
    import torch

    ckpt = torch.load(run_dir / "results/tisv/const/final.pt", weights_only=True)
    cal = ckpt["calibration"]
    assert cal["source"] == "TI-SV validation speakers of the built-in synthetic TIMIT look-alike"
    for line in scores[1:]:
        score, llr = float(line.split("\t")[2]), float(line.split("\t")[4])
        assert llr == pytest.approx(cal["scale"] * score + cal["offset"], abs=2e-5)
    assert result["decision"]["operating_points"] == ckpt["operating_points"]
    # The rates the table reports at each threshold chosen on the validation speakers, recounted from the scores.
    rows = [line.split("\t") for line in scores[1:]]
    target = [float(r[2]) for r in rows if r[3] == "1"]
    nontarget = [float(r[2]) for r in rows if r[3] == "0"]
    for name, threshold in ckpt["operating_points"].items():
        far = sum(x >= threshold for x in nontarget) / len(nontarget)
        frr = sum(x < threshold for x in target) / len(target)
        assert result["decision"][f"far_at_{name}"] == pytest.approx(far, abs=2e-3), name  # scores: 6 decimals
        assert result["decision"][f"frr_at_{name}"] == pytest.approx(frr, abs=2e-3), name
    assert result["target_trials"] > 0 and result["nontarget_trials"] > result["target_trials"]


def test_training_outputs_and_plots(run_dir):
    for task in ("tdsv", "tisv"):
        for schedule in ("const", "step"):
            out = run_dir / "results" / task / schedule
            assert all((out / f"{c}.pt").stat().st_size > 0 for c in ("init", "final", "best"))
            lines = (out / "loss.tsv").read_text().splitlines()
            assert lines[0] == "epoch\tstep\tloss\ttotal_loss" and len(lines) > 3
            png = run_dir / "results" / "plots" / f"loss_{task}_{schedule}.png"
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        for name in (f"det_{task}_test", f"scores_{task}_test", f"decisions_{task}_test", f"embeddings_{task}"):
            assert (run_dir / "results" / "plots" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
            assert (run_dir / "results" / "logs" / "train" / f"{task}_{schedule}.log").read_text().count("epoch") >= 3


def test_builtin_corpus_is_in_the_real_layouts(run_dir):
    timit = run_dir / "results" / "builtin_corpus" / "TIMIT"
    speakers = list(timit.glob("TRAIN/DR*/*")) + list(timit.glob("TEST/DR*/*"))
    assert len(speakers) == 8 + 4 + 6 and all(re.fullmatch(r"[FM][A-Z]{3}\d", s.name) for s in speakers)
    assert sorted(p.stem[:2] for p in speakers[0].glob("*.WAV")) == ["SA"] * 2 + ["SI"] * 3 + ["SX"] * 5
    snips = run_dir / "results" / "builtin_corpus" / "snips"
    entries = json.loads((snips / "train.json").read_text())
    assert {"id", "worker_id", "is_hotword", "duration", "audio_file_path"} <= set(entries[0])


@pytest.mark.parametrize(("task", "corpus"), [("tisv", "TIMIT"), ("tdsv", "snips")])
def test_splits_share_no_base_voice(run_dir, task, corpus):
    """Read from the manifests the readers wrote: no base voice (TTS voice or recorded person) is in two splits,
    so the test speakers' voices were never heard in training or checkpoint selection."""
    from ge2e.builtin import layouts
    from ge2e.corpus import manifest

    who = layouts.read_speaker_table(run_dir / "results/builtin_corpus" / corpus)
    persons = {}
    for row in manifest.read(run_dir / f"results/{task}/manifest.tsv"):
        assert who[row["speaker"]]["split"] == row["split"], row  # the generator's split is the reader's
        persons.setdefault(row["split"], set()).add(who[row["speaker"]]["person"])
    assert set(persons) == {"train", "val", "test"}
    assert not persons["train"] & persons["val"] and not persons["train"] & persons["test"]
    assert not persons["val"] & persons["test"]


def test_rerun_has_nothing_to_do(run_dir, tmp_path):
    work = shutil.copytree(run_dir, tmp_path / "run", symlinks=True)  # copy2 keeps the times: as up to date
    proc = snakemake(work, "results/eer_table.md")
    assert proc.returncode == 0 and "Nothing to be done" in proc.stdout + proc.stderr


# The first of each kind (a schema error naming the file that set the key, a start-up check, a variant's): every
# mistake of START_UP_ERRORS stops common.smk's start-up with its line, run in-process by tests/test_plan_start_up.py.
@pytest.mark.parametrize(("config", "message"), START_UP_ERRORS[:3])
def test_config_errors_stop_before_any_job(tmp_path, config, message):
    work = copy_workflow(tmp_path)
    (work / "config" / "bad.yaml").write_text(config + "\n")
    earlier = work / "results" / "eer_table.md"
    earlier.parent.mkdir()
    earlier.write_text("earlier table\n")
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--configfile", "config/bad.yaml"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and message in proc.stdout + proc.stderr
    assert earlier.read_text() == "earlier table\n" and os.listdir(work / "results") == ["eer_table.md"]


@pytest.mark.parametrize("policy", ["fail", "skip"])
def test_bad_file_in_a_real_layout_through_the_rule(tmp_path, policy):
    from bench import placeholder

    (tmp_path / "work").mkdir()
    work = copy_workflow(tmp_path / "work")
    timit = placeholder.write_timit(tmp_path / "TIMIT", train_speakers=24, test_speakers=10)
    snips = placeholder.write_snips(tmp_path / "snips", {"train": 20, "dev": 3, "test": 10}, hotwords=3)
    bad = sorted(timit.glob("TRAIN/DR*/*/SX10.WAV"))[0]
    bad.write_bytes(bad.read_bytes()[:500])
    (work / "config" / "real.yaml").write_text(
        f"corpus: {{timit_root: {timit}, snips_root: {snips}, on_bad_file: {policy}}}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "results/tisv/manifest.tsv", "--configfile", "config/real.yaml"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    log = (work / "results" / "logs" / "convert" / "tisv.log").read_text()
    assert str(bad) in log and "Traceback" not in log
    if policy == "fail":
        assert proc.returncode != 0 and not (work / "results" / "tisv" / "manifest.tsv").exists()
        assert f"convert_timit: {bad}: truncated or corrupt SPHERE header" in log
    else:
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "skipped 1 bad file(s)" in log
        rows = (work / "results" / "tisv" / "manifest.tsv").read_text().splitlines()
        assert len(rows) == 1 + 34 * 10 - 1


def dry_run_jobs(output):
    """{(rule, its wildcards line): [its inputs]} of the jobs a dry run lists."""
    jobs, rule, inputs = {}, None, []
    for line in output.splitlines():
        if line.startswith("rule ") and line.endswith(":"):
            rule, inputs = line[5:-1], []
        elif rule and line.strip().startswith("input:"):
            inputs = line.split(":", 1)[1].strip().split(", ")
        elif rule and line.strip().startswith("wildcards:"):
            jobs[(rule, line.split(":", 1)[1].strip())] = inputs
    return jobs


def test_td_sv_starting_from_ti_sv_waits_for_its_best_checkpoint_and_reads_its_multireader_source(tmp_path):
    work = copy_workflow(tmp_path)
    (work / "config" / "ft.yaml").write_text("train: {tdsv: {init: tisv, multireader: {source: tisv, weight: 0.5}}}\n")
    (work / "config" / "zero.yaml").write_text("train: {tdsv: {multireader: {source: tisv, weight: 0}}}\n")
    own = [f"results/tdsv/features/{split}/{shard}.npz" for split in ("train_aug", "val") for shard in (0, 1)]
    tisv_train = [f"results/tisv/features/train_aug/{shard}.npz" for shard in (0, 1)]
    proc = snakemake(work, "-n", "results/tdsv/step/final.pt", config=["config/tiny.yaml", "config/ft.yaml"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = dry_run_jobs(proc.stdout)
    # Asked for TD-SV alone, the run trains TI-SV's step schedule first: TD-SV's step run starts from its best.pt.
    assert jobs[("train", "root=results, task=tdsv, schedule=step")] == [*own, "results/tisv/step/best.pt", *tisv_train]
    assert ("train", "root=results, task=tisv, schedule=step") in jobs
    assert ("train", "root=results, task=tisv, schedule=const") not in jobs
    # MultiReader at weight 0 is none: TD-SV reads its own data alone, and TI-SV is not trained for it.
    proc = snakemake(work, "-n", "results/tdsv/step/final.pt", config=["config/tiny.yaml", "config/zero.yaml"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = dry_run_jobs(proc.stdout)
    assert jobs[("train", "root=results, task=tdsv, schedule=step")] == own
    assert [key for key in jobs if key[0] == "train"] == [("train", "root=results, task=tdsv, schedule=step")]


def test_td_sv_fine_tuned_from_ti_sv_with_multireader_trains_through_the_rule(run_dir, tmp_path):
    """The run's TI-SV is there: TD-SV's const run alone retrains, from TI-SV's best.pt, and says so."""
    import torch
    from workflow_run import job_counts

    work = shutil.copytree(run_dir, tmp_path / "run", symlinks=True)
    (work / "config" / "ft.yaml").write_text("train: {tdsv: {init: tisv, multireader: {source: tisv, weight: 0.5}}}\n")
    proc = snakemake(work, "results/tdsv/const/final.pt", config=["config/tiny.yaml", "config/ft.yaml"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert job_counts(proc.stdout + proc.stderr) == {"train": 1}
    start = work / "results/tisv/const/best.pt"
    given, init, final = (
        torch.load(path, weights_only=True)
        for path in (start, work / "results/tdsv/const/init.pt", work / "results/tdsv/const/final.pt")
    )
    assert all(torch.equal(init["model"][k], given["model"][k]) for k in given["model"])
    assert (init["w"], init["b"]) == (given["w"], given["b"])
    assert final["init_from"]["from"] == "tisv" and final["init_from"]["path"] == "results/tisv/const/best.pt"
    assert final["multireader"]["source"] == "tisv" and final["multireader"]["weight"] == 0.5
    assert "starting from results/tisv/const/best.pt" in (work / "results/logs/train/tdsv_const.log").read_text()


# A second seed of the experiment grid (results/seed8/), longer: killed, it resumes as a run without experiments does.
KILL_CONFIG = (
    "train: {checkpoint_every: 2, tisv: {n_speakers: 4, n_utterances: 4, frames: [60, 80], epochs: 40}}\n"
    "experiments: {seeds: [7, 8]}\n"
)


def _train_until(work, target, kill_when=None):
    """Run Snakemake for ``target``; with ``kill_when`` (a function), SIGKILL the whole run once it is true."""
    import signal
    import time

    cmd = [sys.executable, "-m", "snakemake", target, "--configfile", "config/tiny.yaml", "config/kill.yaml"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    if kill_when is None:
        assert proc.wait(timeout=300) == 0
        return
    deadline = time.monotonic() + 300
    while not kill_when():
        assert proc.poll() is None, "training finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def test_killed_training_resumes_bit_identical(run_dir, tmp_path):
    """One seed's training, killed after several resume writes and after the best epoch so far, then rerun: every
    checkpoint and the loss log have the checksums of an uninterrupted run (init.pt still the untrained weights,
    best.pt the best)."""
    import hashlib
    import re as regex

    import torch

    copies = {}
    for name in ("straight", "killed"):
        copies[name] = tmp_path / name
        shutil.copytree(run_dir, copies[name], ignore=shutil.ignore_patterns("logs", "benchmarks"))
        (copies[name] / "config" / "kill.yaml").write_text(KILL_CONFIG)
    target = "results/seed8/tisv/const/final.pt"
    _train_until(copies["straight"], target)
    resume = copies["killed"] / "results/seed8/tisv/const/resume.pt"
    log = copies["killed"] / "results/seed8/logs/train/tisv_const.log"

    def after_epoch_7():  # resume written at epochs 2, 4 and 6; validation (and best.pt) every epoch
        return resume.exists() and log.exists() and regex.search(r"epoch 7 step", log.read_text()) is not None

    _train_until(copies["killed"], target, kill_when=after_epoch_7)
    assert resume.exists() and not (copies["killed"] / target).exists()
    assert "(best)" in log.read_text()
    subprocess.run(
        [sys.executable, "-m", "snakemake", "--unlock"], cwd=copies["killed"], check=True, capture_output=True
    )
    rerun = subprocess.run(
        [sys.executable, "-m", "snakemake", target, "--rerun-incomplete"]
        + ["--configfile", "config/tiny.yaml", "config/kill.yaml"],
        cwd=copies["killed"],
        capture_output=True,
        text=True,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "resuming from" in log.read_text()
    assert not resume.exists()
    for name in ("init.pt", "best.pt", "final.pt", "loss.tsv"):
        sums = [
            hashlib.sha256((copies[c] / "results/seed8/tisv/const" / name).read_bytes()).hexdigest() for c in copies
        ]
        assert sums[0] == sums[1], name
    # Both schedules start from the same seeded weights; another experiment seed starts from others.
    inits = [torch.load(run_dir / f"results/tisv/{s}/init.pt", weights_only=True)["model"] for s in ("const", "step")]
    assert all(torch.equal(inits[0][k], inits[1][k]) for k in inits[0])
    seed8 = torch.load(copies["killed"] / "results/seed8/tisv/const/init.pt", weights_only=True)["model"]
    assert not all(torch.equal(inits[0][k], seed8[k]) for k in inits[0])


def ge2e_cli(*args):
    exe = Path(sys.executable).parent / "ge2e"  # installed by `pip install -e .` (make test)
    return subprocess.run([str(exe), *args], capture_output=True, text=True)


def test_cli_verify_and_embed(run_dir, tmp_path):
    import numpy as np
    import soundfile as sf
    import torch

    ckpt = run_dir / "results/tisv/const/final.pt"
    threshold = torch.load(ckpt, weights_only=True)["eer_threshold"]  # from the validation speakers
    speakers = sorted((run_dir / "results/builtin_corpus/TIMIT/TEST").glob("DR*/*"))
    same, other = speakers[0], speakers[1]
    enroll = [str(same / "SA1.WAV"), str(same / "SA2.WAV")]  # SPHERE, as TIMIT ships them
    flac = tmp_path / "test.flac"
    audio, rate = sf.read(run_dir / "results/tisv/wav/test" / same.parent.name / same.name / f"{same.name}_SA1.wav")
    sf.write(flac, audio, rate)
    for test in (str(sorted(same.glob("SX*.WAV"))[0]), str(sorted(other.glob("SX*.WAV"))[0]), str(flac)):
        proc = ge2e_cli("verify", "--checkpoint", str(ckpt), "--enroll", *enroll, "--test", test)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert re.fullmatch(r"score -?[01]\.\d{4}", lines[0]), lines
        source = "TI-SV validation speakers of the built-in synthetic TIMIT look-alike"
        assert re.fullmatch(rf"llr -?\d+\.\d{{4}} \(calibrated on the {source}\)", lines[1]), lines
        assert re.fullmatch(r"threshold score >= -?[01]\.\d{4} \(the validation EER threshold\)", lines[2]), lines
        assert lines[3] in ("accept", "reject") and "built-in synthetic corpus" in proc.stderr
        assert float(lines[2].split()[3]) == pytest.approx(threshold, abs=1e-4)
    out = tmp_path / "emb.npy"
    proc = ge2e_cli("embed", "--checkpoint", str(ckpt), *enroll, str(flac), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    emb = np.load(out)
    assert emb.shape == (3, 16) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF nonsense")
    proc = ge2e_cli("verify", "--checkpoint", str(ckpt), "--enroll", str(bad), "--test", enroll[0])
    assert proc.returncode != 0 and f"{bad}: unreadable audio" in proc.stderr and "Traceback" not in proc.stderr


def test_same_config_twice_gives_the_same_table(run_dir, tmp_path):
    again = copy_workflow(tmp_path)
    proc = snakemake(again)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for path in (
        "results/eer_table.md",
        "results/tdsv/step/eval/test/best.json",
        "results/tisv/baselines/test/mfcc.json",
    ):
        assert (again / path).read_text() == (run_dir / path).read_text(), path


def test_report_renders_the_table_and_every_figure(run_dir, tmp_path):
    """`snakemake --report` after a run, opened in headless Chromium: every figure decodes, the table reads right."""
    import zipfile

    import browser

    if browser.find_chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium missing in CI (make test installs it)")
        pytest.skip("Chromium missing: sudo apt-get install chromium (make test installs it as root)")
    work = shutil.copytree(run_dir, tmp_path / "run", symlinks=True)  # the report is written into the folder
    for name in ("report.html", "report.zip"):
        proc = snakemake(work, "--report", f"results/{name}")
        assert proc.returncode == 0, proc.stderr[-3000:]
    figures = sorted(p.name for p in (work / "results" / "plots").glob("*.png"))
    assert len(figures) == 2 * 2 + 4 * 2  # loss per task x schedule; DET, scores, decisions, embeddings per task
    with zipfile.ZipFile(work / "results" / "report.zip") as archive:
        zipped = archive.namelist()
    assert all(any(n.endswith(f"/{f}") for n in zipped) for f in figures), zipped

    seen = browser.inspect_report(work / "results" / "report.html", screenshot_dir=tmp_path)
    assert sorted(Path(p).name for p in seen["figures"]) == figures
    assert {"Summary", "TD-SV (Snips keyword)", "TI-SV (TIMIT)"} <= set(seen["categories"])
    assert all(shot.stat().st_size > 10_000 for shot in seen["screenshots"]), seen["screenshots"]
    # The browser shows the Markdown table's cells, every one, in order.
    table_md = (run_dir / "results" / "eer_table.md").read_text()
    md_lines = [line for line in table_md.splitlines() if line.startswith("| ")]
    md_rows = [[c.strip() for c in line.strip("|").split("|")] for line in md_lines]
    # EER: header, 4 published, 6 ours; minDCF: header, 6; decisions: header and 6 rows per task
    assert seen["table_rows"] == md_rows and len(md_rows) == (1 + 4 + 6) + (1 + 6) + 2 * (1 + 6)


def test_cli_embed_gives_the_vectors_of_the_pipelines_features(run_dir, tmp_path):
    """ge2e embed reads audio with the checkpoint's feature settings (normalisation included): its d-vectors
    equal those of the same files' utterances in the feature shards the pipeline trained and evaluated on."""
    import numpy as np

    from ge2e.corpus import manifest
    from ge2e.encoder.embedding import EncoderEmbedder, load_encoder, window_frames
    from ge2e.features.store import FeatureSet

    ckpt = run_dir / "results/tisv/const/final.pt"
    model, meta = load_encoder(ckpt)
    assert meta["feature_params"]["normalise"] == "level"
    shards = FeatureSet.load(sorted((run_dir / "results/tisv/features/test").glob("*.npz")))
    rows = {r["utterance"]: r for r in manifest.read(run_dir / "results/tisv/manifest.tsv")}
    chosen = [0, 1, len(shards) - 1]
    files = [str(run_dir / rows[str(shards.utterances[i])]["path"]) for i in chosen]
    out = tmp_path / "emb.npy"
    proc = ge2e_cli("embed", "--checkpoint", str(ckpt), *files, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    frames = window_frames(meta["train_params"]["frames"])
    subset = FeatureSet.from_list([shards.utterance(i) for i in chosen], ["?"] * 3, ["?"] * 3)
    assert np.allclose(np.load(out), EncoderEmbedder(model, frames).utterances(subset), atol=1e-6)


def write_trial_lists(folder, dev):
    """Two lists over the real-speech readers (5 files each, sorted): a VoxCeleb-form one, each reader's first
    file against the last three of every reader, and a Kaldi-form one that is the external-set protocol (each
    reader enrols on its first two files, the last three of every reader are tested against every reader),
    with utterance ids mapped to files by a utt2path file."""
    readers = sorted(p.name for p in dev.iterdir() if p.is_dir())
    files = {r: sorted(f.name for f in (dev / r).glob("*.flac")) for r in readers}
    vox = [f"{int(r == t)} {r}/{files[r][0]} {t}/{f}" for r in readers for t in readers for f in files[t][2:]]
    (folder / "vox.txt").write_text("\n".join(vox) + "\n")
    (folder / "spk2utt").write_text(
        "".join(f"spk_{r} {' '.join(Path(f).stem for f in files[r][:2])}\n" for r in readers)
    )
    (folder / "utt2path").write_text("".join(f"{Path(f).stem} {r}/{f}\n" for r in readers for f in files[r]))
    kaldi = [
        f"spk_{r} {Path(f).stem} {'target' if r == t else 'nontarget'}"
        for t in readers
        for f in files[t][2:]
        for r in readers
    ]
    (folder / "kaldi.txt").write_text("\n".join(kaldi) + "\n")
    return (
        f"{{vox: {{root: {dev}, trials: vox.txt}}, "
        f"kaldi: {{root: {dev}, trials: kaldi.txt, format: kaldi, enrol: spk2utt, utt2path: utt2path}}}}"
    )


@pytest.fixture(scope="module")
def external_run(run_dir, tmp_path_factory):
    """The tiny run plus the real-speech folder as an external set and two trial lists over the same files
    (AS-norm on, top 4 of the 8 training speakers), in one Snakemake call: (folder, its output). Made once for the
    session (once.made_once): its tests only read it."""
    from workflow_run import require_real_speech

    dev = require_real_speech()

    def make(folder):
        work = shutil.copytree(run_dir, folder / "run", symlinks=True)
        extra = work / "config" / "external.yaml"
        extra.write_text(
            f"evaluate: {{external: {{dev: {dev}}}, trials: {write_trial_lists(work, dev)}, "
            "asnorm: {enabled: true, top_k: 4}}\n"
        )
        proc = snakemake(work, config=["config/tiny.yaml", "config/external.yaml"])
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout + proc.stderr

    folder, output = made_once(tmp_path_factory, "external", make)
    return folder / "run", output


def test_external_real_speech_set_is_scored_in_its_own_section(external_run):
    """evaluate.external on the team's real-speech folder: every checkpoint and both baselines are scored on it
    with full trials, in a table section and a DET plot of its own, without retraining anything."""
    from workflow_run import job_counts

    work, output = external_run
    jobs = job_counts(output)
    # Three sets (the folder, two trial lists); the only features made are the sets' and, for AS-norm's
    # cohort, the training splits' (2 tasks x 2 shards); nothing is retrained.
    assert "train" not in jobs and jobs["features"] == 2 * 2 and jobs["features_external"] == 3, jobs
    assert jobs["evaluate"] == 3 * 2 * 5 and jobs["evaluate_mfcc"] == 3 * 2, jobs
    result = json.loads((work / "results/tisv/const/eval/dev/best.json").read_text())
    assert result["speakers"] == 10 and result["utterances"] == 50 and result["eer_avg"] is None
    assert result["target_trials"] == 10 * 3 and result["nontarget_trials"] == 10 * 3 * 9
    assert "asnorm" not in result  # AS-norm is for trial lists only
    mfcc = json.loads((work / "results/tisv/baselines/dev/mfcc.json").read_text())
    assert mfcc["eer_full"] < 0.2  # mean+std MFCC tells these ten readers apart (0.033 in the set's README)
    table = (work / "results/eer_table.md").read_text()
    section = table[table.index("External set 'dev'") : table.index("Trial list")]
    rows = [line for line in section.splitlines() if line.startswith("| Ours") or line.startswith("| MFCC")]
    assert len(rows) == 2 * 2 + 2 and all("n/r" not in row for row in rows), section
    assert f"{result['eer_full']:.4f}" in next(r for r in rows if "const lr, best" in r)
    for task in ("tdsv", "tisv"):
        assert (work / f"results/plots/det_{task}_dev.png").read_bytes()[:4] == b"\x89PNG"


def test_trial_lists_are_scored_as_listed_in_sections_of_their_own(external_run):
    """evaluate.trials: a VoxCeleb-form and a Kaldi-form list are scored by every system, AS-norm'd, with the raw
    scores kept; the Kaldi list that restates the external protocol gives the external set's scores exactly."""
    from ge2e.corpus import manifest

    work, _ = external_run
    rows = manifest.read(work / "results/external/vox/manifest.tsv")
    dev = Path(rows[0]["path"]).parents[1]
    assert len(rows) == 10 * 4 and all(Path(r["path"]).is_relative_to(dev) for r in rows)  # the originals
    assert {r["speaker"] for r in rows} == {p.name for p in dev.iterdir() if p.is_dir()}
    vox = json.loads((work / "results/tisv/const/eval/vox/best.json").read_text())
    assert (vox["target_trials"], vox["nontarget_trials"], vox["models"], vox["utterances"]) == (30, 270, 10, 40)
    assert vox["asnorm"]["top_k"] == 4 and vox["asnorm"]["cohort_speakers"] == 8  # tiny: 8 training speakers
    assert set(vox["asnorm"]["raw"]) == {"eer", "eer_threshold", "min_dcf_0.05", "min_dcf_0.01", "min_dcf_0.001"}
    low, high = vox["eer_full_ci95"]
    assert low <= vox["eer_full"] <= high
    for system in ("tisv/const/eval/{}/best", "tdsv/const/eval/{}/init", "tisv/baselines/{}/mfcc"):
        listed = json.loads((work / "results" / f"{system.format('kaldi')}.json").read_text())
        folder = json.loads((work / "results" / f"{system.format('dev')}.json").read_text())
        assert listed["asnorm"]["raw"]["eer"] == pytest.approx(folder["eer_full"], abs=1e-9), system
        raw = {}
        for line in (work / "results" / f"{system.format('kaldi')}_scores.tsv").read_text().splitlines()[1:]:
            model, utterance, _, label, raw_score, _, _, _ = line.split("\t")  # last: the raw score's LLR
            raw[(model.removeprefix("spk_"), utterance)] = (float(raw_score), label)
        for line in (work / "results" / f"{system.format('dev')}_scores.tsv").read_text().splitlines()[1:]:
            speaker, utterance, score, label, _ = line.split("\t")
            got = raw.pop((speaker, utterance.split("/")[1]))
            assert got[0] == pytest.approx(float(score), abs=2e-6) and got[1] == label
        assert not raw
    table = (work / "results/eer_table.md").read_text()
    for name, rest in (("vox", "Trial list 'kaldi'"), ("kaldi", None)):
        section = table[table.index(f"Trial list '{name}'") :]
        section = section[: section.index(rest or "decisions on")]
        assert "300 trials (30 target)" in section and "top 4 cohort scores per side" in section
        rows = [line for line in section.splitlines() if line.startswith("| Ours") or line.startswith("| MFCC")]
        assert len(rows) == 2 * 2 + 2 and all("n/r" not in row for row in rows), section
        for task in ("tdsv", "tisv"):
            for kind in ("det", "scores"):
                assert (work / f"results/plots/{kind}_{task}_{name}.png").read_bytes()[:4] == b"\x89PNG"


# The last of TRIAL_LIST_ERRORS (the lists' audio is looked for where Snakemake runs); all of them go through
# common.smk's start-up in-process in tests/test_plan_checks.py.
@pytest.mark.parametrize(("config", "message"), TRIAL_LIST_ERRORS[-1:])
def test_trial_list_errors_stop_before_any_job(tmp_path, config, message):
    work = copy_workflow(tmp_path)
    write_trial_audio(work)
    (work / "config" / "bad.yaml").write_text(f"evaluate: {{trials: {config.replace('ROOT', 'audio')}}}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--configfile", "config/tiny.yaml", "config/bad.yaml"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and re.search(message, proc.stdout + proc.stderr), proc.stderr[-2000:]
    assert not (work / "results").exists()


def test_cli_and_evaluate_refuse_checkpoints_that_would_run_code(run_dir, tmp_path):
    """A .pt whose pickle calls a function (here: one creating a file) is refused by ge2e verify, ge2e embed and
    the evaluate rule, and the function never runs."""
    from test_encoder_embedding import crafted_checkpoint

    marker = tmp_path / "pwned"
    bad = crafted_checkpoint(tmp_path, marker)
    wav = str(sorted((run_dir / "results/tisv/wav/test").glob("*/*/*.wav"))[0])
    verify = ["verify", "--checkpoint", str(bad), "--enroll", wav, "--test", wav]
    embed = ["embed", "--checkpoint", str(bad), wav, "--out", str(tmp_path / "e.npy")]
    for args in (verify, embed):
        proc = ge2e_cli(*args)
        assert proc.returncode == 1 and "refused, it is not a plain ge2e checkpoint" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    work = shutil.copytree(run_dir, tmp_path / "run", symlinks=True)
    shutil.copy(bad, work / "results/tisv/const/final.pt")  # newer than its evaluation: evaluate reruns
    proc = snakemake(work, "results/tisv/const/eval/test/final.json")
    assert proc.returncode != 0
    assert "refused" in (work / "results/logs/evaluate/tisv_const_test_final.log").read_text()
    assert not marker.exists()


def test_librispeech_layout_runs_convert_to_evaluation(tmp_path):
    """corpus.tisv_format: librispeech on a LibriSpeech-like tree of integer-made speech: convert_tisv writes a
    manifest of the original flac files (no copies), and features, augmentation, training and evaluation run
    on it (TI-SV only, one schedule: the rest of the pipeline is the default run's)."""
    from layouts import write_librispeech
    from workflow_run import job_counts

    from ge2e.corpus import manifest

    root = write_librispeech(tmp_path / "LibriSpeech", {"train-clean-100": 7, "test-clean": 3}, speech=True)
    (tmp_path / "work").mkdir()
    work = copy_workflow(tmp_path / "work")
    (work / "config" / "librispeech.yaml").write_text(
        f"corpus: {{tisv_format: librispeech, librispeech: {{root: {root}, train_subsets: [train-clean-100], "
        "val_fraction: 0.3}}\n"
    )
    configs = ["config/tiny.yaml", "config/librispeech.yaml"]
    target = "results/tisv/const/eval/test/final.json"
    proc = snakemake(work, target, config=configs)
    assert proc.returncode == 0, proc.stderr[-4000:]
    jobs = job_counts(proc.stdout + proc.stderr)
    assert jobs["convert_tisv"] == 1 and "convert_timit" not in jobs and "builtin_corpus" not in jobs, jobs
    rows = manifest.read(work / "results/tisv/manifest.tsv")
    assert all(r["path"].startswith(f"{root}/") and r["path"].endswith(".flac") for r in rows)
    speakers = {split: {r["speaker"] for r in rows if r["split"] == split} for split in ("train", "val", "test")}
    assert [len(s) for s in speakers.values()] == [5, 2, 3] and speakers["test"] == {"107", "108", "109"}
    assert not (work / "results/tisv/wav").exists()
    log = (work / "results/logs/convert/tisv.log").read_text()
    assert "LibriSpeech: 10 speakers, 60 files listed" in log and "test: 3 speakers, 18 utterances" in log
    result = json.loads((work / target).read_text())
    assert result["speakers"] == 3 and 0 <= result["eer_full"] <= 1
    again = snakemake(work, target, config=configs)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


def _vctk(root):
    from layouts import write_vctk

    write_vctk(root, speakers=10, per_speaker=6, mics=("mic1",), speech=True)
    return f"vctk: {{root: {root}, mic: mic1, test_fraction: 0.3, val_fraction: 0.3}}", ".flac"


def _voxceleb(root):
    from layouts import write_voxceleb

    dev = write_voxceleb(root / "dev", [f"id1000{k}" for k in range(7)], videos=2, per_video=3, kind="m4a", speech=True)
    test = write_voxceleb(root / "test", ["id10270", "id10271", "id10272"], 2, 3, kind="m4a", speech=True, first=7)
    return f"voxceleb: {{train_roots: [{dev}], test_root: {test}, val_fraction: 0.3}}", ".m4a"


def _folder(root):
    from layouts import write_folder

    write_folder(root, speakers=10, per_speaker=6, speech=True)
    return f"folder: {{root: {root}, test_fraction: 0.3, val_fraction: 0.3}}", ".wav"


@pytest.mark.parametrize(("tisv_format", "layout"), [("vctk", _vctk), ("voxceleb", _voxceleb), ("folder", _folder)])
def test_every_real_layout_runs_convert_to_evaluation(tmp_path, tisv_format, layout):
    """VCTK (48 kHz flac, resampled when read), VoxCeleb (m4a, as VoxCeleb2 ships) and a speaker folder, each
    through convert_tisv, features, augmentation, training and evaluation on the tiny config, reading the
    original files (10 speakers: 5 train, 2 validate, 3 test)."""
    from ge2e.corpus import manifest

    section, suffix = layout(tmp_path / tisv_format)
    (tmp_path / "work").mkdir()
    work = copy_workflow(tmp_path / "work")
    (work / "config" / "layout.yaml").write_text(f"corpus: {{tisv_format: {tisv_format}, {section}}}\n")
    target = "results/tisv/const/eval/test/final.json"
    proc = snakemake(work, target, config=["config/tiny.yaml", "config/layout.yaml"])
    assert proc.returncode == 0, proc.stderr[-4000:]
    rows = manifest.read(work / "results/tisv/manifest.tsv")
    assert all(r["path"].startswith(str(tmp_path / tisv_format)) and r["path"].endswith(suffix) for r in rows)
    counts = [len({r["speaker"] for r in rows if r["split"] == split}) for split in ("train", "val", "test")]
    assert counts == [5, 2, 3], counts
    result = json.loads((work / target).read_text())
    assert result["speakers"] == 3 and 0 <= result["eer_full"] <= 1


def _speech_commands(root, layout):
    """A Speech Commands corpus of ``layout`` (google: list files in the root; csv: the Arabic set's CSVs beside
    dataset/) and the config section reading its keyword ok."""
    from layouts import write_speech_commands

    folder = write_speech_commands(root, layout)
    if layout == "google":
        return folder, f"speech_commands: {{root: {folder}, keyword: ok}}"
    csv = ", ".join(f"{split}: {root / split}.csv" for split in ("train", "val", "test"))
    return folder, f"speech_commands: {{root: {folder}, keyword: ok, csv: {{{csv}}}}}"


@pytest.mark.parametrize("layout", ["google", "csv"])
def test_speech_commands_layouts_run_convert_to_evaluation(tmp_path, layout):
    """corpus.tdsv_format: speech_commands, in Google's layout (validation_list.txt, testing_list.txt) and in the
    Arabic set's (train/val/test.csv beside dataset/): convert_tdsv writes a TD-SV manifest of the keyword's original
    files (no other keyword's), and features, augmentation, training and evaluation run on it (TD-SV only, one
    schedule; 10 speakers: 5 train, 2 validate, 3 test)."""
    from workflow_run import job_counts

    from ge2e.corpus import manifest

    folder, section = _speech_commands(tmp_path / layout, layout)
    (tmp_path / "work").mkdir()
    work = copy_workflow(tmp_path / "work")
    (work / "config" / "tdsv.yaml").write_text(f"corpus: {{tdsv_format: speech_commands, {section}}}\n")
    configs = ["config/tiny.yaml", "config/tdsv.yaml"]
    target = "results/tdsv/const/eval/test/final.json"
    proc = snakemake(work, target, config=configs)
    assert proc.returncode == 0, proc.stderr[-4000:]
    jobs = job_counts(proc.stdout + proc.stderr)
    assert jobs["convert_tdsv"] == 1 and "convert_snips" not in jobs and "builtin_corpus" not in jobs, jobs
    rows = manifest.read(work / "results/tdsv/manifest.tsv")
    assert len(rows) == 50 and all(r["path"].startswith(f"{folder}/ok/") and r["path"].endswith(".wav") for r in rows)
    counts = [len({r["speaker"] for r in rows if r["split"] == split}) for split in ("train", "val", "test")]
    assert counts == [5, 2, 3], counts
    log = (work / "results/logs/convert/tdsv.log").read_text()
    assert "Speech Commands 'ok': 10 speakers, 50 files listed" in log and "test: 3 speakers, 15 utterances" in log
    result = json.loads((work / target).read_text())
    assert result["speakers"] == 3 and 0 <= result["eer_full"] <= 1


def test_a_speech_commands_speaker_in_two_splits_stops_the_convert_rule_with_one_line(tmp_path):
    folder, section = _speech_commands(tmp_path / "csv", "csv")
    with open(tmp_path / "csv" / "val.csv", "a") as fh:
        fh.write("dataset/ok/00000001_NO_02.wav,ok\n")  # a training speaker's file
    (tmp_path / "work").mkdir()
    work = copy_workflow(tmp_path / "work")
    (work / "config" / "tdsv.yaml").write_text(f"corpus: {{tdsv_format: speech_commands, {section}}}\n")
    proc = snakemake(work, "results/tdsv/manifest.tsv", config=["config/tiny.yaml", "config/tdsv.yaml"])
    assert proc.returncode != 0
    errors = [line for line in (work / "results/logs/convert/tdsv.log").read_text().splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "convert_tdsv: speaker 00000001 is in both the train split (" in errors[0], errors
    assert f"and the val split ({folder}/ok/00000001_NO_02.wav: in {tmp_path}/csv/val.csv)" in errors[0]
    assert "Traceback" not in proc.stderr and not (work / "results/tdsv/manifest.tsv").exists()


def _speakers(rows, split):
    return {r["speaker"] for r in rows if r["split"] == split}


def test_extra_training_corpora_join_the_training_speakers_and_never_the_test_ones(tmp_path):
    """corpus.tisv_extra_train on LibriSpeech: a VoxCeleb tree (without VoxCeleb1's test speakers) and a folder of
    speakers. Each is converted by convert_extra where it lies; convert_tisv merges them into the one TI-SV manifest,
    where all their speakers train under prefixed ids, and validation and test speakers are LibriSpeech's alone;
    features, training and evaluation run on it."""
    from layouts import write_folder, write_librispeech, write_voxceleb
    from workflow_run import job_counts

    from ge2e.corpus import manifest

    root = write_librispeech(tmp_path / "LibriSpeech", {"train-clean-100": 7, "test-clean": 3}, speech=True)
    vox = write_voxceleb(tmp_path / "vox", ["id20001", "id20002"], videos=2, per_video=2, speech=True, first=20)
    more = write_folder(tmp_path / "more", speakers=3, per_speaker=4, speech=True)
    (tmp_path / "work").mkdir()
    work = copy_workflow(tmp_path / "work")
    (work / "config" / "extra.yaml").write_text(
        f"corpus: {{tisv_format: librispeech, librispeech: {{root: {root}, train_subsets: [train-clean-100], "
        f"val_fraction: 0.3}}, tisv_extra_train: {{vox: {{format: voxceleb, train_roots: [{vox}]}}, "
        f"more: {{format: folder, root: {more}}}}}}}\n"
    )
    configs = ["config/tiny.yaml", "config/extra.yaml"]
    target = "results/tisv/const/eval/test/final.json"
    proc = snakemake(work, target, config=configs)
    assert proc.returncode == 0, proc.stderr[-4000:]
    jobs = job_counts(proc.stdout + proc.stderr)
    assert jobs["convert_extra"] == 2 and jobs["convert_tisv"] == 1 and "builtin_corpus" not in jobs, jobs
    rows = manifest.read(work / "results/tisv/manifest.tsv")
    extras = {name: manifest.read(work / f"results/tisv/extra/{name}/manifest.tsv") for name in ("vox", "more")}
    assert _speakers(extras["vox"], "train") == {"vox/id20001", "vox/id20002"}
    assert _speakers(extras["more"], "train") == {"more/spk00", "more/spk01", "more/spk02"}
    joined = set().union(*(_speakers(e, "train") for e in extras.values()))
    assert joined < _speakers(rows, "train") and len(_speakers(rows, "train")) == 5 + 5
    assert _speakers(rows, "test") == {"107", "108", "109"} and len(_speakers(rows, "val")) == 2
    assert not joined & (_speakers(rows, "val") | _speakers(rows, "test"))
    assert all(r["path"].startswith((f"{vox}/", f"{more}/")) for r in rows if r["speaker"] in joined)
    log = (work / "results/logs/convert/tisv.log").read_text()
    assert "extra training corpus vox (corpus.tisv_extra_train.vox): 2 speakers, 8 utterances join" in log
    assert "train: 10 speakers" in log
    result = json.loads((work / target).read_text())
    assert result["speakers"] == 3 and 0 <= result["eer_full"] <= 1


def test_one_folder_trains_validates_and_tests_by_a_stated_speaker_split_and_each_keyword_has_its_manifest(tmp_path):
    """A folder of speakers split by counts and a seed: its train part joins LibriSpeech's training speakers, its val
    part the validation speakers, and an external set reads its test part (convert_extra, convert_tisv,
    convert_external); an external set that would test on its training speakers stops the run before any job.
    A Speech Commands corpus split by speakers once for every keyword, and a variant reading another keyword: a
    manifest each (convert_tdsv under the variant's folder), the same part for a speaker in both."""
    from layouts import write_folder, write_librispeech, write_speech_commands
    from workflow_run import job_counts

    from ge2e.corpus import manifest

    root = write_librispeech(tmp_path / "LibriSpeech", {"train-clean-100": 6, "test-clean": 3}, per_chapter=2)
    so = write_folder(tmp_path / "so", speakers=9, per_speaker=2)
    commands = write_speech_commands(tmp_path / "asc", "csv", speakers=12, per_speaker=2)
    for gone in (commands / "yes").glob("0000000[12]_*"):
        gone.unlink()
    split = "{split: {val: 2, test: 3}, seed: 7}"
    (tmp_path / "work").mkdir()
    work = copy_workflow(tmp_path / "work")
    (work / "config" / "split.yaml").write_text(
        f"corpus: {{tisv_format: librispeech, librispeech: {{root: {root}, train_subsets: [train-clean-100], "
        f"val_fraction: 0.3}}, tisv_extra_train: {{so: {{format: folder, root: {so}, speakers: {split}}}}}, "
        f"tdsv_format: speech_commands, speech_commands: {{root: {commands}, keyword: ok, speakers: {split}}}}}\n"
        f"evaluate: {{external: {{so: {{root: {so}, speakers: {split}}}}}}}\n"
        "experiments: {variants: {word_yes: {corpus: {speech_commands: {keyword: 'yes'}}}}}\n"
    )
    configs = ["config/tiny.yaml", "config/split.yaml"]
    targets = [
        f"results/{where}manifest.tsv" for where in ("tisv/", "external/so/", "tdsv/", "variants/word_yes/tdsv/")
    ]
    proc = snakemake(work, *targets, config=configs)
    assert proc.returncode == 0, proc.stderr[-4000:]
    jobs = job_counts(proc.stdout + proc.stderr)
    assert jobs == {"convert_extra": 1, "convert_tisv": 1, "convert_external": 1, "convert_tdsv": 2}, jobs
    rows = manifest.read(work / "results/tisv/manifest.tsv")
    tested = {r["speaker"] for r in manifest.read(work / "results/external/so/manifest.tsv")}
    trained, validated = _speakers(rows, "train"), _speakers(rows, "val")
    assert len(tested) == 3 and {s for s in trained if s.startswith("so/")} | {
        s for s in validated if s.startswith("so/")
    } == {f"so/spk{k:02d}" for k in range(9) if f"spk{k:02d}" not in tested}
    assert len([s for s in validated if s.startswith("so/")]) == 2 and len(validated) == 2 + 2  # LibriSpeech's two
    log = (work / "results/logs/convert/tisv.log").read_text()
    assert "extra training corpus so (corpus.tisv_extra_train.so): 2 speakers, 4 utterances join the validation" in log
    ok = manifest.read(work / "results/tdsv/manifest.tsv")
    yes = manifest.read(work / "results/variants/word_yes/tdsv/manifest.tsv")
    assert {r["utterance"].split("/")[0] for r in ok} == {"ok"} and {r["utterance"].split("/")[0] for r in yes} == {
        "yes"
    }
    part_of = {r["speaker"]: r["split"] for r in ok}
    assert all(part_of[r["speaker"]] == r["split"] for r in yes) and len({r["speaker"] for r in yes}) == 10
    (work / "config" / "leak.yaml").write_text(f"evaluate: {{external: {{so: {so}}}}}\n")
    refused = snakemake(work, "-n", config=[*configs, "config/leak.yaml"])
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "Traceback" not in said
    assert f"config key evaluate.external.so: {so} is the folder of extra training corpus so" in said


def test_extra_training_corpora_merge_into_a_converted_timit_and_the_built_in_one_comes_from_its_rule(tmp_path):
    """A real TIMIT tree (convert_timit) with a folder of speakers as an extra: its manifest keeps TIMIT's splits and
    adds the folder's speakers to training. The built-in corpus as an extra beside a folder corpus: rule
    builtin_corpus writes it (planned, not run: that needs the speech tools) and convert_extra reads it."""
    from integer_corpus import write_timit
    from layouts import write_folder
    from workflow_run import job_counts

    from ge2e.corpus import manifest

    timit = write_timit(tmp_path / "TIMIT", train_speakers=8, test_speakers=4, utterances=5)
    more = write_folder(tmp_path / "more", speakers=2, per_speaker=4, speech=True)
    (tmp_path / "work").mkdir()
    work = copy_workflow(tmp_path / "work")
    (work / "config" / "extra.yaml").write_text(
        f"corpus: {{timit_root: {timit}, tisv_extra_train: {{more: {{format: folder, root: {more}}}}}}}\n"
    )
    proc = snakemake(work, "results/tisv/manifest.tsv", config=["config/tiny.yaml", "config/extra.yaml"])
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert job_counts(proc.stdout + proc.stderr) == {"convert_extra": 1, "convert_timit": 1}
    rows = manifest.read(work / "results/tisv/manifest.tsv")
    assert _speakers(rows, "train") >= {"more/spk00", "more/spk01"} and len(_speakers(rows, "train")) == 6 + 2
    assert len(_speakers(rows, "test")) == 4 and not any(s.startswith("more/") for s in _speakers(rows, "test"))
    speakers = write_folder(tmp_path / "speakers", speakers=6, per_speaker=3)
    (work / "config" / "synth.yaml").write_text(
        f"corpus: {{tisv_format: folder, folder: {{root: {speakers}}}, "
        "tisv_extra_train: {synth: {format: builtin}}}\n"
    )
    plan = snakemake(
        work, "results/tisv/manifest.tsv", "-n", "--forceall", config=["config/tiny.yaml", "config/synth.yaml"]
    )
    assert plan.returncode == 0, plan.stderr[-4000:]
    jobs = job_counts(plan.stdout + plan.stderr)
    assert jobs == {"builtin_corpus": 1, "convert_extra": 1, "convert_tisv": 1}, jobs
    assert "results/builtin_corpus/TIMIT" in plan.stdout + plan.stderr


def test_one_utterance_speakers_train_validate_and_are_tested(tmp_path):
    """A speaker folder where some speakers have one long file (8 utterances joined, about 10 s) in every split,
    TI-SV on the tiny config (M=4, segments up to 80 frames; no augmentation, so they stay one utterance):
    they train on M cuts of it, validate and test on its first half against its second, and the average
    protocol cuts the test ones too (evaluation M=6 of 70 frames)."""
    import torch
    from layouts import write_folder

    from ge2e.corpus import manifest

    root = write_folder(tmp_path / "folder", speakers=10, per_speaker=8, speech=True, joined=(2, 3, 4, 6, 8, 9))
    (tmp_path / "val.txt").write_text("spk05\nspk06\n")
    (tmp_path / "test.txt").write_text("spk07\nspk08\nspk09\n")
    (tmp_path / "work").mkdir()
    work = copy_workflow(tmp_path / "work")
    (work / "config" / "single.yaml").write_text(
        f"corpus: {{tisv_format: folder, folder: {{root: {root}, test_speakers: {tmp_path / 'test.txt'}, "
        f"val_speakers: {tmp_path / 'val.txt'}}}}}\naugment: {{tisv: {{noise_copies: 0}}}}\n"
    )
    target = "results/tisv/const/eval/test/final.json"
    proc = snakemake(work, target, config=["config/tiny.yaml", "config/single.yaml"])
    assert proc.returncode == 0, proc.stderr[-4000:]
    rows = manifest.read(work / "results/tisv/manifest.tsv")
    assert manifest.speaker_counts(rows) == {"train": [8, 8, 1, 1, 1], "val": [8, 1], "test": [8, 1, 1]}
    log = (work / "results/logs/train/tisv_const.log").read_text()
    assert "training speakers: 3 speakers have fewer than M=4 utterances; their segments are cut" in log
    assert "left out" not in log  # every one holds 4 segments of 80 frames
    final = torch.load(work / "results/tisv/const/final.pt", weights_only=True)
    assert 0 <= final["val_eer"] <= 1  # spk06, halved, is the second validation speaker: trials need it
    result = json.loads((work / target).read_text())
    assert result["speakers"] == 3 and result["eer_avg_batches"] == 2  # N=3 of 3: both cut speakers in each batch
    assert result["target_trials"] == 4 + 1 + 1 and 0 <= result["eer_full"] <= 1
    scores = (work / "results/tisv/const/eval/test/final_scores.tsv").read_text()
    assert "spk09\tspk09/0#second-half\t" in scores and "spk09/0#first-half" not in scores
    evaluated = (work / "results/logs/evaluate/tisv_const_test_final.log").read_text()
    assert "2 speakers with one utterance enrol on its first half and are tested on its second" in evaluated
