"""ge2e.fetch.obtain: what is there is left alone, an archive is fetched, verified, unpacked into place and deleted
(only one the pipeline downloaded: a user's archive is unpacked and kept), a plain file is fetched to its place, a
wrong digest leaves nothing behind and a damaged archive is kept for inspection."""

import hashlib
import io
import shutil
import tarfile

import pytest
from download_server import serving

from ge2e.errors import InputError
from ge2e.fetch import obtain
from ge2e.fetch.download import ChecksumError, Policy

POLICY = Policy(retries=0, retry_delay_s=0, timeout_s=10)
WHERE = "corpus.librispeech.root"


def musan_like():
    """A tar.gz (bytes) of musan/noise/a.wav."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("musan/noise/a.wav")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"wav"))
    return buf.getvalue()


def source(server, name, body, top=None, digest=None):
    return {
        "name": name,
        "url": f"{server.url}/{name}",
        "digest": digest or f"md5:{hashlib.md5(body).hexdigest()}",
        "size": None,
        "top": top,
        "key": "download.openslr_url",
        "published": "the test's digest",
    }


def test_an_archive_is_unpacked_into_place_and_deleted(tmp_path):
    body = musan_like()
    into = tmp_path / "musan"
    with serving({"/musan.tar.gz": body}) as server:
        note = obtain.obtain(source(server, "musan.tar.gz", body, "musan"), into, into, POLICY, WHERE)
    assert (into / "noise/a.wav").read_bytes() == b"wav"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["musan"]  # the archive is gone
    assert note == (
        f"musan.tar.gz: downloaded from {server.url}/musan.tar.gz (md5:{hashlib.md5(body).hexdigest()}) and "
        f"unpacked into {into}: noise\n"
    )


def test_what_is_there_is_not_fetched_and_a_plain_file_goes_to_its_place(tmp_path):
    (tmp_path / "musan" / "noise").mkdir(parents=True)
    with serving({"/veri_test2.txt": b"1 a b\n"}) as server:
        src = source(server, "musan.tar.gz", b"")
        note = obtain.obtain(src, tmp_path / "musan", tmp_path / "musan", POLICY, WHERE)
        assert note == f"musan.tar.gz: {tmp_path / 'musan'} was there already; nothing was downloaded or changed\n"
        listed = tmp_path / "voxceleb" / "veri_test2.txt"
        obtain.obtain(source(server, "veri_test2.txt", b"1 a b\n"), listed, listed, POLICY, WHERE)
    assert server.requests == [("/veri_test2.txt", None)] and listed.read_bytes() == b"1 a b\n"
    assert obtain.present(listed) and obtain.present(tmp_path / "musan") and not obtain.present(tmp_path / "none")


def test_a_wrong_digest_leaves_nothing_behind(tmp_path):
    body = musan_like()
    into = tmp_path / "musan"
    with serving({"/musan.tar.gz": body}) as server, pytest.raises(ChecksumError, match="checksum mismatch"):
        obtain.obtain(source(server, "musan.tar.gz", body, "musan", "md5:" + "0" * 32), into, into, POLICY, WHERE)
    assert list(tmp_path.iterdir()) == []


def test_an_archive_the_user_put_there_is_unpacked_and_kept_and_one_left_by_a_killed_run_is_deleted(tmp_path):
    body = musan_like()
    into = tmp_path / "musan"
    archive = tmp_path / "musan.tar.gz"
    archive.write_bytes(body)
    with serving({"/musan.tar.gz": body}) as server:
        note = obtain.obtain(source(server, "musan.tar.gz", body, "musan"), into, into, POLICY, WHERE)
        assert server.requests == []
        digest = hashlib.md5(body).hexdigest()
        assert note == f"musan.tar.gz: {archive} (md5:{digest}), put there by hand, unpacked into {into}: noise\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["musan", "musan.tar.gz"]
        # A run that downloaded the archive and was killed while unpacking: its marker says the archive is ours.
        shutil.rmtree(into)
        (tmp_path / "musan.tar.gz.fetched").write_text("")
        obtain.obtain(source(server, "musan.tar.gz", body, "musan"), into, into, POLICY, WHERE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["musan"]


def test_a_damaged_archive_is_kept_for_inspection_and_nothing_is_put_in_place(tmp_path):
    body = musan_like()[:-20]  # the gzip trailer and a little more cut off
    into = tmp_path / "musan"
    with serving({"/musan.tar.gz": body}) as server, pytest.raises(InputError, match="truncated or damaged"):
        obtain.obtain(source(server, "musan.tar.gz", body, "musan"), into, into, POLICY, WHERE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["musan.tar.gz", "musan.tar.gz.fetched"]
