"""ge2e.archive_read: member names split into safe components, tar and zip members read in archive order with
their content in bounded chunks, and an archive taken as whole only when its format says it ended."""

import gzip
import io
import re
import tarfile
import tracemalloc

import pytest
from hostile_archives import TOP, tar_bytes, zip_bytes

from ge2e.errors import InputError
from ge2e.fetch import archive_read


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("top/a/b.wav", ("top", "a", "b.wav")),
        ("./ok/a.wav", ("ok", "a.wav")),
        ("top/dir/", ("top", "dir")),
        ("./", ()),
        (".", ()),
    ],
)
def test_plain_names_split_into_components(name, parts):
    assert archive_read.parts_of(name, "x.tar.gz", 255) == parts


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("top/../x", "an empty, '.' or '..' component"),
        ("top//x", "an empty, '.' or '..' component"),
        ("top/./x", "an empty, '.' or '..' component"),
        ("..", "an empty, '.' or '..' component"),
        ("/etc/passwd", "an absolute path"),
        ("top\\x", "a NUL or backslash"),
        ("top/\x00x", "a NUL or backslash"),
        ("top/" + "é" * 128, "a component longer than the file system's limit (255 bytes)"),  # 256 bytes in UTF-8
    ],
)
def test_names_that_could_lead_elsewhere_are_refused(name, why):
    with pytest.raises(InputError, match=rf"^x\.tar\.gz: member .* has {re.escape(why)}"):
        archive_read.parts_of(name, "x.tar.gz", 255)


def collect(read, path, name):
    got = []
    read(path, name, 255, lambda m, chunks: got.append((m, None if chunks is None else b"".join(chunks))))
    return got


def test_tar_members_come_in_order_with_their_content(tmp_path):
    path = tmp_path / "a.tar.gz"
    folder = tarfile.TarInfo(f"{TOP}/d")
    folder.type = tarfile.DIRTYPE
    path.write_bytes(tar_bytes([folder, (f"{TOP}/d/a.txt", b"a" * (3 << 20)), (f"{TOP}/b.txt", b"")]))
    got = collect(archive_read.tar_members, path, "a.tar.gz")
    assert [(m.parts, m.is_dir, m.size) for m, _ in got] == [
        ((TOP, "d"), True, 0),
        ((TOP, "d", "a.txt"), False, 3 << 20),
        ((TOP, "b.txt"), False, 0),
    ]
    assert got[1][1] == b"a" * (3 << 20)
    plain = tmp_path / "a.tar"
    plain.write_bytes(tar_bytes([(f"{TOP}/c.txt", b"c")], gz=False))
    assert [m.parts for m, _ in collect(archive_read.tar_members, plain, "a.tar")] == [(TOP, "c.txt")]


def test_a_tar_stream_without_its_end_blocks_is_damaged_even_in_a_whole_gzip(tmp_path):
    whole = tar_bytes([(f"{TOP}/a.txt", b"a")], gz=False)
    path = tmp_path / "a.tar.gz"
    path.write_bytes(gzip.compress(whole[:1024]))  # header and data, no end-of-archive blocks
    with pytest.raises(archive_read.DamagedArchive, match="the tar stream stops at byte 1024 without its end"):
        collect(archive_read.tar_members, path, "a.tar.gz")


def test_a_huge_extended_header_is_refused_before_it_is_read(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(f"{TOP}/a.txt")
        info.pax_headers = {"comment": "x" * (3 << 20)}
        tar.addfile(info, io.BytesIO(b""))
    path = tmp_path / "pax.tar"
    path.write_bytes(buf.getvalue())
    tracemalloc.start()
    try:
        with pytest.raises(archive_read.DamagedArchive, match="extended header"):
            collect(archive_read.tar_members, path, "pax.tar")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20


def test_zip_members_are_listed_before_any_is_read_and_their_crc_checked(tmp_path):
    path = tmp_path / "r.zip"
    path.write_bytes(zip_bytes([(f"{TOP}/d/", b""), (f"{TOP}/d/a.wav", b"wav")]))
    seen = []
    got = []
    archive_read.zip_members(
        path, "r.zip", 255, lambda m, c: got.append((m.parts, c and b"".join(c))), before=seen.extend
    )
    assert [m.size for m in seen] == [0, 3] and got == [((TOP, "d"), None), ((TOP, "d", "a.wav"), b"wav")]
