"""Reading the members of a tar(.gz) or zip archive as data: validated names, plain files and folders only, and
an archive taken as complete only when its format says it ended where it should.

Nothing here writes a file: each member comes out as a ``Member`` whose name is already split into
safe components and whose content is read in bounded chunks, and ``ge2e.fetch.folder_writer`` puts it on
disk. tarfile and zipfile are used to parse headers, never to place files, so no extraction filter
(present or not in the running Python) is relied on.

Refused, with one ``InputError`` naming the archive and the member: links (symbolic or hard),
devices, pipes, sparse or encrypted members; names that are absolute or hold an empty, ``.`` or
``..`` component, a backslash or a NUL, or a component over the file system's name limit; a zip whose
entries overlap or repeat. The corpora the catalogue fetches hold none of these.

Complete means: for a tar.gz, the gzip stream ends with its trailer (CRC and length checked) and the
tar stream with its two zero end-of-archive blocks; for a zip, the central directory is found and
consistent and every member's CRC matches as it is read.
"""

import dataclasses
import gzip
import stat
import struct
import tarfile
import zipfile
import zlib

from ge2e.errors import InputError

CHUNK = 1 << 20  # bytes read from a member at a time: memory never grows with a member's size
END_BLOCKS = 2 * tarfile.BLOCKSIZE  # POSIX tar ends with two zero blocks
HEADER_DATA_LIMIT = 1 << 20  # a pax or GNU long-name header's own data: names, never megabytes
_TAIL = 1 << 16  # decompressed bytes kept behind the tar parser (it reads at most one 10 kB record ahead)
_PLAIN_TAR_TYPES = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE)
_HEADER_TYPES = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)  # pax: data read whole
_HEADER_TYPES += (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK)  # and GNU long names
_NAME_LENGTH, _EXTRA_LENGTH = 10, 11  # fields of a zip's local file header (zipfile.structFileHeader)


class DamagedArchive(InputError):
    """The archive ends early or its checksums disagree: it is not whole (the message says where)."""


@dataclasses.dataclass(frozen=True)
class Member:
    """One member to unpack: ``parts`` (its path as validated components; () for the archive's own top),
    ``is_dir``, ``size`` in bytes (0 for a folder) and ``name`` (as the archive writes it, for messages)."""

    name: str
    parts: tuple
    is_dir: bool
    size: int


def refuse(archive_name, member, why):
    """The one-line InputError for a member that must not be unpacked."""
    return InputError(
        f"{archive_name}: member {member!r} {why}; refusing to unpack {archive_name} (nothing was unpacked): is it "
        "the archive it should be?"
    )


def damaged(archive_name, why):
    """The one-line error for an archive that is not whole."""
    return DamagedArchive(
        f"{archive_name}: the archive is truncated or damaged ({why}); nothing was unpacked and the archive is kept "
        "for inspection: delete it to download it again"
    )


def parts_of(name, archive_name, name_max):
    """``name`` split into components that can only name a place inside the folder unpacked into.

    A leading ``./`` (archives made with ``tar -C dir .``) and a trailing ``/`` (a folder) are the only
    liberties; ``name_max``: the longest component the file system takes, in bytes. InputError otherwise.
    """
    if "\x00" in name or "\\" in name:
        raise refuse(archive_name, name, "has a NUL or backslash in its name")
    if name.startswith("/"):
        raise refuse(archive_name, name, "has an absolute path")
    parts = name.split("/")
    if parts[0] == "." and len(parts) > 1:
        parts = parts[1:]
    if len(parts) > 1 and parts[-1] == "":
        parts = parts[:-1]
    if parts in ([""], ["."]):
        return ()  # the archive's own top folder ("./")
    for part in parts:
        if part in ("", ".", ".."):
            raise refuse(archive_name, name, "has an empty, '.' or '..' component in its path")
        if len(part.encode("utf-8", "surrogateescape")) > name_max:
            raise refuse(archive_name, name, f"has a component longer than the file system's limit ({name_max} bytes)")
    return tuple(parts)


class _BoundedTarInfo(tarfile.TarInfo):
    """A tar header whose pax or GNU long-name data is refused past HEADER_DATA_LIMIT: tarfile reads it whole
    into memory, so an archive could otherwise ask for gigabytes before its first file."""

    def _proc_member(self, tar):
        if self.type in _HEADER_TYPES and self.size > HEADER_DATA_LIMIT:
            raise tarfile.HeaderError(f"a {self.size}-byte extended header")
        return super()._proc_member(tar)


class _Tail:
    """A readable stream that remembers where it is and the last bytes it gave, so that the tar stream's end can
    be checked after tarfile has parsed it (tarfile does not say why it stopped)."""

    def __init__(self, raw):
        self.raw, self.position, self.kept = raw, 0, bytearray()

    def read(self, size=-1):
        data = self.raw.read(size)
        self.position += len(data)
        self.kept += data
        del self.kept[: max(0, len(self.kept) - _TAIL)]
        return data

    def at(self, offset, size):
        """``size`` bytes from ``offset`` on (fewer at the end), reading on where they are not given yet."""
        while self.position < offset + size and self.read(CHUNK):
            pass
        start = offset - (self.position - len(self.kept))
        if start < 0:
            raise tarfile.ReadError("the tar parser read further ahead than expected")
        return bytes(self.kept[start : start + size])


def _tar_stream(path, archive_name):
    """The decompressed tar stream of ``path`` (gzip for .tar.gz and .tgz), which raises at its end unless the
    gzip trailer checks out."""
    if archive_name.endswith((".tar.gz", ".tgz")):
        return gzip.open(path, "rb")
    return open(path, "rb")


def tar_members(path, archive_name, name_max, write):
    """Call ``write(member, chunks)`` for each member of the tar(.gz) at ``path``, in archive order.

    ``chunks``: an iterator of bytes (at most CHUNK each) of a file's content, None for a folder. The
    whole archive is read: it raises DamagedArchive when the gzip stream or the tar stream ends early.
    """
    try:
        with _tar_stream(path, archive_name) as raw:
            tail = _Tail(raw)
            tar = tarfile.open(fileobj=tail, mode="r|", tarinfo=_BoundedTarInfo)
            while (info := tar.next()) is not None:
                tar.members.clear()  # tarfile keeps every header it parsed; a corpus has hundreds of thousands
                _tar_member(tar, info, archive_name, name_max, write)
            if tail.at(tar.offset, END_BLOCKS) != bytes(END_BLOCKS):
                raise damaged(archive_name, f"the tar stream stops at byte {tar.offset} without its end-of-archive")
            while tail.read(CHUNK):  # the rest: record padding, then the gzip trailer, checked at the end
                pass
    except (EOFError, gzip.BadGzipFile, zlib.error, tarfile.ReadError, tarfile.HeaderError) as exc:
        raise damaged(archive_name, str(exc) or type(exc).__name__) from None


def _tar_member(tar, info, archive_name, name_max, write):
    parts = parts_of(info.name, archive_name, name_max)
    if info.issym() or info.islnk():
        raise refuse(archive_name, info.name, f"is a link (to {info.linkname!r}); only files and folders are taken")
    if info.isdir():
        write(Member(info.name, parts, True, 0), None)
    elif info.type in _PLAIN_TAR_TYPES:
        if not parts:
            raise refuse(archive_name, info.name, "is a file where the archive's top folder should be")
        write(Member(info.name, parts, False, info.size), _chunks(tar.extractfile(info)))
    else:
        raise refuse(archive_name, info.name, "is a device, pipe or sparse file; only files and folders are taken")


def _chunks(stream):
    while block := stream.read(CHUNK):
        yield block


def _zip_kind(info):
    """``dir``, ``file`` or why the zip entry is neither (its Unix mode, where the zip records one)."""
    mode = info.external_attr >> 16
    if info.flag_bits & 0x1:
        return "is encrypted"
    if stat.S_ISLNK(mode):
        return "is a symbolic link; only files and folders are taken"
    if mode and stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "is a device or pipe; only files and folders are taken"
    return "dir" if info.is_dir() else "file"


def _check_zip_layout(zf, path, archive_name):
    """Every entry's local header and data lie before the central directory and apart from each other's (a zip
    whose entries overlap is a decompression bomb or damaged); no name twice."""
    infos = sorted(zf.infolist(), key=lambda i: i.header_offset)
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise refuse(archive_name, twice, "appears twice in the zip's directory")
    with open(path, "rb") as fh:
        for info, after in zip(infos, [*(i.header_offset for i in infos[1:]), zf.start_dir], strict=True):
            fh.seek(info.header_offset)
            header = fh.read(zipfile.sizeFileHeader)
            if len(header) != zipfile.sizeFileHeader or header[:4] != zipfile.stringFileHeader:
                raise damaged(archive_name, f"no local header where the directory puts {info.filename!r}")
            fields = struct.unpack(zipfile.structFileHeader, header)
            end = info.header_offset + zipfile.sizeFileHeader
            end += fields[_NAME_LENGTH] + fields[_EXTRA_LENGTH] + info.compress_size
            if end > after:
                raise damaged(archive_name, f"entry {info.filename!r} overlaps the next one")


def zip_members(path, archive_name, name_max, write, before=None):
    """As tar_members for the zip at ``path``; ``before(members)`` (if given) sees the whole list first (the
    directory is at the zip's end, so sizes are known before anything is written). DamagedArchive for a zip
    without a readable, consistent central directory or a member whose CRC or size is wrong."""
    try:
        with zipfile.ZipFile(path) as zf:
            _check_zip_layout(zf, path, archive_name)
            members = []
            for info in zf.infolist():
                kind = _zip_kind(info)
                if kind not in ("dir", "file"):
                    raise refuse(archive_name, info.filename, kind)
                parts = parts_of(info.filename, archive_name, name_max)
                if kind == "file" and not parts:
                    raise refuse(archive_name, info.filename, "is a file where the archive's top folder should be")
                members.append((Member(info.filename, parts, kind == "dir", info.file_size), info))
            if before:
                before([m for m, _ in members])
            for member, info in members:
                if member.is_dir:
                    write(member, None)
                else:
                    with zf.open(info) as stream:
                        write(member, _chunks(stream))
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as exc:
        raise damaged(archive_name, str(exc) or type(exc).__name__) from None
