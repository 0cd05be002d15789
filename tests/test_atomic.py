"""Atomic outputs (ge2e.atomic): a finished file appears whole or not at all, the previous one intact."""

import pytest

from ge2e.atomic import atomic_path, write_text


def test_the_file_appears_only_when_the_block_succeeds(tmp_path):
    out = tmp_path / "deep" / "table.npz"
    with atomic_path(out) as tmp:
        assert tmp.parent == out.parent and tmp.suffix == ".npz"  # savez and friends dispatch on the suffix
        assert not out.exists()
        tmp.write_text("new")
    assert out.read_text() == "new" and [p.name for p in out.parent.iterdir()] == ["table.npz"]


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_failing_block_keeps_the_previous_result_and_leaves_no_temporary(tmp_path, kind):
    out = tmp_path / "result"
    out.write_text("earlier")
    with pytest.raises(RuntimeError, match="killed"):
        with atomic_path(out) as tmp:
            if kind == "file":
                tmp.write_text("half")
            else:
                (tmp / "part").mkdir(parents=True)
            raise RuntimeError("killed")
    assert out.read_text() == "earlier" and [p.name for p in tmp_path.iterdir()] == ["result"]


def test_write_text_replaces_the_whole_file(tmp_path):
    out = tmp_path / "a" / "log.tsv"
    write_text(out, "first\nversion\n")
    write_text(out, "second\n")
    assert out.read_text() == "second\n"
