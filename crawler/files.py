"""Files written so a reader or a crash never sees half of one.

Shared by the post writer and site upkeep: temp file in the same directory, fsync, rename,
then fsync of the directory so the rename itself survives a power cut.
"""

from __future__ import annotations

import os
import socket
import tempfile
import zlib
from pathlib import Path

#: The process umask, read once (reading it means setting it; at import no other thread writes).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write(path: Path, data: bytes) -> None:
    # The writer's pid and host are in the temp name so a later run can tell a killed writer's
    # leftover from a file another live process is writing right now (remove_stale_temp_files).
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}@{HOST}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file 0600 and the rename keeps that: the web server or a Jekyll run
        # under another user could not read the post. Give it the mode a plain open() would.
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make the rename itself durable before the state row that claims the post is committed.

    Without it a power cut could keep the committed row and lose the rename. Best effort: some
    file systems refuse fsync on a directory, and a SIGKILL (the common crash) needs none.
    """
    try:
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


#: This machine in temp names (a SITE_DIR may be shared by several machines, whose pids mean
#: nothing here): a short hash of the host name, so the name stays free of dots.
HOST = f"{zlib.crc32(socket.gethostname().encode('utf-8', 'replace')):08x}"
