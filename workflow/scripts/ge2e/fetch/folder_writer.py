"""Writing an archive's members under one folder so that no name can reach outside it, whatever the names say.

Every folder is made by this writer and every file opened relative to a folder it opened, with
``O_NOFOLLOW`` at each step and ``O_CREAT | O_EXCL`` for files: a path is never resolved as text,
so no link (none is ever made here, and none may appear meanwhile) and no length of path can lead
anywhere else. A file's content is streamed in the chunks it comes in and may not exceed the size
its header gave; the disk is checked before each file against that size.
"""

import errno
import os

FILE_MODE, FOLDER_MODE = 0o644, 0o755  # the archive's own modes are ignored (no set-uid bits, no odd rights)
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class FolderWriter:
    """Folders and files under ``root`` (a folder this process made), by validated name components.

    ``refuse(member_name, why)`` makes the InputError for a member that cannot be written;
    ``check_space(needed)`` raises when the disk has less than ``needed`` bytes free. Use as a context manager.
    """

    def __init__(self, root, refuse, check_space):
        self.root = os.open(root, _FOLDER)
        self.refuse, self.check_space = refuse, check_space
        self.cached = ((), os.dup(self.root))  # the last folder written into: members come folder by folder
        self.written = 0  # bytes of file content written so far

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.cached[1])
        os.close(self.root)

    def folder(self, parts, name):
        """The descriptor of folder ``parts`` (made where missing); owned by the writer, valid until the next call."""
        parts = tuple(parts)
        if self.cached[0] == parts:
            return self.cached[1]
        fd = os.dup(self.root)
        try:
            for part in parts:
                try:
                    os.mkdir(part, FOLDER_MODE, dir_fd=fd)
                except FileExistsError:
                    pass
                try:
                    child = os.open(part, _FOLDER, dir_fd=fd)
                except OSError as exc:
                    if exc.errno in (errno.ENOTDIR, errno.ELOOP):
                        why = f"needs {part!r} to be a folder, but the archive made it a file"
                        raise self.refuse(name, why) from None
                    raise
                os.close(fd)
                fd = child
        except BaseException:
            os.close(fd)
            raise
        os.close(self.cached[1])
        self.cached = (parts, fd)
        return fd

    def file(self, parts, chunks, size, name):
        """Write file ``parts`` from ``chunks`` (an iterable of bytes), which must not exceed ``size`` bytes."""
        self.check_space(size)
        folder = self.folder(parts[:-1], name)
        try:
            fd = os.open(parts[-1], _NEW_FILE, FILE_MODE, dir_fd=folder)
        except FileExistsError:
            raise self.refuse(name, "is in the archive twice, or is both a file and a folder there") from None
        with os.fdopen(fd, "wb") as out:
            written = 0
            for chunk in chunks:
                written += len(chunk)
                if written > size:
                    raise self.refuse(name, f"holds more than the {size} bytes its header gives")
                out.write(chunk)
        self.written += written


def name_max(folder):
    """The longest file name (bytes) the file system of ``folder`` takes."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255
