"""Vietnamese text: fold, sort key, tidy, TCVN3/VNI decoding (golden + round-trip tests)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiemsat.domain import vntext
from kiemsat.domain.vntext import (
    TCVN3_TABLE,
    decode_tcvn3,
    decode_vni,
    detect_legacy,
    fold,
    is_vn_syllable,
    nfc,
    sort_key,
    sort_key_str,
    tidy_name,
    to_unicode,
)

# --- helpers: encoders used only to build test input -------------------------------------------

_TCVN3_INV = {u: chr(b) for b, u in TCVN3_TABLE.items()}


def encode_tcvn3(s: str) -> str:
    out = []
    for ch in nfc(s):
        if ch in _TCVN3_INV:
            out.append(_TCVN3_INV[ch])
        elif ch.lower() in _TCVN3_INV:  # upper-case toned letter: .VnTimeH uses the same byte
            out.append(_TCVN3_INV[ch.lower()])
        else:
            out.append(ch)
    return "".join(out)


_TONE_VNI = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_CIRC_VNI = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_BREVE_VNI = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_I_VNI = {"\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def _up(c: str, upper: bool) -> str:
    return chr(ord(c) - 0x20) if upper else c


def encode_vni(s: str) -> str:
    out = []
    for ch in nfc(s):
        if ch in "đĐ":
            out.append(_up("ñ", ch == "Đ"))
            continue
        d = unicodedata.normalize("NFD", ch)
        base, marks = d[0], d[1:]
        if not marks or not base.isalpha():
            out.append(ch)
            continue
        upper = base.isupper()
        tone = next((m for m in marks if m in _TONE_VNI), "")
        if "\u031b" in marks:  # ơ ư
            out.append(_up({"o": "ô", "u": "ö"}[base.lower()], upper))
            if tone:
                out.append(_up(_TONE_VNI[tone], upper))
        elif "\u0302" in marks:
            out.append(base + _up(_CIRC_VNI[tone], upper))
        elif "\u0306" in marks:
            out.append(base + _up(_BREVE_VNI[tone], upper))
        elif base.lower() == "i":
            out.append(_up(_I_VNI[tone], upper))
        elif base.lower() == "y" and tone == "\u0323":
            out.append(_up("î", upper))
        else:
            out.append(base + _up(_TONE_VNI[tone], upper))
    return "".join(out)


NAMES = [
    "Nguyễn Văn Đức",
    "Trần Thị Thu Hằng",
    "Lê Đức Anh",
    "Phạm Thu Hà",
    "Hoàng Ngọc Ánh",
    "Đặng Quốc Việt",
    "Vũ Thị Hồng Nhung",
    "Bùi Xuân Trường",
    "Đỗ Mạnh Cường",
    "Huỳnh Thị Ngọc Hưởng",
    "Lương Thế Vinh",
    "Dương Quỳnh Như",
    "Ngô Quang Toàn",
    "Võ Thị Sáu",
    "Tạ Thị Mỹ Dung",
    "Hồ Xuân Hương",
    "Đinh Bộ Lĩnh",
    "Lý Ỷ Lan",
    "Trịnh Đình Thảo",
    "Phùng Thị Ỵ",
    "Khổng Minh Tuấn",
    "Cao Bá Quát",
    "Mạc Đĩnh Chi",
    "Nguyễn Thị Kiều Oanh",
]
PHRASES = [
    "Xã Thủy Đường, huyện An Lạc",
    "Phòng LĐTBXH huyện Kiến Thụy",
    "Đưa vào cơ sở cai nghiện bắt buộc",
    "Đề nghị không áp dụng do chưa đủ căn cứ",
]

ALL_LETTERS = (
    "aàáảãạ ăằắẳẵặ âầấẩẫậ eèéẻẽẹ êềếểễệ iìíỉĩị oòóỏõọ ôồốổỗộ ơờớởỡợ uùúủũụ ưừứửữự yỳýỷỹỵ đ"
)


# --- nfc / fold ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("  ĐẶNG   QUỐC\tVIỆT ", "dang quoc viet"),
        ("Phòng LĐ-TB&XH", "phong ld-tb&xh"),
        ("", ""),
        (None, ""),
        ("Hồ sơ\u00a0số hóa", "ho so so hoa"),
        (ALL_LETTERS, "aaaaaa aaaaaa aaaaaa eeeeee eeeeee iiiiii oooooo oooooo oooooo uuuuuu uuuuuu yyyyyy d"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_nfd_equals_nfc():
    s = "Nguyễn Thị Thủy Đường"
    assert fold(unicodedata.normalize("NFD", s)) == fold(s) == "nguyen thi thuy duong"


def test_nfc_composes():
    assert nfc(unicodedata.normalize("NFD", "Nguyễn")) == "Nguyễn"
    assert len(nfc(unicodedata.normalize("NFD", "ệ"))) == 1


@given(st.text())
def test_fold_idempotent(s):
    assert fold(fold(s)) == fold(s)


@given(st.text())
def test_fold_normalisation_insensitive(s):
    assert fold(unicodedata.normalize("NFD", s)) == fold(unicodedata.normalize("NFC", s))


# --- sort key -------------------------------------------------------------------------------------


def test_sort_by_given_name_then_middle_then_family():
    names = ["Trần Văn An", "Nguyễn Thị Bình", "Lê Văn An", "Nguyễn Văn Ân", "Phạm Anh"]
    assert sorted(names, key=sort_key) == [
        "Lê Văn An",
        "Trần Văn An",
        "Phạm Anh",
        "Nguyễn Văn Ân",
        "Nguyễn Thị Bình",
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("X An", "X Ăn"),  # a < ă < â
        ("X Ăn", "X Ân"),
        ("X Dung", "X Đức"),  # d < đ
        ("X Duy", "X Đào"),  # đ after every d-word
        ("X Em", "X Êm"),
        ("X Ong", "X Ông"),
        ("X Ông", "X Ơn"),
        ("X Uyên", "X Ưng"),
        ("X Zung", "X Zzz"),
        ("X Ha", "X Hà"),  # tones are secondary: none < huyền < sắc < hỏi < ngã < nặng
        ("X Hà", "X Há"),
        ("X Há", "X Hả"),
        ("X Hả", "X Hã"),
        ("X Hã", "X Hạ"),
        ("X Hạ", "X Hai"),  # ...but only between identical letters
        ("X Lan", "X Lanh"),  # prefix first
        ("Nguyễn Văn A", "Nguyễn Văn Anh"),
    ],
)
def test_vietnamese_letter_order(a, b):
    assert sort_key(a) < sort_key(b)
    assert sort_key_str(a) < sort_key_str(b)


def test_sort_key_case_and_normalisation_insensitive():
    assert sort_key("NGUYỄN VĂN ĐỨC") == sort_key("nguyễn văn đức") == sort_key(
        unicodedata.normalize("NFD", "Nguyễn Văn Đức")
    )
    assert sort_key_str("  Nguyễn   Văn Đức ") == sort_key_str("Nguyễn Văn Đức")


def test_sort_key_str_is_lowercase_ascii():
    s = sort_key_str("Nguyễn Thị Kiều Oanh")
    assert s.isascii() and s.isalpha() and s == s.lower()
    assert sort_key_str("") == sort_key_str(None)


_name_words = st.sampled_from(
    ["An", "Ân", "Ăn", "Anh", "Bình", "Đức", "Dũng", "Hà", "Hạ", "Hải", "Hằng", "Lan", "Lân", "Nguyễn",
     "Văn", "Thị", "Ơn", "Ưng", "Uyên", "Yến", "Ý", "Lê", "Trần", "A", "Z"]
)
_names = st.lists(_name_words, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=300)
@given(_names, _names)
def test_sort_key_str_orders_like_sort_key(a, b):
    ka, kb = sort_key(a), sort_key(b)
    sa, sb = sort_key_str(a), sort_key_str(b)
    assert (ka < kb) == (sa < sb)
    assert (ka == kb) == (sa == sb)


# --- tidy_name ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        ("  NGÔ QUANG TOÀN ", "Ngô Quang Toàn"),
        ("ĐINH TRỌNG NAM", "Đinh Trọng Nam"),
        ("nguyễn   thị  ánh", "Nguyễn Thị Ánh"),
        ("Nguyễn Văn Đức", "Nguyễn Văn Đức"),
        ("McDonald Nguyễn", "McDonald Nguyễn"),  # mixed case left as written
        ("Hoàng Ngọc ánh", "Hoàng Ngọc Ánh"),  # a lower-case word in a capitalised name
        (unicodedata.normalize("NFD", "LÊ ĐỨC ANH"), "Lê Đức Anh"),
        ("", ""),
        (None, ""),
    ],
)
def test_tidy_name(raw, tidy):
    assert tidy_name(raw) == tidy


# --- legacy encodings: golden strings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("legacy", "unicode"),
    [
        ("NguyÔn V¨n §øc", "Nguyễn Văn Đức"),
        ("Hoµng ThÞ Thu H»ng", "Hoàng Thị Thu Hằng"),
        ("B¶o Th¾ng", "Bảo Thắng"),
        ("M\xadêng Kh\xad\xacng", "Mường Khương"),
        ("Ninh B×nh", "Ninh Bình"),
        ("Phßng L§TBXH huyÖn An L¹c", "Phòng LĐTBXH huyện An Lạc"),
        ("§\xada vµo c¬ së cai nghiÖn b¾t buéc", "Đưa vào cơ sở cai nghiện bắt buộc"),
        ("NGUYÔN V¡N §ÆC", "NGUYỄN VĂN ĐẶC"),  # .VnTimeH: capitals typed with the same bytes
    ],
)
def test_tcvn3_golden(legacy, unicode):
    assert detect_legacy(legacy) == "tcvn3"
    assert decode_tcvn3(legacy) == unicode
    assert to_unicode(legacy) == unicode


@pytest.mark.parametrize(
    ("legacy", "unicode"),
    [
        ("Xin chaøo caùc baïn", "Xin chào các bạn"),
        ("Nguyeãn Vaên Ñöùc", "Nguyễn Văn Đức"),
        ("Traàn Thò Thu Haèng", "Trần Thị Thu Hằng"),
        ("Ñöa vaøo cô sôû cai nghieän baét buoäc", "Đưa vào cơ sở cai nghiện bắt buộc"),
        ("NGUYEÃN VAÊN ÑÖÙC", "NGUYỄN VĂN ĐỨC"),
        ("Lyù Yû Lan", "Lý Ỷ Lan"),
        ("Phuøng Thò Î", "Phùng Thị Ỵ"),
    ],
)
def test_vni_golden(legacy, unicode):
    assert detect_legacy(legacy) == "vni"
    assert decode_vni(legacy) == unicode
    assert to_unicode(legacy) == unicode


@pytest.mark.parametrize("name", NAMES + PHRASES)
def test_tcvn3_round_trip(name):
    enc = encode_tcvn3(name)
    assert enc != name
    assert detect_legacy(enc) == "tcvn3"
    if name in PHRASES:
        assert to_unicode(enc) == name
    else:
        # TCVN3 has no capital toned vowels ("Ánh", "Ỷ" come out lower-case); tidy_name restores
        # the capital of a personal name
        assert tidy_name(to_unicode(enc)) == name


@pytest.mark.parametrize("name", NAMES + PHRASES)
def test_vni_round_trip(name):
    enc = encode_vni(name)
    assert detect_legacy(enc) == "vni"
    assert to_unicode(enc) == name


def test_all_letters_round_trip():
    words = ALL_LETTERS.split()
    for w in words:
        assert decode_tcvn3(encode_tcvn3(w)) == w
        assert decode_vni(encode_vni(w)) == w
        assert decode_vni(encode_vni(w.upper())) == w.upper()


@pytest.mark.parametrize(
    "text",
    NAMES
    + PHRASES
    + [
        "Lê Tâm",  # only Latin-1 letters: must not be read as legacy
        "Tô Bé",
        "Vũ Thị Hồng",
        "café",
        "José Martí",
        "D:\\SoHoa\\2024\\HS_001.pdf",
        "01/2024/QĐ-XLHC",
        "Plain ASCII text",
        "",
    ],
)
def test_unicode_and_ascii_untouched(text):
    assert detect_legacy(text) is None
    assert to_unicode(text) == nfc(text)


def test_to_unicode_normalises_nfd():
    assert to_unicode(unicodedata.normalize("NFD", "Nguyễn Văn Đức")) == "Nguyễn Văn Đức"


def test_cp1252_bytes_accepted():
    # a byte typed in 0x80-0x9F arrives as its Windows-1252 character; unknown ones are kept
    assert decode_tcvn3("€") == "€"


@pytest.mark.parametrize(("w", "ok"), [("nguyễn", True), ("Khương", True), ("NGHIÊNG", True),
                                        ("nguyôn", False), ("NguyÔn", False), ("hàá", False), ("xyz", False)])
def test_is_vn_syllable(w, ok):
    assert is_vn_syllable(w) is ok


def test_module_has_no_django_import():
    import inspect

    assert "django" not in inspect.getsource(vntext)
