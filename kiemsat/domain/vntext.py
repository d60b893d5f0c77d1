"""Vietnamese text: normalisation, search folding, name sorting, legacy encodings.

Pure Python (no Django import).

- ``nfc`` / ``fold``: NFC for storage; a folded form (lower case, no diacritics, đ→d, single
  spaces) for search and header matching. ``fold`` is NFC/NFD-insensitive.
- ``sort_key`` / ``sort_key_str``: Vietnamese name order (given name, then middle names, then
  family name), letters in Vietnamese alphabet order, tones as a secondary level.
- ``tidy_name``: strip, collapse spaces, ALL-CAPS (or all-lower) names to Title Case.
- ``decode_tcvn3`` / ``decode_vni`` / ``detect_legacy`` / ``to_unicode``: text typed with the
  legacy TCVN3 (ABC; .VnTime/.VnTimeH fonts) or VNI Windows (VNI-Times) encodings, which a
  workbook stores as Latin-1/Windows-1252 look-alike characters ("NguyÔn V¨n §øc",
  "Nguyeãn Vaên Ñöùc"), converted to Unicode NFC.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "nfc",
    "nfd",
    "fold",
    "sort_key",
    "sort_key_str",
    "tidy_name",
    "decode_tcvn3",
    "decode_vni",
    "detect_legacy",
    "to_unicode",
    "is_vn_syllable",
]

_WS = re.compile(r"\s+")


def nfc(s: str | None) -> str:
    """Unicode NFC (the form we store). None -> ''."""
    if not s:
        return ""
    return unicodedata.normalize("NFC", str(s))


def nfd(s: str | None) -> str:
    if not s:
        return ""
    return unicodedata.normalize("NFD", str(s))


_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "\u00a0": " "})


def fold(s: str | None) -> str:
    """Search form: lower case, no diacritics, đ/Đ→d, whitespace collapsed, stripped.

    "Nguyễn Văn Đức" -> "nguyen van duc". Idempotent; fold(NFD(s)) == fold(NFC(s)).
    """
    if not s:
        return ""
    s = str(s)
    if s.isascii():  # nothing to decompose: casefold is lower()
        return " ".join(s.lower().split())
    # word by word (every step below is per character, bar the collapsing of whitespace), and
    # the same words come back again and again (names, places, document numbers)
    return " ".join(w for w in map(_fold_word, s.split()) if w)


_RUNS = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")


def _fold_word(s: str) -> str:
    if s.isascii():
        return s.lower()
    if len(s) > 12:  # "01/2024/QĐ-XLHC": ASCII runs lowered, the rest folded (and cached) apart
        return "".join(r.lower() if r.isascii() else _fold_word_cached(r) for r in _RUNS.findall(s))
    return _fold_word_cached(s)


@lru_cache(maxsize=65536)
def _fold_word_cached(s: str) -> str:
    return _fold_slow(s)


def _fold_slow(s: str) -> str:
    """fold() character by character (the definition; fold() gives the same)."""
    t = unicodedata.normalize("NFD", str(s).translate(_FOLD_EXTRA))
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = t.casefold().translate(_FOLD_EXTRA)
    # casefold may produce new combining marks for exotic letters; strip again
    t = "".join(ch for ch in unicodedata.normalize("NFD", t) if not unicodedata.combining(ch))
    return _WS.sub(" ", t).strip()


# --- Vietnamese letters, tones, sorting ------------------------------------------------------

# Letter-forming marks (part of the letter) vs tone marks (secondary in sorting).
_BREVE, _CIRC, _HORN = "\u0306", "\u0302", "\u031b"
# Tone order (documented choice, as in Unicode CLDR's Vietnamese collation):
#   none < huyền (grave) < sắc (acute) < hỏi (hook above) < ngã (tilde) < nặng (dot below)
TONES = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}

# The Vietnamese alphabet in its own order; f, j, w, z (foreign names) take their Latin place;
# digits sort before letters.
ALPHABET = (
    list("0123456789")
    + ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n"]
    + ["o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z"]
)
_LETTER_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


def _letters_and_tone(word: str) -> tuple[tuple[int, ...], int]:
    """A word -> (indices of its base letters in Vietnamese order, tone 0..5)."""
    out: list[int] = []
    tone = 0
    for ch in unicodedata.normalize("NFD", word.casefold()):
        if ch in TONES:
            tone = tone or TONES[ch]
            continue
        if unicodedata.combining(ch):
            if not out:
                continue
            base = ALPHABET[out[-1]]
            composed = unicodedata.normalize("NFC", base + ch)
            if composed in _LETTER_INDEX:
                out[-1] = _LETTER_INDEX[composed]
            continue
        if ch in _LETTER_INDEX:
            out.append(_LETTER_INDEX[ch])
        elif ch == "ð":
            out.append(_LETTER_INDEX["đ"])
        else:
            # other letters: try their base (é -> e handled above); ignore punctuation
            base = fold(ch)
            for b in base:
                if b in _LETTER_INDEX:
                    out.append(_LETTER_INDEX[b])
    return tuple(out), tone


def _name_parts(full_name: str) -> tuple[list[str], list[str], list[str]]:
    words = [w for w in _WS.split(nfc(full_name).strip()) if w]
    if not words:
        return [], [], []
    if len(words) == 1:
        return [words[0]], [], []
    return [words[-1]], words[1:-1], [words[0]]


def sort_key(full_name: str | None) -> tuple:
    """Key for sorting Vietnamese personal names.

    Order: given name (last word), then middle names, then family name (first word); each word
    compared letter by letter in Vietnamese alphabet order (a ă â b c d đ e ê g h i k l m n o ô ơ
    p q r s t u ư v x y), case-insensitive. Tones are secondary: they only decide between names
    whose letters are identical everywhere (none < huyền < sắc < hỏi < ngã < nặng). A final
    tie-break on the folded text keeps the order total and deterministic.
    """
    given, middle, family = _name_parts(full_name or "")
    parts = [given, middle, family]
    primary = tuple(tuple(_letters_and_tone(w)[0] for w in p) for p in parts)
    secondary = tuple(tuple(_letters_and_tone(w)[1] for w in p) for p in parts)
    return primary, secondary


# ASCII encoding of sort_key, using lower-case letters only, so that it orders the same under
# the C collation and under the usual locale collations (en_US.UTF-8, ICU) of PostgreSQL/SQLite.
#   each letter -> two letters "ba".. (index in ALPHABET); word separator "ab"; part separator
#   "aa" (both lower than any letter code, so shorter words/parts sort first); after the three
#   parts, the tones of every word (one letter "a".."f" each) in the same order.
def _code(i: int) -> str:
    return chr(98 + i // 26) + chr(97 + i % 26)


@lru_cache(maxsize=65536)
def sort_key_str(full_name: str | None) -> str:
    """sort_key as a plain lower-case ASCII string: sorting by it == sorting by sort_key.
    (Cached: a register has many people of the same name.)"""
    primary, secondary = sort_key(full_name)
    out: list[str] = []
    for part in primary:
        out.append("ab".join("".join(_code(i) for i in word) for word in part))
        out.append("aa")
    # secondary level: tones, same structure (words separated so positions line up)
    for part in secondary:
        out.append("".join(chr(98 + t) for t in part))
        out.append("a")
    return "".join(out)


def _title_word(w: str) -> str:
    return "-".join(p[:1].upper() + p[1:].lower() for p in w.split("-"))


def tidy_name(s: str | None) -> str:
    """A person's name as stored: NFC, stripped, single spaces; ALL-CAPS or all-lower names
    become Title Case ("  NGÔ QUANG TOÀN " -> "Ngô Quang Toàn"); in an otherwise capitalised
    name, a lower-case word gets its capital back (TCVN3 has no capital toned vowels, so
    "Hoàng Ngọc ánh" comes out of a .VnTime cell). Other mixed case is left as written.
    """
    t = _WS.sub(" ", nfc(s)).strip()
    if not t:
        return ""
    if t.upper() == t.lower():
        return t
    if t == t.upper() or t == t.lower():
        return " ".join(_title_word(w) for w in t.split(" "))
    words = t.split(" ")
    if all(w[:1].isupper() or w == w.lower() for w in words):
        words = [w[:1].upper() + w[1:] if w == w.lower() else w for w in words]
    return " ".join(words)


# --- Legacy encodings --------------------------------------------------------------------------
#
# Text typed in a legacy font is stored by Excel as the Windows-1252 (or Latin-1) character of
# each byte. Tables below are byte value -> Unicode; the decoders accept both the Latin-1 and the
# Windows-1252 character for bytes 0x80-0x9F.

# TCVN3 (TCVN 5712:1993 "VN3", the ABC keyboard's .VnTime fonts). Only lower-case toned letters
# exist; upper case is typed with the same bytes in the ".VnTimeH" fonts (handled by case
# restoration in decode_tcvn3).
TCVN3_TABLE: dict[int, str] = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip

# VNI Windows (VNI-Times): a base letter followed by a modifier byte. Modifier byte -> (letter
# mark, tone), lower-case and upper-case forms of the modifier.
_VNI_MODS: dict[int, tuple[str, str]] = {
    # plain tones                     (lower-case byte; the upper-case byte is 0x20 less)
    0xF9: ("", "\u0301"),  # ù  sắc
    0xF8: ("", "\u0300"),  # ø  huyền
    0xFB: ("", "\u0309"),  # û  hỏi
    0xF5: ("", "\u0303"),  # õ  ngã
    0xEF: ("", "\u0323"),  # ï  nặng
    # circumflex (â ê ô) with or without a tone
    0xE2: (_CIRC, ""),  # â
    0xE1: (_CIRC, "\u0301"),  # á
    0xE0: (_CIRC, "\u0300"),  # à
    0xE5: (_CIRC, "\u0309"),  # å
    0xE3: (_CIRC, "\u0303"),  # ã
    0xE4: (_CIRC, "\u0323"),  # ä
    # breve (ă) with or without a tone
    0xEA: (_BREVE, ""),  # ê
    0xE9: (_BREVE, "\u0301"),  # é
    0xE8: (_BREVE, "\u0300"),  # è
    0xFA: (_BREVE, "\u0309"),  # ú
    0xFC: (_BREVE, "\u0303"),  # ü
    0xEB: (_BREVE, "\u0323"),  # ë
}
# Standalone VNI bytes (lower-case byte; its upper-case twin is byte - 0x20).
_VNI_SINGLE: dict[int, str] = {
    0xF1: "đ",  # ñ
    0xF4: "ơ",  # ô
    0xF6: "ư",  # ö
    0xEC: "ì",  # ì
    0xED: "í",  # í
    0xE6: "ỉ",  # æ
    0xF3: "ĩ",  # ó
    0xF2: "ị",  # ò
    0xEE: "ỵ",  # î
}
# which base letters take which modifiers
_VNI_TONE_BASES = set("aeouyAEOUY") | {"ơ", "ư", "Ơ", "Ư"}
_VNI_CIRC_BASES = set("aeoAEO")
_VNI_BREVE_BASES = set("aA")


def _cp1252_twin(b: int) -> str | None:
    try:
        c = bytes([b]).decode("cp1252")
    except UnicodeDecodeError:
        return None
    return c if c != chr(b) else None


def _byte_chars(b: int) -> list[str]:
    out = [chr(b)]
    twin = _cp1252_twin(b)
    if twin:
        out.append(twin)
    return out


_TCVN3_MAP: dict[str, str] = {}
for _b, _u in TCVN3_TABLE.items():
    for _c in _byte_chars(_b):
        _TCVN3_MAP[_c] = _u

_VNI_MOD_MAP: dict[str, tuple[str, str, bool]] = {}  # char -> (mark, tone, is_upper)
for _b, (_m, _t) in _VNI_MODS.items():
    _VNI_MOD_MAP[chr(_b)] = (_m, _t, False)
    _VNI_MOD_MAP[chr(_b - 0x20)] = (_m, _t, True)
_VNI_SINGLE_MAP: dict[str, str] = {}
for _b, _u in _VNI_SINGLE.items():
    _VNI_SINGLE_MAP[chr(_b)] = _u
    _VNI_SINGLE_MAP[chr(_b - 0x20)] = _u.upper()


def _restore_caps(original: str, decoded: str) -> str:
    """.VnTimeH fonts type capitals with the lower-case bytes: a word whose ASCII letters are all
    capitals (at least two of them, or the whole text is in capitals) is upper-cased."""
    words_o = original.split(" ")
    words_d = decoded.split(" ")
    if len(words_o) != len(words_d):
        return decoded
    all_ascii = [c for c in original if c.isascii() and c.isalpha()]
    all_caps = len(all_ascii) >= 2 and all(c.isupper() for c in all_ascii)
    out = []
    for wo, wd in zip(words_o, words_d, strict=True):
        letters = [c for c in wo if c.isascii() and c.isalpha()]
        caps = bool(letters) and all(c.isupper() for c in letters) and (all_caps or len(letters) >= 2)
        out.append(wd.upper() if caps and wd != wo else wd)
    return " ".join(out)


def decode_tcvn3(s: str | None) -> str:
    """Text typed in TCVN3 (ABC) -> Unicode NFC. Characters outside the table are kept."""
    if not s:
        return ""
    decoded = "".join(_TCVN3_MAP.get(c, c) for c in s)
    return nfc(_restore_caps(s, decoded))


def decode_vni(s: str | None) -> str:
    """Text typed in VNI Windows (VNI-Times) -> Unicode NFC."""
    if not s:
        return ""
    out: list[str] = []
    for c in s:
        if c in _VNI_MOD_MAP and out:
            mark, tone, _upper = _VNI_MOD_MAP[c]
            prev = out[-1]
            ok = (
                (mark == "" and prev in _VNI_TONE_BASES)
                or (mark == _CIRC and prev in _VNI_CIRC_BASES)
                or (mark == _BREVE and prev in _VNI_BREVE_BASES)
            )
            if ok:
                out[-1] = unicodedata.normalize("NFC", unicodedata.normalize("NFD", prev) + mark + tone)
                continue
        if c in _VNI_SINGLE_MAP:
            out.append(_VNI_SINGLE_MAP[c])
            continue
        out.append(c)
    return nfc("".join(out))


# Characters that never occur in genuine Vietnamese Unicode text but do in legacy-typed text.
_VN_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_UNICODE_ONLY = re.compile("[ăđơưĂĐƠƯĩũĨŨ\u1ea0-\u1ef9\u0300-\u036f]")

# Valid Vietnamese syllables (without tone): initial consonant + vowel nucleus + final.
_INITIALS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_OPEN_NUCLEI = "a ă â e ê i o ô ơ u ư y ia iê oa oă oe oo ua uâ uê uô uơ uy ưa ươ yê uyê".split()
# nuclei that end in a glide (i y o u) take no final consonant
_CLOSED_NUCLEI = "ai ao au ay âu ây eo êu iu oi ôi ơi ui ưi ưu iêu yêu oai oao oay oeo uây uôi ươi ươu uya uyu".split()
_FINALS = "ch|ng|nh|c|m|n|p|t"


def _alt(xs: list[str]) -> str:
    return "|".join(sorted(set(xs), key=len, reverse=True))


_SYLLABLE = re.compile(
    rf"^(?:{_INITIALS})?(?:(?:{_alt(_OPEN_NUCLEI)})(?:{_FINALS})?|(?:{_alt(_CLOSED_NUCLEI)}))$"
)


def is_vn_syllable(word: str) -> bool:
    """Is `word` (any case, any tone) a well-formed Vietnamese syllable? Mixed case inside the
    word (other than a capital first letter) counts as not well formed."""
    w = nfc(word)
    if not w or not w.isalpha():
        return False
    if any(c.isupper() for c in w[1:]) and not w.isupper():
        return False
    tones = 0
    base = []
    for ch in unicodedata.normalize("NFD", w.lower()):
        if ch in TONES:
            tones += 1
            continue
        base.append(ch)
    if tones > 1:
        return False
    return bool(_SYLLABLE.match(unicodedata.normalize("NFC", "".join(base))))


_WORD = re.compile(r"[^\s,.;:()/\-\"'0-9]+")


def _score(s: str) -> int:
    """How Vietnamese a text looks: + well-formed syllables with non-ASCII letters, - words with
    non-ASCII characters that are not well-formed syllables."""
    score = 0
    for w in _WORD.findall(s):
        if w.isascii():
            continue
        score += 1 if is_vn_syllable(w) else -1
    return score


def detect_legacy(s: str | None) -> str | None:
    """'tcvn3' | 'vni' | None (plain ASCII, genuine Unicode, or not clearly legacy)."""
    if not s or s.isascii():
        return None
    if _UNICODE_ONLY.search(s):
        return None  # letters that only Unicode text has (ă, ơ, ư, đ, ạ...): genuine Unicode
    base = _score(s)
    best, best_score = None, base
    for name, decoder in (("tcvn3", decode_tcvn3), ("vni", decode_vni)):
        decoded = decoder(s)
        if decoded == s:
            continue
        sc = _score(decoded)
        if sc > best_score:
            best, best_score = name, sc
    return best


def to_unicode(s: str | None, encoding: str | None = None) -> str:
    """Any cell text -> Unicode NFC: legacy TCVN3/VNI text is decoded (``encoding`` forces one,
    e.g. when the workbook's font says .VnTime), anything else is only normalised."""
    if not s:
        return "" if s is None else s
    if s.isascii() or _UNICODE_ONLY.search(s):
        return nfc(s)
    enc = encoding or detect_legacy(s)
    if enc == "tcvn3":
        return decode_tcvn3(s)
    if enc == "vni":
        return decode_vni(s)
    return nfc(s)
