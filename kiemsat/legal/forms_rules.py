"""Forms of the ruleset screen (a leader confirms or changes a parameter) and of the calendar
screen (an administrator edits one year's days off and make-up days). Dates are typed dd/mm/yyyy."""

from __future__ import annotations

import datetime as dt
import re

from django import forms

from kiemsat.web.fields import VNDateField

STATUS_CHOICES = [
    ("V", "V — đã xác minh từ văn bản chính thức"),
    ("S", "S — từ nguồn thứ cấp đáng tin cậy"),
    ("U", "U — chưa xác minh"),
]
KIND_CORRECTION = "correction"
KIND_LAW_CHANGE = "law_change"
CHANGE_KIND_CHOICES = [
    (KIND_CORRECTION, "Đính chính — giá trị đúng cho mọi thời điểm (thay các giá trị cũ)"),
    (KIND_LAW_CHANGE, "Thay đổi của pháp luật — giá trị mới áp dụng từ một ngày"),
]
CAL_KIND_CHOICES = [("off", "Nghỉ"), ("work", "Làm bù")]

REASON_MIN = 5

_RANGE_RE = re.compile(r"^\s*(\d{1,3})\s*(?:-|–|—|đến|den)\s*(\d{1,3})\s*(?:tháng)?\s*$", re.IGNORECASE)


def _text(attrs=None, **kw):
    return forms.TextInput(attrs={"class": "form-control", "autocomplete": "off", **(attrs or {})}, **kw)


def _reason_field():
    return forms.CharField(
        label="Lý do thay đổi",
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
        max_length=2000,
        error_messages={"required": "Cần ghi lý do thay đổi."},
        help_text="Ghi căn cứ hoặc văn bản dẫn đến thay đổi; lý do được lưu vào nhật ký.",
    )


def _clean_reason(value: str) -> str:
    value = (value or "").strip()
    if len(value) < REASON_MIN:
        raise forms.ValidationError(f"Cần ghi lý do thay đổi (ít nhất {REASON_MIN} ký tự).")
    return value


class ConfirmParamForm(forms.Form):
    reason = _reason_field()

    def clean_reason(self):
        return _clean_reason(self.cleaned_data.get("reason"))


