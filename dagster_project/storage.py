"""A full disk in one line: the same words whichever layer met it (the OS, SQLite, DuckDB, dbt)."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

# How each layer says it: the OS (ENOSPC), SQLite, DuckDB and dbt (which quote the OS).
DISK_FULL_WORDS = ("no space left on device", "database or disk is full", "disk is full", "not enough space on the disk")


def is_disk_full(error: BaseException | str) -> bool:
    """Whether an error, or anything in its chain, says the disk is full."""
    if isinstance(error, str):
        return any(words in error.lower() for words in DISK_FULL_WORDS)
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
        if is_disk_full(str(error)):
            return True
        error = error.__cause__ or error.__context__
    return False


def disk_full_message(folder: Path) -> str:
    """The one line a full disk gets, with what is left on it."""
    free = shutil.disk_usage(_existing(folder)).free / 1e6
    return f"the disk holding {folder} is full ({free:.0f} MB free): free space there and run again; nothing new was published"


def _existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder
