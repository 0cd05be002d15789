"""The download rules through the real Snakefile on the tiny config, against a local server on 127.0.0.1
(tests/download_server.py) serving archives the tests build, their digests given through download.checksums:
every rule once, up to the manifests that read what they fetched; a wrong digest stops the run in one line;
and the start-up checks of the download settings (two of them here; every one in tests/test_plan_checks.py)."""

import hashlib
import io
import re
import shutil
import tarfile
import zipfile

import pytest
import soundfile as sf
from download_server import serving
from hostile_archives import tar_case, zip_case
from layouts import tone, write_librispeech, write_speech_commands
from test_plan_checks import DOWNLOAD_ERRORS
from workflow_run import copy_workflow, job_counts, snakemake

from ge2e.corpus import manifest
from ge2e.fetch import archives

TRAIN, TEST = "train-clean-100", "test-clean"
LIBRISPEECH = {subset: f"/resources/12/{subset}.tar.gz" for subset in (TRAIN, TEST)}
SPEECH_COMMANDS = "/tf/speech_commands_v0.02.tar.gz"
MUSAN, RIRS = "/resources/17/musan.tar.gz", "/resources/28/rirs_noises.zip"
VOX1_O = "/meta/veri_test2.txt"


def tar_gz(entries):
    """A tar.gz (bytes) of ``entries``: (path on disk, name in the archive)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path, name in entries:
            tar.add(path, arcname=name)
    return buf.getvalue()


def librispeech_archives(src):
    """Each subset as openslr packs it: LibriSpeech/<subset>/... and LibriSpeech/SPEAKERS.TXT."""
    write_librispeech(src, {TRAIN: 7, TEST: 3}, speech=True)
    return {
        url: tar_gz([(src / subset, f"LibriSpeech/{subset}"), (src / "SPEAKERS.TXT", "LibriSpeech/SPEAKERS.TXT")])
        for subset, url in LIBRISPEECH.items()
    }


def md5(data):
    return hashlib.md5(data).hexdigest()


def workdir(tmp_path, config):
    (tmp_path / "work").mkdir()
    work = copy_workflow(tmp_path / "work")
    (work / "config" / "download.yaml").write_text(config)
    return work


def test_every_download_rule_fetches_verifies_and_unpacks_what_is_missing_and_the_readers_read_it(tmp_path):
    data = tmp_path / "data"
    files = librispeech_archives(tmp_path / "src" / "LibriSpeech")
    # test-clean is there already (unpacked by hand): never fetched, never touched.
    shutil.copytree(tmp_path / "src" / "LibriSpeech" / TEST, data / "LibriSpeech" / TEST)
    shutil.copy(tmp_path / "src" / "LibriSpeech" / "SPEAKERS.TXT", data / "LibriSpeech")
    kept = sorted((data / "LibriSpeech" / TEST).rglob("*.flac"))[0]
    kept_stat = kept.stat()
    sc = write_speech_commands(tmp_path / "src" / "sc", "google")
    files[SPEECH_COMMANDS] = tar_gz([(child, child.name) for child in sorted(sc.iterdir())])  # no top folder
    noise = tmp_path / "src" / "noise.wav"
    sf.write(noise, tone(3), 16000)
    files[MUSAN] = tar_gz([(noise, "musan/noise/free-sound/noise-free-sound-0000.wav")])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(noise, "RIRS_NOISES/simulated_rirs/smallroom/Room001/Room001-00001.wav")
    files[RIRS] = buf.getvalue()
    for k, name in enumerate(("a/1.wav", "a/2.wav", "b/1.wav", "b/2.wav")):
        (tmp_path / "vox" / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(tmp_path / "vox" / name, tone(k, seconds=1.0), 16000)
    files[VOX1_O] = b"1 a/1.wav a/2.wav\n0 a/1.wav b/1.wav\n1 b/1.wav b/2.wav\n0 b/2.wav a/2.wav\n"
    names = {url: url.rsplit("/", 1)[1] for url in files}
    checksums = ", ".join(f"{names[url]}: {md5(body)}" for url, body in files.items())
    with serving(files) as server:
        server.break_once.add(LIBRISPEECH[TRAIN])  # broken half-way: the rule resumes it
        work = workdir(
            tmp_path,
            f"corpus:\n"
            f"  tisv_format: librispeech\n"
            f"  librispeech: {{root: {data}/LibriSpeech, train_subsets: [{TRAIN}], test_subsets: [{TEST}], "
            "val_fraction: 0.3, download: true}\n"
            f"  tdsv_format: speech_commands\n"
            f"  speech_commands: {{root: {data}/speech_commands, keyword: ok, download: true}}\n"
            f"download: {{openslr_url: '{server.url}/resources', speech_commands_url: '{server.url}/tf', "
            f"voxceleb_lists_url: '{server.url}/meta/', root: {data}, musan: true, rirs: true, retries: 1, "
            f"retry_delay_s: 0, checksums: {{{checksums}}}}}\n"
            f"evaluate: {{trials: {{vox: {{root: {tmp_path}/vox, download: vox1_o}}}}}}\n",
        )
        targets = [
            "results/tisv/manifest.tsv",
            "results/tdsv/manifest.tsv",
            "results/external/vox/manifest.tsv",
            "results/downloads/musan.done",
            "results/downloads/rirs.done",
        ]
        configs = ["config/tiny.yaml", "config/download.yaml"]
        proc = snakemake(work, *targets, config=configs)
        assert proc.returncode == 0, proc.stderr[-4000:]
        again = snakemake(work, *targets, config=configs)
        assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
    jobs = job_counts(proc.stdout + proc.stderr)
    assert {rule: n for rule, n in jobs.items() if rule.startswith("download_")} == {
        "download_librispeech": 2,
        "download_speech_commands": 1,
        "download_trials": 1,
        "download_musan": 1,
        "download_rirs": 1,
    }
    # LibriSpeech: train-clean-100 resumed after the break, test-clean never asked for.
    assert server.ranges(LIBRISPEECH[TRAIN]) == [None, f"bytes={len(files[LIBRISPEECH[TRAIN]]) // 2}-"]
    assert server.ranges(LIBRISPEECH[TEST]) == []
    assert kept.stat().st_mtime_ns == kept_stat.st_mtime_ns and kept.stat().st_ino == kept_stat.st_ino
    assert "was there already" in (work / "results/downloads/librispeech/test-clean.done").read_text()
    log = (work / "results/logs/download/librispeech_train-clean-100.log").read_text()
    assert "resuming at" in log and f"train-clean-100.tar.gz: md5:{md5(files[LIBRISPEECH[TRAIN]])} verified" in log
    rows = manifest.read(work / "results/tisv/manifest.tsv")
    assert {r["path"].split("/LibriSpeech/")[1].split("/")[0] for r in rows} == {TRAIN, TEST}
    assert all(r["path"].startswith(f"{data}/LibriSpeech/") for r in rows)
    rows = manifest.read(work / "results/tdsv/manifest.tsv")
    assert len(rows) == 50 and all(r["path"].startswith(f"{data}/speech_commands/ok/") for r in rows)
    assert (data / "musan/noise/free-sound/noise-free-sound-0000.wav").is_file()
    assert (data / "RIRS_NOISES/simulated_rirs/smallroom/Room001/Room001-00001.wav").is_file()
    assert (data / "voxceleb" / "veri_test2.txt").read_bytes() == files[VOX1_O]
    assert len((work / "results/external/vox/trials.tsv").read_text().splitlines()) == 1 + 4
    # Nothing left over: no archive, partial file or temporary folder beside the corpora.
    assert sorted(p.name for p in data.iterdir()) == [
        "LibriSpeech",
        "RIRS_NOISES",
        "musan",
        "speech_commands",
        "voxceleb",
    ]
    assert sorted(p.name for p in (data / "LibriSpeech").iterdir()) == ["SPEAKERS.TXT", TEST, TRAIN]


def test_archives_whose_digests_are_not_the_published_ones_stop_the_run_in_one_line_and_nothing_is_unpacked(tmp_path):
    files = librispeech_archives(tmp_path / "src" / "LibriSpeech")
    root = tmp_path / "data" / "LibriSpeech"
    with serving(files) as server:
        work = workdir(
            tmp_path,
            f"corpus: {{tisv_format: librispeech, librispeech: {{root: {root}, train_subsets: [{TRAIN}], "
            f"test_subsets: [{TEST}], val_fraction: 0.3, download: true}}}}\n"
            f"download: {{openslr_url: '{server.url}/resources', retries: 0}}\n",
        )
        # One job at a time: Snakemake starts nothing after the first failure.
        proc = snakemake(
            work, "results/tisv/manifest.tsv", "--cores", "1", config=["config/tiny.yaml", "config/download.yaml"]
        )
    assert proc.returncode != 0
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "checksum" in line]
    assert len(lines) == 1, lines
    subset = re.search(r"(train-clean-100|test-clean)\.tar\.gz: checksum mismatch", lines[0]).group(1)
    published = archives.LIBRISPEECH[subset].digest
    source = archives.LIBRISPEECH[subset].published
    assert f"expected {published} ({source}) but the download from {server.url}{LIBRISPEECH[subset]} has " in lines[0]
    assert f"md5:{md5(files[LIBRISPEECH[subset]])} (removed, nothing unpacked)" in lines[0]
    assert "openslr.org publishes in resources/12/md5sum.txt" in lines[0] and "download.checksums" not in lines[0]
    assert "Traceback" not in proc.stderr
    assert not any((tmp_path / "data").rglob("*")) if (tmp_path / "data").exists() else True
    assert not (work / "results/tisv/manifest.tsv").exists()


def test_hostile_damaged_and_users_archives_through_the_rules_one_line_each_and_nothing_outside(tmp_path):
    # A mirror whose digests the user pasted into download.checksums serves: a link chain past PATH_MAX
    # (musan), overlapping zip entries (rirs) and a tar.gz cut at a member boundary (train-clean-100); the
    # user put a test-clean.tar.gz of their own beside the corpus, and its digest is not the one expected.
    data, outside = tmp_path / "data", tmp_path / "neighbour"
    outside.mkdir()
    (outside / "notes.txt").write_text("mine")
    data.mkdir()
    (data / "test-clean.tar.gz").write_bytes(b"my own partial copy")
    files = {
        MUSAN: tar_case("chain")[0],
        RIRS: zip_case("overlapping")[0],
        LIBRISPEECH[TRAIN]: tar_case("cut_at_boundary")[0],
        LIBRISPEECH[TEST]: tar_case("dotdot")[0],
    }
    checksums = ", ".join(f"{url.rsplit('/', 1)[1]}: {md5(body)}" for url, body in files.items())
    with serving(files) as server:
        work = workdir(
            tmp_path,
            f"corpus: {{tisv_format: librispeech, librispeech: {{root: {data}/LibriSpeech, "
            f"train_subsets: [{TRAIN}], test_subsets: [{TEST}], val_fraction: 0.3, download: true}}}}\n"
            f"download: {{openslr_url: '{server.url}/resources', root: {data}, musan: true, rirs: true, retries: 0, "
            f"checksums: {{{checksums}}}}}\n",
        )
        markers = ["musan", "rirs", f"librispeech/{TRAIN}", f"librispeech/{TEST}"]
        proc = snakemake(
            work,
            *[f"results/downloads/{m}.done" for m in markers],
            "--keep-going",
            config=["config/tiny.yaml", "config/download.yaml"],
        )
    console = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in console
    said = {
        "musan.tar.gz": "musan.tar.gz: member 'top/a' is a link",
        "rirs_noises.zip": "rirs_noises.zip: the archive is truncated or damaged (entry 'top/a.txt' overlaps",
        f"{TRAIN}.tar.gz": f"{TRAIN}.tar.gz: the archive is truncated or damaged (the tar stream stops at byte 1536",
        f"{TEST}.tar.gz": f"{TEST}.tar.gz: {data / 'test-clean.tar.gz'} was there before this run and has",
    }
    for name, start in said.items():
        lines = [line for line in console.splitlines() if f"{name}: " in line and "ERROR" in line]
        assert len(lines) == 1 and start in lines[0], (name, lines)
    assert server.requests and all(path != LIBRISPEECH[TEST] for path, _ in server.requests)
    assert not any((work / "results" / "downloads").rglob("*.done"))
    # Nothing outside the download root, nothing unpacked in place; what the rules downloaded is kept for
    # inspection (with the marker saying the pipeline may delete it), the user's archive untouched.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "neighbour", "work"]
    assert [p.name for p in outside.iterdir()] == ["notes.txt"] and (outside / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in data.iterdir()) == sorted(
        [
            "musan.tar.gz",
            "musan.tar.gz.fetched",
            "rirs_noises.zip",
            "rirs_noises.zip.fetched",
            f"{TRAIN}.tar.gz",
            f"{TRAIN}.tar.gz.fetched",
            f"{TEST}.tar.gz",
        ]
    )
    assert (data / "test-clean.tar.gz").read_bytes() == b"my own partial copy"


# Two of DOWNLOAD_ERRORS (a trial list's, an archive's); every one goes through common.smk's start-up in-process in
# tests/test_plan_checks.py.
@pytest.mark.parametrize(("config", "message"), DOWNLOAD_ERRORS[:2])
def test_download_settings_are_checked_before_any_job(tmp_path, config, message):
    work = workdir(tmp_path, config + "\n")
    proc = snakemake(work, "-n", config=["config/tiny.yaml", "config/download.yaml"])
    assert proc.returncode != 0 and re.search(message, proc.stdout + proc.stderr), proc.stderr[-2000:]


def test_with_every_download_off_the_tiny_run_plans_no_download_and_a_missing_corpus_root_still_stops_it(tmp_path):
    work = copy_workflow(tmp_path)
    proc = snakemake(work, "-n", config="config/tiny.yaml")
    assert proc.returncode == 0 and not any(rule.startswith("download_") for rule in job_counts(proc.stdout))
    (work / "config" / "download.yaml").write_text("corpus: {tisv_format: librispeech, librispeech: {root: gone}}\n")
    proc = snakemake(work, "-n", config=["config/tiny.yaml", "config/download.yaml"])
    assert (
        proc.returncode != 0
        and "config key corpus.librispeech.root: 'gone' is not a folder" in proc.stdout + proc.stderr
    )


@pytest.mark.parametrize(
    ("config", "downloads", "task"),
    [
        ("config/librispeech.yaml", {"download_librispeech": 3}, "tisv"),  # train-clean-100, -360, test-clean
        ("config/speech-commands.yaml", {"download_speech_commands": 1}, "tdsv"),
    ],
)
def test_the_shipped_download_configs_plan_from_a_clone_with_no_data(tmp_path, config, downloads, task):
    # What a user with network access runs first: nothing under data/ yet, so every archive is to be fetched,
    # then converted, and only the config's task trains (both schedules).
    work = copy_workflow(tmp_path)
    proc = snakemake(work, "-n", config=config)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = job_counts(proc.stdout + proc.stderr)
    assert {rule: n for rule, n in jobs.items() if rule.startswith("download_")} == downloads
    assert jobs[f"convert_{task}"] == 1 and jobs["train"] == 2
