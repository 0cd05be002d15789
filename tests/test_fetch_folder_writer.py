"""ge2e.folder_writer: files and folders made only under the writer's root, by name components, never through a
link (not even one planted in the tree meanwhile), never over an existing entry, never past the size given."""

import pytest

from ge2e.errors import InputError
from ge2e.fetch.folder_writer import FolderWriter, name_max


def refuse(name, why):
    return InputError(f"{name}: {why}")


def writer(root, space=None):
    return FolderWriter(root, refuse, space or (lambda needed: None))


def test_files_land_in_the_folders_their_parts_name(tmp_path):
    with writer(tmp_path) as w:
        w.folder(("a", "b"), "a/b/")
        w.file(("a", "b", "x.txt"), [b"he", b"llo"], 5, "a/b/x.txt")
        w.file(("c", "y.txt"), iter([]), 0, "c/y.txt")
        assert w.written == 5
    assert (tmp_path / "a/b/x.txt").read_bytes() == b"hello" and (tmp_path / "c/y.txt").read_bytes() == b""


def test_a_link_planted_in_the_tree_is_never_followed(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "f").write_text("theirs")
    (root / "dir").symlink_to(outside)
    (root / "file").symlink_to(outside / "f")
    with writer(root) as w:
        with pytest.raises(InputError, match=r"^dir/x: needs 'dir' to be a folder"):
            w.file(("dir", "x"), [b"x"], 1, "dir/x")
        with pytest.raises(InputError, match=r"^file: is in the archive twice, or is both a file and a folder"):
            w.file(("file",), [b"x"], 1, "file")
    assert sorted(p.name for p in outside.iterdir()) == ["f"] and (outside / "f").read_text() == "theirs"


def test_more_bytes_than_the_header_gives_and_a_full_disk_are_refused(tmp_path):
    def full(needed):
        if needed > 10:
            raise InputError("no room")

    with writer(tmp_path, full) as w:
        with pytest.raises(InputError, match="holds more than the 3 bytes its header gives"):
            w.file(("a",), [b"ab", b"cd"], 3, "a")
        with pytest.raises(InputError, match="no room"):
            w.file(("b",), [b"x"], 11, "b")
    assert not (tmp_path / "b").exists()


def test_the_name_limit_is_the_file_systems():
    assert name_max("/") > 0
    assert name_max("/no/such/folder") == 255