class ChangeParamForm(forms.Form):
    """`value_type` is what the parameter holds: "int" (days / months) or "range" (min–max)."""

    kind = forms.ChoiceField(label="Loại thay đổi", choices=CHANGE_KIND_CHOICES,
                             widget=forms.RadioSelect(attrs={"class": "form-check-input", "x-model": "kind"}),
                             initial=KIND_CORRECTION,
                             error_messages={"required": "Chọn loại thay đổi.",
                                             "invalid_choice": "Loại thay đổi không hợp lệ."})
    since = VNDateField(label="Áp dụng từ ngày", required=False,
                        help_text="Chỉ cho thay đổi của pháp luật: ngày văn bản mới có hiệu lực (dd/mm/yyyy).")
    value = forms.CharField(label="Giá trị", required=False, max_length=20, widget=_text({"inputmode": "numeric"}),
                            help_text="Để trống nếu chưa có căn cứ để tính.")
    status = forms.ChoiceField(label="Tình trạng căn cứ", choices=STATUS_CHOICES,
                               widget=forms.Select(attrs={"class": "form-select"}),
                               error_messages={"invalid_choice": "Tình trạng căn cứ phải là V, S hoặc U."})
    citation = forms.CharField(label="Căn cứ pháp lý (văn bản, điều, khoản)", max_length=300, required=False,
                               widget=_text())
    note = forms.CharField(label="Ghi chú", max_length=300, required=False, widget=_text())
    reason = _reason_field()

    def __init__(self, *args, value_type: str = "int", unit_word: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.value_type = value_type
        if value_type == "range":
            self.fields["value"].label = "Khung (tối thiểu–tối đa, tháng)"
            self.fields["value"].help_text = "Ví dụ 6–24. Để trống nếu chưa có căn cứ để tính."
            self.fields["value"].widget.attrs["inputmode"] = "text"
        elif unit_word:
            self.fields["value"].label = f"Giá trị ({unit_word})"

    def clean_value(self):
        raw = (self.cleaned_data.get("value") or "").strip()
        if raw == "":
            return None
        if self.value_type == "range":
            m = _RANGE_RE.match(raw)
            if not m or int(m.group(1)) > int(m.group(2)):
                raise forms.ValidationError("Nhập khung dạng “tối thiểu–tối đa”, ví dụ 6–24; hoặc để trống.")
            return [int(m.group(1)), int(m.group(2))]
        if not raw.isdigit() or int(raw) > 400:
            raise forms.ValidationError("Giá trị phải là số nguyên từ 0 đến 400, hoặc để trống (chưa có căn cứ để tính).")
        return int(raw)

    def clean_reason(self):
        return _clean_reason(self.cleaned_data.get("reason"))

    def clean(self):
        data = super().clean()
        if data.get("kind") == KIND_LAW_CHANGE:
            if not data.get("since") and "since" not in self.errors:
                self.add_error("since", "Thay đổi của pháp luật cần ngày bắt đầu áp dụng (dd/mm/yyyy).")
            if not (data.get("citation") or "").strip() and "citation" not in self.errors:
                self.add_error("citation", "Ghi văn bản mới (số, điều, khoản) làm căn cứ cho giá trị mới.")
        elif data.get("kind") == KIND_CORRECTION:
            data["since"] = None
        return data


# ----------------------------------------------------------------------------- calendar
class CalendarYearForm(forms.Form):
    source = forms.CharField(label="Nguồn công bố của năm", max_length=300, required=False, widget=_text(),
                             help_text="Ví dụ: Công văn 8726/VPCP-KGVX. Bắt buộc khi đánh dấu đã công bố.")
    status = forms.ChoiceField(label="Tình trạng căn cứ", choices=STATUS_CHOICES, initial="S",
                               widget=forms.Select(attrs={"class": "form-select"}),
                               error_messages={"invalid_choice": "Tình trạng căn cứ phải là V, S hoặc U."})
    confirmed = forms.BooleanField(label="Chính phủ đã công bố lịch nghỉ của năm (không còn là lịch dự kiến)",
                                   required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    reason = _reason_field()

    def clean_reason(self):
        return _clean_reason(self.cleaned_data.get("reason"))

    def clean(self):
        data = super().clean()
        if data.get("confirmed") and not (data.get("source") or "").strip():
            self.add_error("source", "Năm đã công bố cần ghi nguồn (văn bản công bố).")
        return data


class CalendarEntryForm(forms.Form):
    start = VNDateField(label="Từ ngày", error_messages={"required": "Nhập ngày bắt đầu (dd/mm/yyyy)."})
    end = VNDateField(label="Đến ngày", required=False)
    kind = forms.ChoiceField(label="Loại", choices=CAL_KIND_CHOICES, initial="off",
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                             error_messages={"invalid_choice": "Loại ngày phải là Nghỉ hoặc Làm bù."})
    name = forms.CharField(label="Tên", max_length=200, widget=_text({"class": "form-control form-control-sm"}),
                           error_messages={"required": "Nhập tên (ví dụ: Tết Nguyên đán)."})
    source = forms.CharField(label="Nguồn", max_length=300, required=False,
                             widget=_text({"class": "form-control form-control-sm"}))
    status = forms.ChoiceField(label="Căn cứ", choices=[(k, k) for k, _ in STATUS_CHOICES], initial="S",
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                               error_messages={"invalid_choice": "Tình trạng căn cứ phải là V, S hoặc U."})

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        for name in ("start", "end"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm vn-date"
        for fld in self.fields.values():
            fld.widget.attrs.setdefault("aria-label", str(fld.label))

    def clean(self):
        data = super().clean()
        a, b = data.get("start"), data.get("end")
        if a is None:
            return data
        b = b or a
        data["end"] = b
        for d in (a, b):
            if d.year != self.year:
                raise forms.ValidationError(f"Ngày {d:%d/%m/%Y} không thuộc năm {self.year}.")
        if b < a:
            raise forms.ValidationError("Ngày kết thúc ở trước ngày bắt đầu.")
        if (b - a).days > 31:
            raise forms.ValidationError("Một dòng không nên dài quá 31 ngày; kiểm tra lại ngày đã nhập.")
        if data.get("kind") == "work":
            d = a
            while d <= b:
                if d.weekday() < 5:
                    raise forms.ValidationError(
                        f"Ngày làm bù phải là thứ Bảy hoặc Chủ nhật; {d:%d/%m/%Y} là ngày làm việc bình thường.")
                d += dt.timedelta(days=1)
        return data


class _BaseEntryFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        rows = [f.cleaned_data for f in self.forms
                if f.cleaned_data and not (self.can_delete and self._should_delete_form(f))]
        if not rows:
            raise forms.ValidationError("Năm phải có ít nhất một dòng ngày nghỉ (ví dụ Tết Dương lịch 01/01).")
        rows.sort(key=lambda r: r["start"])
        for x, y in zip(rows, rows[1:]):
            if y["start"] <= x["end"]:
                raise forms.ValidationError(
                    f"Hai dòng trùng ngày nhau: {x['start']:%d/%m/%Y}–{x['end']:%d/%m/%Y} và "
                    f"{y['start']:%d/%m/%Y}–{y['end']:%d/%m/%Y}.")

    def entries(self) -> list[dict]:
        out = []
        for f in self.forms:
            d = f.cleaned_data
            if not d or (self.can_delete and self._should_delete_form(f)):
                continue
            out.append({"from": d["start"].isoformat(), "to": d["end"].isoformat(), "kind": d["kind"],
                        "name": d["name"].strip(), "source": (d.get("source") or "").strip(), "status": d["status"]})
        return out


CalendarEntryFormSet = forms.formset_factory(CalendarEntryForm, formset=_BaseEntryFormSet, extra=1, can_delete=True,
                                             max_num=200, validate_max=True, absolute_max=400)
