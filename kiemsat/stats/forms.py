"""The period (and unit) of a report, read from the query string."""

from __future__ import annotations

import datetime as dt

from django import forms

from kiemsat.web.fields import BootstrapMixin, VNDateField

from . import periods
from .periods import ROMAN, Period, PeriodError

MONTHS = [(str(n), f"Tháng {n:02d}") for n in range(1, 13)]
QUARTERS = [(str(n), f"Quý {ROMAN[n]}") for n in range(1, 5)]
HALVES = [("1", "6 tháng đầu năm"), ("2", "6 tháng cuối năm")]
PARAMS = ("ky", "nam", "thang", "quy", "dot", "tu", "den", "don_vi", "gop")
# the fields each kind of period reads (the page submits them all; the others are ignored)
NEEDS = {"nam": ("nam",), "6thang": ("nam", "dot"), "quy": ("nam", "quy"), "thang": ("nam", "thang"),
         "tuy-chon": ("tu", "den")}


class ReportForm(BootstrapMixin, forms.Form):
    ky = forms.ChoiceField(label="Kỳ báo cáo", choices=list(periods.KINDS.items()))
    nam = forms.IntegerField(label="Năm", required=False, min_value=2001, max_value=2100,
                             error_messages={"invalid": "Năm phải là một số.",
                                             "min_value": "Năm không hợp lệ (2001 – 2100).",
                                             "max_value": "Năm không hợp lệ (2001 – 2100)."})
    thang = forms.TypedChoiceField(label="Tháng", choices=MONTHS, coerce=int, required=False,
                                   empty_value=None)
    quy = forms.TypedChoiceField(label="Quý", choices=QUARTERS, coerce=int, required=False,
                                   empty_value=None)
    dot = forms.TypedChoiceField(label="Đợt", choices=HALVES, coerce=int, required=False,
                                   empty_value=None)
    tu = VNDateField(label="Từ ngày", required=False)
    den = VNDateField(label="Đến ngày", required=False)
    don_vi = forms.TypedChoiceField(label="Đơn vị", coerce=int, required=False, empty_value=None)
    gop = forms.BooleanField(label="Gộp theo đơn vị kế thừa", required=False)

    def __init__(self, data=None, *, units=(), today: dt.date, **kw):
        if data is not None:
            data = {k: data.get(k) for k in PARAMS if k in data}
            if not data:
                data = None
        cur = periods.current("nam", today)
        initial = {"ky": "nam", "nam": cur.year, "thang": today.month,
                   "quy": periods.current("quy", today).number, "dot": periods.current("6thang", today).number,
                   "tu": cur.start, "den": min(cur.end, today)}
        super().__init__(data, initial=initial, **kw)
        self.today = today
        f = self.fields["don_vi"]
        f.choices = [("", "Toàn tỉnh (tất cả đơn vị)")] + [(str(g.unit.pk), g.unit.name) for g in units]
        self.show_units = bool(units)
        for k, msg in (("thang", "Tháng"), ("quy", "Quý"), ("dot", "Đợt 6 tháng")):
            self.fields[k].error_messages["invalid_choice"] = f"{msg} không hợp lệ."
        self.fields["ky"].error_messages["invalid_choice"] = "Loại kỳ báo cáo không hợp lệ."
        self.period: Period | None = None

    def clean(self):
        data = super().clean()
        kind = data.get("ky")
        if kind not in NEEDS or any(f in self.errors for f in NEEDS[kind]):
            return data
        number = {"thang": data.get("thang"), "quy": data.get("quy"), "6thang": data.get("dot")}.get(kind)
        try:
            self.period = periods.build(kind, data.get("nam"), number, data.get("tu"), data.get("den"))
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data

    def full_clean(self):
        super().full_clean()
        kind = getattr(self, "cleaned_data", {}).get("ky")
        if self.is_bound and kind in NEEDS:
            for name in list(self._errors):
                if name in self.fields and name not in (*NEEDS[kind], "ky", "don_vi", "gop"):
                    del self._errors[name]

    def get_period(self) -> Period | None:
        """The period asked for; the current reporting year when nothing was asked."""
        if not self.is_bound:
            return periods.current("nam", self.today)
        return self.period if self.is_valid() else None

    def get_unit(self) -> int | None:
        return self.cleaned_data.get("don_vi") if self.is_bound and self.is_valid() else None

    def get_merge(self) -> bool:
        """Regroup the units under their current successor (provincial users only)."""
        return bool(self.show_units and self.is_bound and self.is_valid() and self.cleaned_data.get("gop"))

    def error_list(self) -> list[str]:
        out = []
        for name, errs in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            out.extend(f"{label}: {e}" if label else str(e) for e in errs)
        return out
