"""Archives built as an attacker (or a broken mirror) would, for the unpacking tests: names that climb out, links of
every kind (a chain longer than the path limit among them), devices and pipes, over-long and clashing names,
truncated and damaged tar.gz and zip files, and zip entries that overlap.

Each builder returns the archive's bytes; ``TAR_CASES`` and ``ZIP_CASES`` name every hostile case with the member
its refusal names (None where the archive as a whole is damaged)."""

import gzip
import io
import struct
import tarfile
import warnings
import zipfile

TOP = "top"


def tar_bytes(members, gz=True):
    """A tar (gzip-compressed unless ``gz`` is False) of ``members``: (name, bytes) files and TarInfo objects
    added as they are (links, devices, folders)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w", format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                tar.addfile(info, io.BytesIO(member[1]))
    return buf.getvalue()


def special(name, kind, target=""):
    """A TarInfo of ``kind`` (a tarfile type: SYMTYPE, LNKTYPE, CHRTYPE, BLKTYPE, FIFOTYPE, DIRTYPE)."""
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        info.devmajor, info.devminor = 1, 3
    return info


def link_chain_past_path_max():
    """The shape of CVE-2025-4517: folders with 247-character names, one-letter links to them nested sixteen deep,
    so that resolving the links as text passes PATH_MAX and stops, while the kernel follows them; then a link
    climbing out through that chain, and a file written through it."""
    long_name, steps, members, path = "d" * 247, "abcdefghijklmnop", [], TOP
    members.append(special(TOP, tarfile.DIRTYPE))
    for step in steps:
        members.append(special(f"{path}/{long_name}", tarfile.DIRTYPE))
        members.append(special(f"{path}/{step}", tarfile.SYMTYPE, long_name))
        path = f"{path}/{long_name}"
    deep = "/".join([TOP, *steps, "l" * 254])
    members.append(special(deep, tarfile.SYMTYPE, "/".join([".."] * (len(steps) + 1))))
    members.append(special(f"{TOP}/escape", tarfile.SYMTYPE, deep[len(TOP) + 1 :] + "/../.."))
    members.append((f"{TOP}/escape/outside.txt", b"escaped"))
    return tar_bytes(members)


def tar_cut(where):
    """A valid gzip of a tar stream cut ``where``: at a member boundary or inside a member's header."""
    whole = tar_bytes([(f"{TOP}/a.txt", b"a" * 600), (f"{TOP}/b.txt", b"b" * 10)], gz=False)
    # Member a: header (512) + data padded to 1024, so b's header starts at byte 1536.
    cut = {"boundary": 1536, "header": 1536 + 200}[where]
    return gzip.compress(whole[:cut], mtime=0)


def gz_cut(fraction=0.5):
    """A tar.gz file cut at ``fraction`` of its compressed bytes (its gzip stream ends early)."""
    whole = tar_bytes([(f"{TOP}/{k}.txt", bytes([k]) * 5000) for k in range(20)])
    return whole[: int(len(whole) * fraction)]


def gz_bad_crc():
    """A whole tar.gz whose gzip trailer's CRC is wrong."""
    whole = bytearray(tar_bytes([(f"{TOP}/a.txt", b"a" * 100)]))
    whole[-8] ^= 0xFF
    return bytes(whole)


TAR_CASES = {
    # case: (members or a builder, the member named in the refusal, None for a damaged archive)
    "dotdot": ([(f"{TOP}/fine.txt", b"f"), (f"{TOP}/../../evil.txt", b"e")], f"{TOP}/../../evil.txt"),
    "absolute": ([(f"{TOP}/fine.txt", b"f"), ("/tmp/ge2e-evil.txt", b"e")], "/tmp/ge2e-evil.txt"),
    "backslash": ([(f"{TOP}/fine.txt", b"f"), (f"{TOP}\\..\\..\\evil.txt", b"e")], f"{TOP}\\..\\..\\evil.txt"),
    "symlink_out": ([special(f"{TOP}/link", tarfile.SYMTYPE, "../.."), (f"{TOP}/link/evil.txt", b"e")], f"{TOP}/link"),
    "symlink_in": ([(f"{TOP}/a.txt", b"a"), special(f"{TOP}/link", tarfile.SYMTYPE, "a.txt")], f"{TOP}/link"),
    "symlink_abs": ([special(f"{TOP}/passwd", tarfile.SYMTYPE, "/etc/passwd")], f"{TOP}/passwd"),
    "top_is_link": ([special(TOP, tarfile.SYMTYPE, ".."), ("other/a.txt", b"a")], TOP),
    "chain": (link_chain_past_path_max, f"{TOP}/a"),
    "hardlink_in": ([(f"{TOP}/a.txt", b"a"), special(f"{TOP}/h", tarfile.LNKTYPE, f"{TOP}/a.txt")], f"{TOP}/h"),
    "hardlink_missing": ([special(f"{TOP}/h", tarfile.LNKTYPE, f"{TOP}/nowhere")], f"{TOP}/h"),
    "hardlink_out": ([special(f"{TOP}/h", tarfile.LNKTYPE, "../../etc/passwd")], f"{TOP}/h"),
    "chardev": ([special(f"{TOP}/null", tarfile.CHRTYPE)], f"{TOP}/null"),
    "blockdev": ([special(f"{TOP}/disk", tarfile.BLKTYPE)], f"{TOP}/disk"),
    "fifo": ([special(f"{TOP}/pipe", tarfile.FIFOTYPE)], f"{TOP}/pipe"),
    "long_name": ([(f"{TOP}/{'n' * 300}.txt", b"n")], f"{TOP}/{'n' * 300}.txt"),
    "file_then_folder": ([(f"{TOP}/x", b"file"), (f"{TOP}/x/y", b"y")], f"{TOP}/x/y"),
    "folder_then_file": ([(f"{TOP}/x/y", b"y"), (f"{TOP}/x", b"file")], f"{TOP}/x"),
    "twice": ([(f"{TOP}/a.txt", b"1"), (f"{TOP}/a.txt", b"2")], f"{TOP}/a.txt"),
    "cut_at_boundary": (lambda: tar_cut("boundary"), None),
    "cut_in_header": (lambda: tar_cut("header"), None),
    "gz_cut_in_half": (gz_cut, None),
    "gz_bad_crc": (gz_bad_crc, None),
}


