"""Forms for cases and events. They only read and shape input; the services decide."""

from __future__ import annotations

from django import forms

from kiemsat.domain.events import EVENT_TYPE_BY_CODE, EVENT_TYPES, PHASE_LABELS
from kiemsat.org.models import CASE_STAFF_ROLES, Agency, Court, Role, User
from kiemsat.web.fields import BootstrapMixin, VNDateField

from .models import APPEAL_RESULT_CHOICES, MEASURE_CHOICES, OUTCOME_CHOICES, Sex


class CaseForm(BootstrapMixin, forms.Form):
    person_name = forms.CharField(label="Họ và tên", max_length=120)
    birth_year = forms.IntegerField(label="Năm sinh", required=False, min_value=1900, max_value=2100)
    birth_date = VNDateField(label="Ngày sinh", required=False)
    sex = forms.ChoiceField(label="Giới tính", choices=[("", "—")] + list(Sex.choices), required=False)
    residence = forms.CharField(label="Nơi cư trú", max_length=300, required=False)
    id_number = forms.RegexField(label="Số CCCD/CMND", regex=r"^\d{9}(\d{3})?$", required=False,
                                 error_messages={"invalid": "Số CCCD gồm 12 chữ số (CMND cũ 9 chữ số)."})
    measure = forms.ChoiceField(label="Biện pháp", choices=MEASURE_CHOICES)
    proposer = forms.ModelChoiceField(label="Cơ quan đề nghị", queryset=Agency.objects.all(), required=False)
    court = forms.ModelChoiceField(label="Tòa án", queryset=Court.objects.all(), required=False)
    assigned_to = forms.ModelChoiceField(label="Cán bộ được phân công", queryset=User.objects.none(), required=False)
    vks_proposal = forms.CharField(label="Đề xuất của Viện kiểm sát", widget=forms.Textarea(attrs={"rows": 2}),
                                   required=False, max_length=2000)
    complex = forms.BooleanField(label="Vụ việc phức tạp", required=False)
    notes = forms.CharField(label="Ghi chú", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000)

    def __init__(self, *args, unit=None, can_assign=False, **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(is_active=True, role__in=[*CASE_STAFF_ROLES, Role.LEADER])
        if unit is not None:
            staff = staff.filter(unit=unit)
            self.fields["court"].queryset = Court.objects.all()
        self.fields["assigned_to"].queryset = staff
        if not can_assign:
            self.fields["assigned_to"].disabled = True

    def clean(self):
        data = super().clean()
        bd, by = data.get("birth_date"), data.get("birth_year")
        if bd and by and bd.year != by:
            self.add_error("birth_year", "Năm sinh không khớp với ngày sinh.")
        return data


def event_choices(codes=None):
    groups: dict[str, list] = {}
    for t in EVENT_TYPES:
        if codes is None or t.code in codes:
            groups.setdefault(PHASE_LABELS[t.phase], []).append((t.code, t.label))
    return [("", "— Chọn loại sự kiện —")] + list(groups.items())


class EventForm(BootstrapMixin, forms.Form):
    code = forms.ChoiceField(label="Loại sự kiện")
    date = VNDateField(label="Ngày trên văn bản", required=False)
    received = VNDateField(label="Ngày VKS nhận", required=False)
    end = VNDateField(label="Đến ngày", required=False, help_text="Trốn tránh đến ngày / hoãn đến ngày")
    number = forms.CharField(label="Số văn bản (số thụ lý, số quyết định)", max_length=60, required=False)
    outcome = forms.ChoiceField(label="Kết quả", choices=[("", "—")] + OUTCOME_CHOICES, required=False)
    term_months = forms.IntegerField(label="Thời hạn (tháng)", required=False, min_value=1, max_value=36)
    prosecutor_present = forms.TypedChoiceField(
        label="Kiểm sát viên tham gia phiên họp", required=False, empty_value=None,
        choices=[("", "—"), ("1", "Có mặt"), ("0", "Vắng mặt")],
        coerce=lambda v: {"1": True, "0": False}.get(v),
    )
    appeal_result = forms.ChoiceField(label="Kết quả giải quyết khiếu nại, kiến nghị, kháng nghị",
                                      choices=[("", "— Chưa ghi —")] + APPEAL_RESULT_CHOICES, required=False)
    note = forms.CharField(label="Ghi chú", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)

    def __init__(self, *args, codes=None, fixed_code=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = event_choices(codes)
        if fixed_code:
            self.fields["code"].initial = fixed_code
            self.fields["code"].disabled = True

    def clean(self):
        data = super().clean()
        code = data.get("code")
        et = EVENT_TYPE_BY_CODE.get(code or "")
        if et is None:
            return data
        if not data.get("date") and not data.get("received"):
            self.add_error("date", "Cần nhập ngày trên văn bản hoặc ngày Viện kiểm sát nhận.")
        if code == "accepted" and not data.get("number"):
            self.add_error("number", "Cần nhập số thụ lý.")
        if code == "decision" and not data.get("outcome"):
            self.add_error("outcome", "Cần chọn kết quả của quyết định.")
        if data.get("end") and data.get("date") and data["end"] < data["date"]:
            self.add_error("end", "Ngày kết thúc ở trước ngày bắt đầu.")
        return data

    def service_fields(self) -> dict:
        d = self.cleaned_data
        out = {k: d.get(k) for k in ("date", "received", "end", "number", "outcome", "term_months",
                                     "prosecutor_present", "note")}
        # only when the page showed the field: a form without it must not erase a recorded result
        if self.is_bound and "appeal_result" in self.data:
            out["appeal_result"] = d.get("appeal_result") or None
        return out
