"""Reading and preparing a big book in a second process.

The importing process (``services.import_workbook``) spends about half its time reading the
book and checking each row (``rows.prepare_row``: pure Python, no database) and the other half
writing; Python runs one thread at a time, so two threads of one process do not use two cores
for this. For a big book, a second process (a fork of the importing one: nothing to load, and
the code is the same) reads the book and prepares its rows, sending them over a pipe in chunks
in the book's order, while the importing process matches, numbers and writes the chunks already
received in its one transaction. The second process never uses the database.

Used where the operating system forks (Linux) and the file is bigger than
``KIEMSAT_IMPORT_PROCESS_BYTES`` (default 1 MB, about 7,000 rows); elsewhere the same
functions run in the importing process, one row after the other. An error in the second process
(a file that is not a workbook…) is raised again in the importing process; if the import fails
or is stopped, the second process is ended.
"""

from __future__ import annotations

import datetime as dt
import marshal
import multiprocessing
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from kiemsat.domain.workbook import BookReader, WorkbookError

from .rows import PreRow, prepare_row, tracked_events

CHUNK = 500  # rows per message


def use_process(path: Path) -> bool:
    """Whether this book is read and prepared in a second process."""
    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
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
            self._reader = BookReader(path, mapping)
            self.reading, self.total = self._reader.reading, self._reader.total
            self.tracked = tracked_events(self.reading)
            return
        import python_calamine  # noqa: F401 - loaded before the fork, not in the child

        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        with warnings.catch_warnings():  # Python 3.12+ warns about forking a process with threads:
            warnings.simplefilter("ignore", DeprecationWarning)  # the child runs only this module's code
            self.proc = ctx.Process(target=_child, args=(send, path, mapping, today, new_cases),
                                    name="kiemsat-import-reader", daemon=True)
            self.proc.start()
        send.close()
        self.conn = recv
        try:
            self.reading, self.total, self.tracked = self._receive("head")
        except BaseException:
            self.close()
            raise

    def _receive(self, *expected: str):
        try:
            kind, payload = self.conn.recv()
        except EOFError:
            code = self.proc.exitcode if self.proc is not None else None
            raise WorkbookError(f"Không đọc được sổ: tiến trình đọc sổ dừng bất thường (mã {code})") from None
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


def _child(conn, path: Path, mapping: dict | None, today: dt.date, new_cases: bool) -> None:
    """The second process: read, prepare and send the rows as they are read; an error is sent as it
    is (or as a WorkbookError with its text, if it cannot be pickled)."""
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
        try:
            conn.send(("error", exc))
        except Exception:  # noqa: BLE001 - not picklable
            try:
                conn.send(("error", WorkbookError(f"Không đọc được sổ: {exc}")))
            except Exception:  # noqa: BLE001
                pass
    finally:
        conn.close()
