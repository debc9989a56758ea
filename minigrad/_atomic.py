"""Atomic file replacement: write a temporary file in the target's folder, fsync it,
then rename it over the target, so an interrupted write never destroys the old file.

The temporary file is named ``.<target>.<host>-<pid>-<random>.minigrad-tmp``. A writer
killed before the rename leaves it behind; the next write to that folder removes such
files when their writer is surely gone: its process (on this host) no longer exists, or
nobody has touched the file for an hour. A live writer's file (another thread, another
process) is never removed while it is being written.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import socket
import time

_SUFFIX = ".minigrad-tmp"
_PATTERN = re.compile(r"\.(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]{1,12})-[0-9a-f]{16}"
                      + re.escape(_SUFFIX) + r"\Z")
_STALE_AFTER = 3600.0  # seconds without a write: no writer is still busy with the file
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def write_bytes(path: str, data: bytes) -> None:
    """Make ``data`` the content of ``path``, atomically.

    The bytes go to a temporary file next to ``path`` (created with the usual
    ``0666 & ~umask`` permissions), which is fsynced and renamed over ``path``. If
    anything fails, the temporary file is removed and ``path`` is left as it was.
    """
    folder = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(folder)
    name = os.path.basename(path)[:100]
    tmp = os.path.join(folder, f".{name}.{_HOST}-{os.getpid()}-{os.urandom(8).hex()}{_SUFFIX}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "no such folder to save into", folder) from None
    try:
        with open(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def remove_stale_temporaries(folder: str) -> None:
    """Remove the temporary files of writers that are gone (never fails)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        match = _PATTERN.search(entry.name)
        if match is None or not entry.name.startswith("."):
            continue
        with contextlib.suppress(OSError):  # gone already, or not ours to remove
            if entry.is_file(follow_symlinks=False) and _is_stale(entry, match, now):
                os.unlink(entry.path)


def _is_stale(entry: os.DirEntry[str], match: re.Match[str], now: float) -> bool:
    if now - entry.stat(follow_symlinks=False).st_mtime > _STALE_AFTER:
        return True
    return match["host"] == _HOST and not _process_exists(int(match["pid"]))


def _process_exists(pid: int) -> bool:
    """Whether process ``pid`` runs on this host (when unsure: yes)."""
    if os.name == "nt" or pid <= 0:  # on Windows os.kill(pid, 0) would terminate it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: it exists, owned by someone else
        return True
    return True


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); best effort."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
