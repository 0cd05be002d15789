"""ge2e.unpack: tar.gz and zip archives unpacked beside their place and moved in whole, what is there kept, and
members that would land outside (absolute paths, .., links pointing out) refused before anything lands."""

import io
import tarfile
import zipfile

import pytest

from ge2e.errors import InputError
from ge2e.fetch import unpack


def tar_gz(path, members):
    """A tar.gz at ``path`` of ``members``: (name, bytes) files, (name, "->", target) symbolic links and
    (name, "=>", target) hard links."""
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            info = tarfile.TarInfo(member[0])
            if len(member) == 3:
                info.type = tarfile.SYMTYPE if member[1] == "->" else tarfile.LNKTYPE
                info.linkname = member[2]
                tar.addfile(info)
            else:
                info.size = len(member[1])
                tar.addfile(info, io.BytesIO(member[1]))
    return path


def zip_file(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name), data)
    return path


def leftovers(folder):
    """Everything under ``folder`` (recursively), as sorted relative paths."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_tar_gz_folder_becomes_the_destination_and_nothing_else_is_left(tmp_path):
    archive = tar_gz(tmp_path / "a.tar.gz", [("LibriSpeech/SPEAKERS.TXT", b"s"), ("LibriSpeech/dev/1/2/x.flac", b"x")])
    into = tmp_path / "data" / "LibriSpeech"
    assert unpack.unpack(archive, into, "a.tar.gz", "LibriSpeech") == ["SPEAKERS.TXT", "dev"]
    assert (into / "dev/1/2/x.flac").read_bytes() == b"x"
    tree = ["", "/SPEAKERS.TXT", "/dev", "/dev/1", "/dev/1/2", "/dev/1/2/x.flac"]
    assert leftovers(tmp_path / "data") == [f"LibriSpeech{rest}" for rest in tree]


def test_what_the_destination_holds_is_kept_and_the_rest_merged_in(tmp_path):
    into = tmp_path / "LibriSpeech"
    (into / "test-clean").mkdir(parents=True)
    (into / "SPEAKERS.TXT").write_text("mine")
    archive = tar_gz(tmp_path / "b.tar.gz", [("LibriSpeech/SPEAKERS.TXT", b"theirs"), ("LibriSpeech/train/f", b"f")])
    assert unpack.unpack(archive, into, "b.tar.gz", "LibriSpeech") == ["train"]
    assert (into / "SPEAKERS.TXT").read_text() == "mine" and (into / "train/f").read_bytes() == b"f"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["LibriSpeech", "b.tar.gz"]  # no temporary folder left


def test_a_zip_and_an_archive_without_a_top_folder(tmp_path):
    archive = zip_file(tmp_path / "r.zip", [("RIRS_NOISES/simulated_rirs/a.wav", b"a")])
    assert unpack.unpack(archive, tmp_path / "RIRS_NOISES", "r.zip", "RIRS_NOISES") == ["simulated_rirs"]
    flat = tar_gz(tmp_path / "sc.tar.gz", [("./ok/a_nohash_0.wav", b"a"), ("./testing_list.txt", b"ok/a_nohash_0.wav")])
    assert unpack.unpack(flat, tmp_path / "sc", "sc.tar.gz") == ["ok", "testing_list.txt"]
    with pytest.raises(InputError, match=r"^r\.zip: holds no folder musan/ \(its top level: RIRS_NOISES\)"):
        unpack.unpack(archive, tmp_path / "musan", "r.zip", "musan")
    (tmp_path / "bad.tar.gz").write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match=r"^bad\.tar\.gz: .* is not a readable archive"):
        unpack.unpack(tmp_path / "bad.tar.gz", tmp_path / "x", "bad.tar.gz")


@pytest.mark.parametrize(
    ("member", "why"),
    [
        (("top/../../evil.txt", b"e"), "would land outside the folder it unpacks into"),
        (("/tmp/evil.txt", b"e"), "would land outside the folder it unpacks into"),
        (("top/link", "->", "../../evil.txt"), "links to '../../evil.txt', outside the folder it unpacks into"),
        (("top/link", "->", "/etc/passwd"), "links to '/etc/passwd', outside the folder it unpacks into"),
        (("top/hard", "=>", "../evil.txt"), "links to '../evil.txt', outside the folder it unpacks into"),
    ],
)
def test_a_tar_member_escaping_its_folder_is_refused_and_nothing_lands(tmp_path, member, why):
    archive = tar_gz(tmp_path / "x.tar.gz", [("top/fine.txt", b"f"), member])
    into = tmp_path / "out" / "dest"
    with pytest.raises(InputError) as caught:
        unpack.unpack(archive, into, "x.tar.gz", "top")
    assert str(caught.value) == (
        f"x.tar.gz: member {member[0]!r} {why}; refusing to unpack x.tar.gz (nothing was unpacked): is it the "
        "archive it should be?"
    )
    assert leftovers(tmp_path / "out") == [] and not (tmp_path / "evil.txt").exists()


def test_a_zip_member_escaping_its_folder_is_refused(tmp_path):
    archive = zip_file(tmp_path / "x.zip", [("top/fine.txt", b"f"), ("top/../../evil.txt", b"e")])
    with pytest.raises(InputError, match=r"^x\.zip: member 'top/\.\./\.\./evil\.txt' would land outside"):
        unpack.unpack(archive, tmp_path / "out" / "dest", "x.zip", "top")
    assert leftovers(tmp_path / "out") == [] and not (tmp_path / "evil.txt").exists()


def test_links_inside_the_folder_are_fine():
    assert unpack.problem("top/a/link", "../b") is None
    assert unpack.problem("top/hard", "top/b", hard=True) is None
    assert unpack.problem("top/a/../b") is None
    assert unpack.problem("C:\\evil") == "would land outside the folder it unpacks into"
