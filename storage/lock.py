"""One writer per data folder: a portable file lock (filelock) held while a store is open."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from filelock import FileLock, Timeout

from dialogs.ports import StorageError


class StoreLocked(StorageError):
    """Another process (another bot, or a console) has this data folder open."""


def acquire_lock(data_dir: Path) -> FileLock:
    """Take DATA_DIR/.bot.lock at once; StoreLocked if held, StorageError (one line) if the folder is unusable."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(data_dir, os.W_OK | os.X_OK):  # checked first: filelock takes a refusal for "held"
            raise PermissionError(errno.EACCES, "not writable")
        # Not thread-local: a store is opened on one thread and may be closed from another (PTB post_shutdown).
        lock = FileLock(str(data_dir / ".bot.lock"), thread_local=False)
        lock.acquire(timeout=0)
    except Timeout:
        raise StoreLocked(str(data_dir)) from None
    except OSError as exc:  # not creatable, a file, read-only, no permission
        raise StorageError(f"{data_dir}: {exc.strerror or exc}") from None
    return lock
