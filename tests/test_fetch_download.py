"""ge2e.fetch.download against a local server (tests/download_server.py): a whole transfer, one broken half-way and
resumed with a range request, servers that ignore or refuse ranges, a wrong digest, too little disk space, a
missing file, a network that stays down."""

import collections
import hashlib
import logging
import re
import socket

import pytest
from download_server import IGNORE, REFUSE, serving

from ge2e.errors import InputError
from ge2e.fetch import download

NAME = "train-clean-100.tar.gz"
PATH = f"/resources/12/{NAME}"
BODY = bytes(range(256)) * 4096  # 1 MiB: the broken transfer stops at 512 KiB
POLICY = download.Policy(retries=2, retry_delay_s=0, timeout_s=10)


def md5(data):
    return f"md5:{hashlib.md5(data).hexdigest()}"


def fetch(server, tmp_path, digest=None, **kwargs):
    """ge2e.fetch.download.fetch of the served NAME into tmp_path, expecting BODY's md5 unless told otherwise."""
    url, expected = f"{server.url}{PATH}", digest or md5(BODY)
    return download.fetch(url, tmp_path / NAME, NAME, expected, policy=POLICY, key="download.openslr_url", **kwargs)


def test_a_whole_transfer_is_verified_and_renamed_into_place(tmp_path, caplog):
    with caplog.at_level(logging.INFO, "ge2e"), serving({PATH: BODY}) as server:
        assert fetch(server, tmp_path) == md5(BODY)
    assert (tmp_path / NAME).read_bytes() == BODY and not (tmp_path / f"{NAME}.part").exists()
    assert server.ranges(PATH) == [None]
    assert f"{NAME}: {md5(BODY)} verified" in caplog.text


def test_a_transfer_broken_half_way_resumes_with_a_range_request(tmp_path, caplog):
    with caplog.at_level(logging.INFO, "ge2e"), serving({PATH: BODY}) as server:
        server.break_once.add(PATH)
        fetch(server, tmp_path)
    assert (tmp_path / NAME).read_bytes() == BODY
    assert server.ranges(PATH) == [None, f"bytes={len(BODY) // 2}-"]
    assert "the connection closed after 524.3 kB of 1.0 MB; trying again in 0 s (1 of 2)" in caplog.text
    assert "resuming at 524.3 kB" in caplog.text


@pytest.mark.parametrize(
    ("mode", "said", "asked"),
    [
        (IGNORE, "the server ignored the range request (answered 200, not 206)", [None, f"bytes={len(BODY) // 2}-"]),
        (REFUSE, "the server refused the range request", [None, f"bytes={len(BODY) // 2}-", None]),
    ],
)
def test_a_server_that_ignores_or_refuses_ranges_gets_the_whole_file_again(tmp_path, caplog, mode, said, asked):
    with caplog.at_level(logging.INFO, "ge2e"), serving({PATH: BODY}, mode) as server:
        server.break_once.add(PATH)
        fetch(server, tmp_path)
    assert (tmp_path / NAME).read_bytes() == BODY
    assert server.ranges(PATH) == asked
    assert f"{said}" in caplog.text and "starting over from the first byte" in caplog.text


def test_a_wrong_digest_is_one_line_naming_both_digests_and_the_download_is_removed(tmp_path):
    published = "md5:2a93770f6d5c6c964bc36631d331a522"
    with serving({PATH: BODY}) as server, pytest.raises(download.ChecksumError) as caught:
        fetch(server, tmp_path, digest=published, published="openslr's md5sum.txt")
    message = str(caught.value)
    assert "\n" not in message and message.startswith(
        f"{NAME}: checksum mismatch, expected {published} (openslr's md5sum.txt) but the download from "
    )
    assert f"has {md5(BODY)} (removed, nothing unpacked): the file is damaged or is not the published one" in message
    assert "config key download.openslr_url names a mirror of the original" in message and "`md5sum`" in message
    assert "download.checksums" not in message  # never: paste whatever digest the mirror's file has
    assert server.ranges(PATH) == [None]  # not retried
    assert list(tmp_path.iterdir()) == []


