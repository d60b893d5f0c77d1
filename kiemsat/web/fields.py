"""Form fields that read what Vietnamese clerks type."""

from __future__ import annotations

import datetime as dt

from django import forms

from kiemsat.domain import dates


class VNDateInput(forms.TextInput):
    def __init__(self, attrs=None):
        base = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", "class": "form-control vn-date"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, dt.date):
            return dates.fmt(value)
        return value


class VNDateField(forms.Field):
    """Takes 05/03/2024, 5/3/24, 05-03-2024, 5.3.2024, 'ngày 5 tháng 3 năm 2024' — always day first."""

    widget = VNDateInput
    default_error_messages = {"invalid": "Ngày không hợp lệ: “%(value)s”. Nhập theo dạng dd/mm/yyyy."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        parsed = dates.parse_date(text)
        # A form takes written dates only: not an Excel serial, not a bare year.
        if parsed.value is None or parsed.kind in ("serial", "year") or parsed.warning:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"value": text[:40]})
        return parsed.value


class BootstrapMixin:
    """Give every widget Bootstrap's class, so forms look and behave alike."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            w = field.widget
            if isinstance(w, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(w, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            classes = w.attrs.get("class", "")
            if css not in classes.split():
                w.attrs["class"] = f"{classes} {css}".strip()


def apply_service_errors(form, exc) -> None:
    """Show a service's ValidationError on the form: on its field when it names one, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errs in exc.error_dict.items():
            target = name if name in form.fields else None
            for e in errs:
                for msg in e.messages:
                    form.add_error(target, msg)
    else:
        for msg in exc.messages:
            form.add_error(None, msg)
