"""Query text for the search box (pure Python): folded tokens, the accent-exact forms of a word with
both tone placements (hoà/hòa, thuỷ/thủy), and highlighting on the original text.

fold() is kiemsat.domain.vntext.fold (lower case, no diacritics, đ → d; NFC/NFD-insensitive)."""

from __future__ import annotations

import functools
import html
import re
import unicodedata

from kiemsat.domain.vntext import fold, nfc

TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
VOWELS = set("aăâeêioôơuưy")
_TOKEN = re.compile(r"[0-9a-z]+")
_FTS_TOKEN = re.compile(r"[0-9a-z/\-]+")  # the folded FTS tables keep / and - inside tokens (numbers)
_WORD = re.compile(r"\S+")


def tokens(folded: str) -> list[str]:
    """The tokens FTS5's unicode61 tokenizer makes of a folded text (letters and digits)."""
    return _TOKEN.findall(folded)


def split_tone(word: str) -> tuple[str, str]:
    """(the word without its tone mark, NFC lower case; the tone mark or '')."""
    tone = ""
    out = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in TONES:
            tone = tone or ch
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)), tone


@functools.lru_cache(maxsize=65536)
def accent_key(word: str) -> str:
    """Letters with their marks, then the tone: equal for hoà and hòa, thuỷ and thủy; different for
    hòa and hóa, or đào and dao."""
    base, tone = split_tone(word)
    return base + "|" + tone


def tone_variants(word: str) -> list[str]:
    """The word (NFC, lower case) with its tone mark on each vowel: old and new tone placement."""
    base, tone = split_tone(nfc(word))
    if not tone:
        return [base]
    out = []
    for i, ch in enumerate(base):
        if ch in VOWELS:
            out.append(base[:i] + unicodedata.normalize("NFC", ch + tone) + base[i + 1:])
    w = nfc(word).lower()
    if w not in out:
        out.insert(0, w)
    return out


def has_marks(s: str) -> bool:
    """Did the user type any diacritic (or đ)?"""
    return fold(s) != nfc(s).lower().strip() and any(not ch.isascii() for ch in nfc(s))


class Query:
    """A search box query: its words, folded tokens and accent-exact keys."""

    def __init__(self, q: str):
        self.raw = nfc(q or "").strip()[:200]
        self.words = _WORD.findall(self.raw)
        self.folded_words = [tokens(fold(w)) for w in self.words]
        self.folded_words = [t for t in self.folded_words if t]
        self.accented = has_marks(self.raw)
        # per word: the accent keys of its letter runs (the words the user typed with marks)
        self.exact_words = [w for w in (re.sub(r"[^\w]", "", x, flags=re.UNICODE) for x in self.words) if w]

    def __bool__(self) -> bool:
        return bool(self.folded_words)

    @property
    def all_tokens(self) -> list[str]:
        return [t for ws in self.folded_words for t in ws]

    def fts_folded(self) -> str:
        """FTS5 MATCH text on the folded index: each word a phrase of its tokens; the last word, and
        any number ("12/2024", "45/QĐ"), a prefix."""
        parts = []
        words = [_FTS_TOKEN.findall(fold(w)) for w in self.words]
        words = [[t.strip("/-") for t in ws if t.strip("/-")] for ws in words]
        words = [ws for ws in words if ws]
        for i, toks in enumerate(words):
            last = i == len(words) - 1
            phrase = '"' + " ".join(toks) + '"'
            numberish = any(ch.isdigit() or ch in "/-" for ch in toks[-1])
            if (last and len(toks[-1]) >= 2) or numberish:
                phrase += "*"
            parts.append(phrase)
        return " AND ".join(parts)

    def fts_exact(self) -> str:
        """FTS5 MATCH text on the accent-preserving name index (both tone placements of each word)."""
        parts = []
        for i, w in enumerate(self.exact_words):
            last = i == len(self.exact_words) - 1
            star = "*" if last and len(w) >= 2 else ""
            alts = [f'"{v}"{star}' for v in tone_variants(w) if '"' not in v]
            if not alts:
                continue
            parts.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
        return " AND ".join(parts)

    def like_variants(self) -> list[list[str]]:
        """Per word, its lower-case tone variants (the PostgreSQL exact phase)."""
        return [tone_variants(w) for w in self.exact_words]

    def exact_in(self, text: str) -> bool:
        """Does `text` hold every word of the query with the same accents (tone placement aside)?"""
        if not self.accented or not text:
            return False
        keys = {accent_key(t) for t in re.findall(r"\w+", nfc(text).lower())}
        wanted = [accent_key(w) for w in self.exact_words]
        if not wanted:
            return False
        *full, last = wanted
        if not all(k in keys for k in full):
            return False
        if last in keys:
            return True
        lb, lt = last.split("|")
        return any(k.startswith(lb) and (k.split("|")[1] == lt or not lt) for k in keys)

    def exact_near(self, text: str, width: int = 400, folded: str | None = None) -> bool:
        """exact_in on the part of a long text around the first folded match (documents).
        `folded`: folded_same_length(text) if the caller has it (text must then be NFC)."""
        if not self.accented or not text:
            return False
        if len(text) <= 2 * width:
            return self.exact_in(text)
        t = text if folded is not None else nfc(text)
        folded = folded if folded is not None else t.translate(_table_for(t))
        toks = self.all_tokens
        pos = folded.find(toks[0]) if toks else -1
        if pos < 0:
            return False
        return self.exact_in(t[max(0, pos - width):pos + width])

    def matches_folded(self, folded_text: str) -> bool:
        toks = set(tokens(folded_text))
        all_t = self.all_tokens
        if not all_t:
            return False
        *full, last = all_t
        return all(t in toks for t in full) and any(x.startswith(last) for x in toks)