def test_too_little_disk_space_stops_before_a_byte_is_written(tmp_path, monkeypatch):
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(download.shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 1000, 1000))
    with serving({PATH: BODY}) as server, pytest.raises(InputError) as caught:
        fetch(server, tmp_path, where="corpus.librispeech.root")
    assert str(caught.value) == (
        f"{NAME}: needs 1.0 MB of disk space under {tmp_path}, which has 1.0 kB free; free some space or point "
        "corpus.librispeech.root at a disk with room, then run again (a partial download is kept and resumed)"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_file_the_server_does_not_have_is_not_retried(tmp_path):
    with serving({}) as server, pytest.raises(InputError, match=rf"^{NAME}: {server.url}{PATH} answered 404 Not Found"):
        fetch(server, tmp_path)
    assert server.ranges(PATH) == [None]


def test_a_network_that_stays_down_gives_up_after_the_retries(tmp_path):
    with socket.socket() as sock:  # a port on 127.0.0.1 that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}{PATH}"
    with pytest.raises(InputError, match=rf"^{NAME}: could not download {url} in 3 tries \(could not connect"):
        download.fetch(url, tmp_path / NAME, NAME, md5(BODY), policy=POLICY, key="download.openslr_url")


def test_a_whole_partial_file_or_a_verified_file_is_not_downloaded_again(tmp_path):
    (tmp_path / f"{NAME}.part").write_bytes(BODY)  # a run died between the last byte and the rename
    with serving({PATH: BODY}) as server:
        fetch(server, tmp_path)
        assert server.ranges(PATH) == [f"bytes={len(BODY)}-"]  # answered 416 */size: whole already
        fetch(server, tmp_path)  # the file is there and verified: no request at all
        assert server.ranges(PATH) == [f"bytes={len(BODY)}-"]
    assert (tmp_path / NAME).read_bytes() == BODY


def test_a_file_without_a_published_digest_downloads_with_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.INFO, "ge2e"), serving({PATH: BODY}) as server:
        found = download.fetch(f"{server.url}{PATH}", tmp_path / NAME, NAME, None, policy=POLICY)
    assert found == f"sha256:{hashlib.sha256(BODY).hexdigest()}"
    assert f"{NAME}: no digest of it is published, so this download cannot be verified" in caplog.text


def test_a_file_the_user_put_there_with_a_wrong_digest_is_refused_untouched_and_ours_is_replaced(tmp_path):
    theirs = tmp_path / NAME
    theirs.write_bytes(b"a partial copy of my own")
    stat = theirs.stat()
    with serving({PATH: BODY}) as server:
        with pytest.raises(download.ChecksumError) as caught:
            fetch(server, tmp_path)
        assert server.requests == []
        assert str(caught.value) == (
            f"{NAME}: {theirs} was there before this run and has {md5(b'a partial copy of my own')}, not {md5(BODY)} "
            "(the digest given); it is left as it is: delete it to have the pipeline download the file, or put the "
            "published file there"
        )
        assert theirs.read_bytes() == b"a partial copy of my own" and theirs.stat().st_mtime_ns == stat.st_mtime_ns
        fetch(server, tmp_path, ours=True)  # one the pipeline downloaded itself is simply fetched again
    assert theirs.read_bytes() == BODY


@pytest.mark.parametrize(
    "url",
    ["127.0.0.1/x.tar.gz", "ftp2://host/x.tar.gz", "http:///x.tar.gz", "http://host:port/x", "http://host/a b"],
)
def test_a_url_that_cannot_be_downloaded_from_is_one_line_and_never_retried(tmp_path, url):
    policy = download.Policy(retries=5, retry_delay_s=30, timeout_s=10)  # a retry would take minutes
    with pytest.raises(InputError) as caught:
        download.fetch(url, tmp_path / NAME, NAME, md5(BODY), policy=policy, key="download.openslr_url")
    assert str(caught.value) == (
        f"{NAME}: {url!r} is not a URL it can download from (http:// or https://, a host, an optional numeric port, "
        "no spaces); check config key download.openslr_url"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_trickling_transfer_counts_as_stalled(tmp_path):
    policy = download.Policy(retries=0, retry_delay_s=0, timeout_s=1)
    with serving({PATH: BODY}) as server, pytest.raises(InputError) as caught:
        server.trickle.add(PATH)
        download.fetch(f"{server.url}{PATH}", tmp_path / NAME, NAME, md5(BODY), policy=policy)
    assert re.search(
        r"could not download .* in 1 tries \(the transfer stalled: \d+ bytes in 1 s, under the 1000 ", str(caught.value)
    )


def test_a_content_length_that_is_not_ascii_digits_is_ignored(tmp_path):
    with serving({PATH: BODY}) as server:
        server.length_header[PATH] = "\u00b2"  # '²': str.isdigit() says yes, int() says no
        fetch(server, tmp_path)
    assert (tmp_path / NAME).read_bytes() == BODY
