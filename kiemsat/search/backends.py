"""Two backends behind one interface: which cases and documents match a query, within the units a
user may read. SQLite: FTS5 MATCH on the tables of index.py; PostgreSQL: LIKE on the folded columns
(pg_trgm GIN). Each returns ids only, at most `limit`, exact-accent matches first."""

from __future__ import annotations

import re

from django.db import connections

from .text import Query

_ALNUM = re.compile(r"[0-9a-z]+")
_YEAR = re.compile(r"(19|20)\d\d")


def _unit_filter(unit_ids, alias: str) -> tuple[str, list]:
    if unit_ids is None:
        return "", []
    if not unit_ids:
        return " AND 0 = 1", []
    return f" AND {alias}.unit_id IN ({', '.join(['%s'] * len(unit_ids))})", list(unit_ids)


class Backend:
    def __init__(self, alias: str = "default"):
        self.alias = alias

    def _rows(self, sql: str, params: list) -> list[tuple]:
        with connections[self.alias].cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def cases(self, q: Query, unit_ids, limit: int) -> list[tuple[int, bool]]:
        """[(case id, exact accents)] — exact ones first."""
        raise NotImplementedError

    def documents(self, q: Query, unit_ids, limit: int) -> list[int]:
        raise NotImplementedError


class SQLiteBackend(Backend):
    def cases(self, q, unit_ids, limit):
        uf, up = _unit_filter(unit_ids, "c")
        out: list[tuple[int, bool]] = []
        seen = set()
        if q.accented and q.fts_exact():
            for (cid,) in self._rows(
                    "SELECT c.id FROM search_case_exact f JOIN cases_case c ON c.id = f.rowid "
                    f"WHERE search_case_exact MATCH %s{uf} LIMIT %s", [q.fts_exact(), *up, limit]):
                seen.add(cid)
                out.append((cid, True))
        for (cid,) in self._rows(
                "SELECT c.id FROM search_case_fold f JOIN cases_case c ON c.id = f.rowid "
                f"WHERE search_case_fold MATCH %s{uf} LIMIT %s", [q.fts_folded(), *up, limit + len(seen)]):
            if cid not in seen:
                seen.add(cid)
                out.append((cid, False))
        return out[:limit] if len(out) > limit else out

    def documents(self, q, unit_ids, limit):
        uf, up = _unit_filter(unit_ids, "c")
        return [r[0] for r in self._rows(
            "SELECT d.id FROM search_doc_fold f JOIN documents_document d ON d.id = f.rowid "
            "JOIN cases_case c ON c.id = d.case_id "
            f"WHERE search_doc_fold MATCH %s{uf} LIMIT %s", [q.fts_folded(), *up, limit])]


def _like(s: str) -> str:
    return "%" + s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class PostgresBackend(Backend):
    """LIKE '%token%' on the folded columns: each word's tokens as one phrase (the folded text keeps
    single spaces; punctuation such as / and - stays, so a number is matched as typed).

    pg_trgm splits a pattern into trigrams of its letter and digit runs, and the GIN index reads the
    rows of every one of them: for "15672/2023/tlhs-xlhc" that includes "202", "tlh", "xlh", present
    in nearly every case, so the index alone read ~3,000 pages at 1,000,000 cases. When a word holds a
    run with digits that is not a year (the number part of a số thụ lý or a decision number), the
    index is asked for that run only and the whole pattern is tested on the few rows it finds — the
    same rows in the end, far fewer index pages."""

    @staticmethod
    def _word_patterns(q: Query) -> list[str]:
        from kiemsat.domain.vntext import fold

        return [_like(fold(w)) for w in q.words if fold(w)]

    @classmethod
    def _where(cls, q: Query, col: str) -> str:
        """`col LIKE %s` per word. A word without three letters or digits in a row ("xã", "Lê")
        gives pg_trgm no trigram, and the GIN index then returns every row to be checked again
        (1.7 s at 1,000,000 cases): such a word is tested on the rows found otherwise (the other
        words' index entries, the unit's rows), written so the index cannot take it."""
        from kiemsat.domain.vntext import fold

        parts = []
        for w in q.words:
            f = fold(w)
            if not f:
                continue
            indexable = any(len(r) >= 3 for r in _ALNUM.findall(f))
            parts.append(f"{col} LIKE %s" if indexable else f"({col} || '') LIKE %s")
        return " AND ".join(parts) or "1 = 1"

    @staticmethod
    def _anchor(q: Query) -> str | None:
        """The LIKE pattern of the query's most selective digit run, or None."""
        from kiemsat.domain.vntext import fold

        runs = [r for w in q.words for r in _ALNUM.findall(fold(w))
                if len(r) >= 3 and any(ch.isdigit() for ch in r) and not _YEAR.fullmatch(r)]
        if not runs:
            return None
        best = max(runs, key=lambda r: (len(r), sum(ch.isdigit() for ch in r)))
        return _like(best)

    @staticmethod
    def _source(table: str, alias: str, anchor: str | None, join: str = "") -> tuple[str, list]:
        """FROM clause: the table itself, or the rows the anchor finds (fenced with OFFSET 0 so the
        planner does not fold the whole pattern back into the index condition)."""
        if anchor is None:
            return f"{table} {alias}{join}", []
        return (f"(SELECT * FROM {table} WHERE search_folded LIKE %s OFFSET 0) {alias}{join}", [anchor])

    def cases(self, q, unit_ids, limit):
        uf, up = _unit_filter(unit_ids, "c")
        pats = self._word_patterns(q)
        where = self._where(q, "c.search_folded")
        src, sp = self._source("cases_case", "c", self._anchor(q))
        out: list[tuple[int, bool]] = []
        seen = set()
        if q.accented:
            variants = q.like_variants()
            ex = " AND ".join("(" + " OR ".join(["lower(c.person_name) LIKE %s"] * len(v)) + ")" for v in variants)
            if ex:
                params = [*sp, *pats, *[_like(x) for v in variants for x in v], *up, limit]
                for (cid,) in self._rows(f"SELECT c.id FROM {src} WHERE {where} AND {ex}{uf} LIMIT %s", params):
                    seen.add(cid)
                    out.append((cid, True))
        for (cid,) in self._rows(f"SELECT c.id FROM {src} WHERE {where}{uf} LIMIT %s",
                                 [*sp, *pats, *up, limit + len(seen)]):
            if cid not in seen:
                seen.add(cid)
                out.append((cid, False))
        return out[:limit]

    def documents(self, q, unit_ids, limit):
        uf, up = _unit_filter(unit_ids, "c")
        pats = self._word_patterns(q)
        where = self._where(q, "d.search_folded")
        src, sp = self._source("documents_document", "d", self._anchor(q), " JOIN cases_case c ON c.id = d.case_id")
        return [r[0] for r in self._rows(f"SELECT d.id FROM {src} WHERE {where}{uf} LIMIT %s", [*sp, *pats, *up, limit])]


def backend_for(alias: str = "default") -> Backend:
    vendor = connections[alias].vendor
    if vendor == "sqlite":
        return SQLiteBackend(alias)
    if vendor == "postgresql":
        return PostgresBackend(alias)
    raise RuntimeError(f"Chưa hỗ trợ tìm kiếm trên cơ sở dữ liệu {vendor}.")