_CHAR_FOLD: dict[int, str] = {}


def _table_for(text: str) -> dict[int, str]:
    """A str.translate table folding each character of `text` to exactly one character (so that
    positions in the folded text are positions in the text): fold() of the character when that is
    one character, the character itself otherwise (rare: ß, ligatures, stray combining marks)."""
    for ch in set(text):
        o = ord(ch)
        if o not in _CHAR_FOLD:
            if ch.isspace():
                _CHAR_FOLD[o] = " "
            else:
                f = fold(ch)
                _CHAR_FOLD[o] = f if len(f) == 1 else ch.lower()[:1] or ch
    return _CHAR_FOLD


def fold_map(text: str) -> tuple[str, list[int]]:
    """The text folded character by character (same length as `text`; whitespace not collapsed),
    with the index in `text` of each folded character."""
    folded = text.translate(_table_for(text))
    return folded, list(range(len(text)))


def folded_same_length(text: str) -> str:
    """`text` (NFC) folded character by character: position i of the result is position i of text."""
    return text.translate(_table_for(text))


def snippet(text: str, q: Query, width: int = 160, folded: str | None = None) -> str:
    """HTML: a window of `text` around the first match of the query, matches in <mark>, the rest
    escaped. `folded`: folded_same_length(text) if the caller has it (text must then be NFC)."""
    if not text:
        return ""
    if folded is None:
        text = nfc(text)
        folded = folded_same_length(text)
    idx = range(len(text))
    spans = []
    toks = sorted(set(q.all_tokens), key=len, reverse=True)
    if toks:
        pat = re.compile(r"(?<![0-9a-z])(?:" + "|".join(re.escape(t) for t in toks) + r")")
        for m in pat.finditer(folded):
            a, b = idx[m.start()], idx[m.end() - 1] + 1
            # extend to the end of the original word's combining marks
            while b < len(text) and unicodedata.combining(text[b]):
                b += 1
            spans.append((a, b))
    if not spans:
        body = text[:width]
        return html.escape(" ".join(body.split())) + ("…" if len(text) > width else "")
    first = spans[0][0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    if start > 0:
        sp = text.rfind(" ", 0, start)
        start = sp + 1 if sp >= 0 and start - sp < 20 else start
    out = ["…" if start > 0 else ""]
    pos = start
    for a, b in spans:
        if a < start or a >= end:
            continue
        if a < pos:
            continue
        out.append(html.escape(text[pos:a]))
        out.append("<mark>" + html.escape(text[a:b]) + "</mark>")
        pos = b
    out.append(html.escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return re.sub(r"\s+", " ", "".join(out)).strip()
