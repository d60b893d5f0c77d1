"""Two backends behind one interface: which cases and documents match a query, within the units a
user may read. SQLite: FTS5 MATCH on the tables of index.py; PostgreSQL: LIKE on the folded columns
(pg_trgm GIN). Each returns ids only, at most `limit`, exact-accent matches first."""

from __future__ import annotations

from django.db import connections

from .text import Query


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
    single spaces; punctuation such as / and - stays, so a number is matched as typed)."""

    @staticmethod
    def _word_patterns(q: Query) -> list[str]:
        from kiemsat.domain.vntext import fold

        return [_like(fold(w)) for w in q.words if fold(w)]

    def cases(self, q, unit_ids, limit):
        uf, up = _unit_filter(unit_ids, "c")
        pats = self._word_patterns(q)
        where = " AND ".join(["c.search_folded LIKE %s"] * len(pats)) or "1 = 1"
        out: list[tuple[int, bool]] = []
        seen = set()
        if q.accented:
            variants = q.like_variants()
            ex = " AND ".join("(" + " OR ".join(["lower(c.person_name) LIKE %s"] * len(v)) + ")" for v in variants)
            if ex:
                params = [*pats, *[_like(x) for v in variants for x in v], *up, limit]
                for (cid,) in self._rows(f"SELECT c.id FROM cases_case c WHERE {where} AND {ex}{uf} LIMIT %s", params):
                    seen.add(cid)
                    out.append((cid, True))
        for (cid,) in self._rows(f"SELECT c.id FROM cases_case c WHERE {where}{uf} LIMIT %s",
                                 [*pats, *up, limit + len(seen)]):
            if cid not in seen:
                seen.add(cid)
                out.append((cid, False))
        return out[:limit]

    def documents(self, q, unit_ids, limit):
        uf, up = _unit_filter(unit_ids, "c")
        pats = self._word_patterns(q)
        where = " AND ".join(["d.search_folded LIKE %s"] * len(pats)) or "1 = 1"
        return [r[0] for r in self._rows(
            f"SELECT d.id FROM documents_document d JOIN cases_case c ON c.id = d.case_id WHERE {where}{uf} LIMIT %s",
            [*pats, *up, limit])]


def backend_for(alias: str = "default") -> Backend:
    vendor = connections[alias].vendor
    if vendor == "sqlite":
        return SQLiteBackend(alias)
    if vendor == "postgresql":
        return PostgresBackend(alias)
    raise RuntimeError(f"Chưa hỗ trợ tìm kiếm trên cơ sở dữ liệu {vendor}.")
