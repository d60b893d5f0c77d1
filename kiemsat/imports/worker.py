"""Reading and preparing a big book in a second process.

The importing process (``services.import_workbook``) spends about half its time reading the
book and checking each row (``rows.prepare_row``: pure Python, no database) and the other half
writing; Python runs one thread at a time, so two threads of one process do not use two cores
for this. For a big book, a second process (a fork of the importing one: nothing to load, and
the code is the same) reads the book and prepares its rows, sending them over a pipe in chunks
in the book's order, while the importing process matches, numbers and writes the chunks already
received in its one transaction. The second process never uses the database.

Used where the operating system forks (Linux), where forking is safe (fork_is_safe: PostgreSQL, or
a process with no other thread — the command line) and the file is bigger than
``KIEMSAT_IMPORT_PROCESS_BYTES`` (default 1 MB, about 7,000 rows); elsewhere the same functions run
in the importing process, one row after the other. An error in the second process
(a file that is not a workbook…) is raised again in the importing process; if the import fails
or is stopped, the second process is ended.
"""

from __future__ import annotations

import datetime as dt
import gc
import marshal
import multiprocessing
import multiprocessing.connection as mpc
import pickle
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from kiemsat.domain.workbook import BookReader, WorkbookError

from .rows import PreRow, prepare_row, tracked_events

CHUNK = 500  # rows per message
SILENCE = 600  # seconds without a message from the reading process before the import gives up


def fork_is_safe() -> bool:
    """Whether this process may fork a reader. A fork keeps only the forking thread: what other
    threads held is freed in the child — with SQLite, their connections are closed there, on
    handles shared with this process (a write in progress would be rolled back on the shared WAL
    index). So with SQLite only a process with no other thread forks (the command line); the
    server's threads import in one process. psycopg does not close a connection in a child."""
    from django.db import connection

    return connection.vendor == "postgresql" or threading.active_count() == 1


def use_process(path: Path) -> bool:
    """Whether this book is read and prepared in a second process."""
    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
        return False
    if not fork_is_safe():
        return False
    limit = int(getattr(settings, "KIEMSAT_IMPORT_PROCESS_BYTES", 1 << 20))
    try:
        return path.stat().st_size >= limit
    except OSError:
        return False


class Book:
    """A book being read and prepared: `reading` (sheets, columns, holidays…: all but the rows),
    `total` (rows to come, the reader's skipped ones included), `tracked` (the event types it
    keeps) and rows(), the prepared rows in the book's order; after them, `late_warnings` (found
    while reading the rows: legacy-encoded text). In this process, or in a second one
    (process=True; call close() when done, also after an error)."""

    def __init__(self, path: Path, mapping: dict | None, *, today: dt.date, new_cases: bool, process: bool):
        self.proc = self.conn = None
        self._today, self._new = today, new_cases
        self.late_warnings: list[str] = []
        if not process:
            self._read_here(path, mapping)
            return
        import python_calamine  # noqa: F401 - loaded before the fork, not in the child

        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        gc.freeze()  # what exists now is never collected in the child (no finalizer runs there)
        try:
            with warnings.catch_warnings():  # Python 3.12+ warns about forking a process with threads
                warnings.simplefilter("ignore", DeprecationWarning)  # (use_process forks only when it is safe)
                self.proc = ctx.Process(target=_child, args=(send, recv, path, mapping, today, new_cases),
                                        name="kiemsat-import-reader", daemon=True)
                self.proc.start()
        except OSError:  # no fork (memory): read here instead
            self.proc = None
            recv.close()
            send.close()
            self._read_here(path, mapping)
            return
        finally:
            gc.unfreeze()
        send.close()
        self.conn = recv
        try:
            self.reading, self.total, self.tracked = self._receive("head")
        except BaseException:
            self.close()
            raise

    def _read_here(self, path: Path, mapping: dict | None) -> None:
        self._reader = BookReader(path, mapping)
        self.reading, self.total = self._reader.reading, self._reader.total
        self.tracked = tracked_events(self.reading)

    def _receive(self, *expected: str):
        ready = mpc.wait([self.conn, self.proc.sentinel], timeout=SILENCE)
        if self.conn not in ready:  # ended without a word, or silent for minutes
            if self.proc.sentinel in ready:
                raise WorkbookError("Không đọc được sổ: tiến trình đọc sổ dừng bất thường "
                                    f"(mã {self.proc.exitcode})")
            raise WorkbookError(f"Không đọc được sổ: tiến trình đọc sổ không trả lời sau {SILENCE // 60} phút")
        try:
            kind, payload = self.conn.recv()
        except EOFError:
            self.proc.join(timeout=1)
            raise WorkbookError("Không đọc được sổ: tiến trình đọc sổ dừng bất thường "
                                f"(mã {self.proc.exitcode})") from None
        if kind == "error":
            raise payload
        if kind not in expected:
            raise WorkbookError(f"Không đọc được sổ: thông điệp không mong đợi «{kind}»")
        return payload if len(expected) == 1 else (kind, payload)

    def rows(self) -> Iterator[PreRow]:
        if self.proc is None:
            before = len(self.reading.warnings)
            for item in self._reader.items():
                yield prepare_row(item, tracked=self.tracked, today=self._today, new_case=self._new)
            self.late_warnings = self.reading.warnings[before:]
            return
        while True:
            kind, payload = self._receive("rows", "end")
            if kind == "end":
                self.late_warnings = payload
                self.reading.warnings.extend(payload)
                return
            yield from map(PreRow.from_transfer, marshal.loads(payload))

    def close(self) -> None:
        if self.proc is None:
            return
        self.conn.close()
        if self.proc.is_alive():
            self.proc.join(timeout=1)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join()
        self.proc.close()
        self.proc = None


def _child(conn, other_end, path: Path, mapping: dict | None, today: dt.date, new_cases: bool) -> None:
    """The second process: read, prepare and send the rows as they are read; an error is sent as it
    is if it pickles both ways, else as a WorkbookError with its text. other_end: the importing
    process's end of the pipe, closed here at once (so that a send fails when that process is gone)."""
    other_end.close()
    try:
        reader = BookReader(path, mapping)
        reading = reader.reading
        tracked = tracked_events(reading)
        before = len(reading.warnings)
        conn.send(("head", (reading, reader.total, tracked)))
        chunk: list[tuple] = []
        for item in reader.items():
            chunk.append(prepare_row(item, tracked=tracked, today=today, new_case=new_cases).for_transfer())
            if len(chunk) >= CHUNK:
                # plain values through marshal: a tenth of what pickling objects costs on both sides
                conn.send(("rows", marshal.dumps(chunk)))
                chunk = []
        if chunk:
            conn.send(("rows", marshal.dumps(chunk)))
        conn.send(("end", reading.warnings[before:]))
    except BrokenPipeError:  # the importing process stopped reading (it failed): nothing to tell
        pass
    except BaseException as exc:  # noqa: BLE001 - handed to the importing process
        err: BaseException = exc
        try:
            if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: not the import's to raise
                raise TypeError
            pickle.loads(pickle.dumps(exc))
        except Exception:  # noqa: BLE001 - sent as text
            err = WorkbookError(f"Không đọc được sổ: {type(exc).__name__}: {exc}")
        try:
            conn.send(("error", err))
        except Exception:  # noqa: BLE001 - the importing process is gone
            pass
    finally:
        conn.close()
