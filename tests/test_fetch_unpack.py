"""ge2e.fetch.unpack: tar.gz and zip archives unpacked beside their place and moved in whole; what is there kept (an
empty folder replaced); every hostile archive (tests/hostile_archives.py) refused in one line with nothing outside
the destination, nothing half-unpacked in place and the archive kept, with and without tarfile's extraction
filters; one unpack at a time per root, and only dead processes' temporary folders cleared."""

import multiprocessing
import os
import socket
import subprocess
import sys
import tarfile
import tracemalloc
import zipfile

import pytest
from hostile_archives import TAR_CASES, TOP, ZIP_CASES, tar_bytes, tar_case, zip_bytes, zip_case, zip_link_flagged

from ge2e.errors import InputError
from ge2e.fetch import unpack

FILTERS = ("data_filter", "tar_filter", "fully_trusted_filter", "FilterError")


@pytest.fixture(params=["with tarfile's filters", "without tarfile's filters"])
def filters(request, monkeypatch):
    """Both ways: as on this Python, and with tarfile's extraction filters gone (as before Python 3.11.4)."""
    if request.param.startswith("without"):
        for name in FILTERS:
            monkeypatch.delattr(tarfile, name, raising=False)
        assert not hasattr(tarfile, "data_filter")
    return request.param


def snapshot(folder):
    """Every path under ``folder`` with its kind and content: what a test compares before and after."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        found[rel] = (
            ("link", os.readlink(path)) if path.is_symlink() else ("dir",) if path.is_dir() else path.read_bytes()
        )
    return found


def world(tmp_path):
    """A download root beside a folder of someone else's files, as on a user's disk."""
    (tmp_path / "neighbour").mkdir(parents=True)
    (tmp_path / "neighbour" / "notes.txt").write_text("mine")
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def test_a_tar_gz_folder_becomes_the_destination_and_nothing_else_is_left(tmp_path, filters):
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(tar_bytes([("LibriSpeech/SPEAKERS.TXT", b"s"), ("LibriSpeech/dev/1/2/x.flac", b"x")]))
    into = tmp_path / "data" / "LibriSpeech"
    assert unpack.unpack(archive, into, "a.tar.gz", "LibriSpeech") == ["SPEAKERS.TXT", "dev"]
    assert (into / "dev/1/2/x.flac").read_bytes() == b"x"
    tree = ["", "/SPEAKERS.TXT", "/dev", "/dev/1", "/dev/1/2", "/dev/1/2/x.flac"]
    assert sorted(snapshot(tmp_path / "data")) == [f"LibriSpeech{rest}" for rest in tree]
    assert oct((into / "SPEAKERS.TXT").stat().st_mode & 0o7777) == oct(0o644 & ~_umask())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_what_the_destination_holds_is_kept_an_empty_folder_replaced_and_the_rest_merged_in(tmp_path):
    into = tmp_path / "LibriSpeech"
    (into / "test-clean" / "1").mkdir(parents=True)
    (into / "train-clean-100").mkdir()  # empty: a failed copy, or made by hand before the download
    (into / "SPEAKERS.TXT").write_text("mine")
    archive = tmp_path / "b.tar.gz"
    archive.write_bytes(
        tar_bytes(
            [
                ("LibriSpeech/SPEAKERS.TXT", b"theirs"),
                ("LibriSpeech/train-clean-100/f", b"f"),
                ("LibriSpeech/test-clean/2/g", b"g"),
                ("LibriSpeech/dev/h", b"h"),
            ]
        )
    )
    assert unpack.unpack(archive, into, "b.tar.gz", "LibriSpeech") == ["dev", "train-clean-100"]
    assert (into / "SPEAKERS.TXT").read_text() == "mine" and (into / "train-clean-100/f").read_bytes() == b"f"
    assert not (into / "test-clean" / "2").exists()  # a non-empty folder is never touched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["LibriSpeech", "b.tar.gz"]  # no temporary folder left


def test_an_empty_destination_is_replaced_whole(tmp_path):
    into = tmp_path / "musan"
    into.mkdir()
    archive = tmp_path / "m.tar.gz"
    archive.write_bytes(tar_bytes([("musan/noise/a.wav", b"a")]))
    assert unpack.unpack(archive, into, "m.tar.gz", "musan") == ["noise"]
    assert (into / "noise/a.wav").read_bytes() == b"a"


def test_a_zip_and_an_archive_without_a_top_folder(tmp_path):
    archive = tmp_path / "r.zip"
    archive.write_bytes(zip_bytes([("RIRS_NOISES/simulated_rirs/a.wav", b"a"), ("RIRS_NOISES/real/", b"")]))
    assert unpack.unpack(archive, tmp_path / "RIRS_NOISES", "r.zip", "RIRS_NOISES") == ["real", "simulated_rirs"]
    flat = tmp_path / "sc.tar.gz"
    flat.write_bytes(tar_bytes([("./ok/a_nohash_0.wav", b"a"), ("./testing_list.txt", b"ok/a_nohash_0.wav")]))
    assert unpack.unpack(flat, tmp_path / "sc", "sc.tar.gz") == ["ok", "testing_list.txt"]
    with pytest.raises(InputError, match=r"^r\.zip: holds no folder musan/ \(its top level: RIRS_NOISES\)"):
        unpack.unpack(archive, tmp_path / "musan", "r.zip", "musan")
    (tmp_path / "bad.tar.gz").write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match=r"^bad\.tar\.gz: the archive is truncated or damaged \(Not a gzipped file"):
        unpack.unpack(tmp_path / "bad.tar.gz", tmp_path / "x", "bad.tar.gz")


def _refused(tmp_path, name, body, member):
    """Unpack hostile ``body`` as ``name`` into a download root; check the one-line refusal and that nothing
    outside, nothing in place and nothing temporary is left, the archive kept as it was."""
    data = world(tmp_path)
    archive = data / name
    archive.write_bytes(body)
    before = snapshot(tmp_path)
    with pytest.raises(InputError) as caught:
        unpack.unpack(archive, data / TOP, name, TOP)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{name}: ")
    if member is None:
        assert "the archive is truncated or damaged" in message and "kept for inspection" in message
    else:
        assert message.startswith(f"{name}: member {member!r} ") and "refusing to unpack" in message
    assert snapshot(tmp_path) == before
    assert not os.path.lexists("/tmp/ge2e-evil.txt")
    return message


@pytest.mark.parametrize("case", sorted(TAR_CASES))
def test_a_hostile_tar_gz_is_refused_in_one_line_and_nothing_lands_anywhere(tmp_path, case, filters):
    body, member = tar_case(case)
    _refused(tmp_path, "x.tar.gz", body, member)


@pytest.mark.parametrize("case", sorted(ZIP_CASES))
def test_a_hostile_zip_is_refused_in_one_line_and_nothing_lands_anywhere(tmp_path, case):
    body, member = zip_case(case)
    _refused(tmp_path, "x.zip", body, member)


def test_what_the_refusals_say(tmp_path):
    said = {}
    for case in ("chain", "hardlink_missing", "fifo", "long_name", "file_then_folder", "cut_at_boundary"):
        body, member = tar_case(case)
        said[case] = _refused(tmp_path / case, "x.tar.gz", body, member)
    assert "is a link (to 'dddd" in said["chain"] and "only files and folders are taken" in said["chain"]
    assert "is a link (to 'top/nowhere')" in said["hardlink_missing"]
    assert "is a device, pipe or sparse file" in said["fifo"]
    assert "has a component longer than the file system's limit (255 bytes)" in said["long_name"]
    assert "needs 'x' to be a folder, but the archive made it a file" in said["file_then_folder"]
    assert "the tar stream stops at byte 1536 without its end-of-archive" in said["cut_at_boundary"]
    body, _ = zip_case("overlapping")
    assert "entry 'top/a.txt' overlaps the next one" in _refused(tmp_path / "zip", "x.zip", body, None)


def test_a_link_flagged_300_mb_zip_entry_is_refused_without_reading_it(tmp_path):
    data = world(tmp_path)
    archive = zip_link_flagged(data / "big.zip", 300 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"^big\.zip: member 'top/big' is a symbolic link"):
            unpack.unpack(archive, data / TOP, "big.zip", TOP)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 << 20, f"peak {peak / 1e6:.0f} MB"
    assert sorted(p.name for p in data.iterdir()) == ["big.zip"]


def test_a_300_mb_member_is_unpacked_in_bounded_memory(tmp_path):
    archive = tmp_path / "big.zip"
    info = zipfile.ZipInfo(f"{TOP}/big.bin")
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(archive, "w") as zf, zf.open(info, "w", force_zip64=True) as out:
        for _ in range(300):
            out.write(bytes(1 << 20))
    tracemalloc.start()
    try:
        unpack.unpack(archive, tmp_path / TOP, "big.zip", TOP)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (tmp_path / TOP / "big.bin").stat().st_size == 300 << 20
    assert peak < 100 << 20, f"peak {peak / 1e6:.0f} MB"


def _unpack_in_process(args):
    archive, into = args
    return unpack.unpack(archive, into, "many.tar.gz", TOP)


def test_two_unpacks_into_one_root_at_once_both_finish_with_every_file_in_place(tmp_path):
    archive = tmp_path / "many.tar.gz"
    archive.write_bytes(tar_bytes([(f"{TOP}/{k // 100}/{k}.txt", str(k).encode()) for k in range(3000)]))
    into = tmp_path / "data" / TOP
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_unpack_in_process, [(archive, into), (archive, into)])
    assert sorted(map(len, results)) == [0, 30]  # the first puts every folder in place, the second keeps them
    assert len(list(into.rglob("*.txt"))) == 3000
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [TOP]


def test_only_temporary_folders_of_processes_that_are_gone_are_cleared(tmp_path):
    host = socket.gethostname()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        names = {
            "live": f".{TOP}.x.tar.gz.unpack-{host}-{live.pid}",
            "dead": f".{TOP}.x.tar.gz.unpack-{host}-{dead.pid}",
            "other_host": f".{TOP}.x.tar.gz.unpack-elsewhere-{dead.pid}",
            "user": ".my-notes.unpack-old",
        }
        for name in names.values():
            (tmp_path / name).mkdir()
        with unpack.locked(tmp_path):
            assert unpack.clear_stale(tmp_path) == [names["dead"]]
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(v for k, v in names.items() if k != "dead")
    finally:
        live.kill()
        live.wait()
