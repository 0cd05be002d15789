"""ge2e.fetch.digests: md5 or sha256 told apart by prefix or length, anything else refused naming where it came from; a
file's digest read back from disk."""

import hashlib

import pytest

from ge2e.errors import InputError
from ge2e.fetch.digests import Digest, of_file, parse


def test_digests_are_md5_or_sha256_by_prefix_or_length():
    assert parse("2A93770F6D5C6C964BC36631D331A522", "k") == Digest("md5", "2a93770f6d5c6c964bc36631d331a522")
    assert str(parse("sha256:" + "ab" * 32, "k")) == "sha256:" + "ab" * 32
    for bad in ("md5:" + "ab" * 32, "12345", "xyz", "sha1:" + "ab" * 20):
        with pytest.raises(InputError, match=r"^k: .* is no digest; write the md5 \(32 hex digits\) or sha256"):
            parse(bad, "k")


def test_a_files_digest_is_read_from_disk(tmp_path):
    data = bytes(range(256)) * 5000  # more than one block
    (tmp_path / "f").write_bytes(data)
    assert of_file(tmp_path / "f", "md5") == Digest("md5", hashlib.md5(data).hexdigest())
    assert str(of_file(tmp_path / "f", "sha256")) == f"sha256:{hashlib.sha256(data).hexdigest()}"