def tar_case(case):
    """The bytes of hostile tar.gz ``case`` and the member its refusal names (None: damaged as a whole)."""
    build, member = TAR_CASES[case]
    return (build() if callable(build) else tar_bytes(build)), member


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    """A zip of ``members``: (name, bytes) files, or (name, bytes, unix_mode) entries with that mode recorded."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a name twice is a case of its own
        for name, data, *mode in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            if mode:
                info.create_system, info.external_attr = 3, mode[0] << 16
            zf.writestr(info, data)
    return buf.getvalue()


def zip_link_flagged(path, size):
    """A zip at ``path`` whose one entry, ``size`` bytes of zeros, is flagged as a symbolic link (written in
    chunks, so making it takes little memory)."""
    info = zipfile.ZipInfo(f"{TOP}/big")
    info.create_system, info.external_attr, info.compress_type = 3, 0o120777 << 16, zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as zf, zf.open(info, "w", force_zip64=True) as out:
        block = bytes(1 << 20)
        for _ in range(size >> 20):
            out.write(block)
    return path


def zip_overlapping():
    """A zip whose second entry lies inside the first one's data: two directory entries, one stretch of bytes."""
    inner = zip_bytes([(f"{TOP}/b.txt", b"hidden")], zipfile.ZIP_STORED)
    inner_cd = inner.index(b"PK\x01\x02")
    local = inner[:inner_cd]  # b.txt's local header and data
    outer = zip_bytes([(f"{TOP}/a.txt", local)], zipfile.ZIP_STORED)
    cd = outer.index(b"PK\x01\x02")
    data_at = 30 + len(f"{TOP}/a.txt")  # a.txt's local header holds no extra field
    record = bytearray(inner[inner_cd : inner.index(b"PK\x05\x06")])
    struct.pack_into("<L", record, 42, data_at)  # its local header offset: inside a.txt's data
    eocd = bytearray(outer[outer.index(b"PK\x05\x06") :])
    directory = outer[cd : outer.index(b"PK\x05\x06")] + bytes(record)
    struct.pack_into("<HHLL", eocd, 8, 2, 2, len(directory), cd)
    return outer[:cd] + directory + bytes(eocd)


def zip_bad_crc():
    """A stored zip entry whose data was changed after its CRC was written."""
    whole = bytearray(zip_bytes([(f"{TOP}/a.txt", b"a" * 100)], zipfile.ZIP_STORED))
    whole[30 + len(f"{TOP}/a.txt") + 10] ^= 0xFF
    return bytes(whole)


def _half(body):
    return body[: len(body) // 2]


ZIP_CASES = {
    "dotdot": (
        lambda: zip_bytes([(f"{TOP}/fine.txt", b"f"), (f"{TOP}/../../evil.txt", b"e")]),
        f"{TOP}/../../evil.txt",
    ),
    "absolute": (lambda: zip_bytes([("/tmp/ge2e-evil.txt", b"e")]), "/tmp/ge2e-evil.txt"),
    "backslash": (lambda: zip_bytes([(f"{TOP}\\..\\evil.txt", b"e")]), f"{TOP}\\..\\evil.txt"),
    "symlink": (lambda: zip_bytes([(f"{TOP}/link", b"../../etc", 0o120777)]), f"{TOP}/link"),
    "fifo": (lambda: zip_bytes([(f"{TOP}/pipe", b"", 0o010644)]), f"{TOP}/pipe"),
    "long_name": (lambda: zip_bytes([(f"{TOP}/{'n' * 300}", b"n")]), f"{TOP}/{'n' * 300}"),
    "twice": (lambda: zip_bytes([(f"{TOP}/a.txt", b"1"), (f"{TOP}/a.txt", b"2")]), f"{TOP}/a.txt"),
    "file_then_folder": (lambda: zip_bytes([(f"{TOP}/x", b"f"), (f"{TOP}/x/y", b"y")]), f"{TOP}/x/y"),
    "cut_in_half": (lambda: _half(zip_bytes([(f"{TOP}/{k}.txt", bytes([k]) * 5000) for k in range(10)])), None),
    "overlapping": (zip_overlapping, None),
    "bad_crc": (zip_bad_crc, None),
}


def zip_case(case):
    build, member = ZIP_CASES[case]
    return build(), member
