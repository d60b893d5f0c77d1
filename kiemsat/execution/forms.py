from __future__ import annotations

from django import forms

from kiemsat.web.fields import BootstrapMixin, VNDateField


class ArchiveForm(BootstrapMixin, forms.Form):
    date = VNDateField(label="Ngày nộp lưu", error_messages={"required": "Cần nhập ngày nộp lưu."})
    number = forms.CharField(label="Số lưu trữ (số hồ sơ nộp lưu)", max_length=60,
                             error_messages={"required": "Cần nhập số lưu trữ (số hồ sơ nộp lưu)."})


class DeliveryForm(BootstrapMixin, forms.Form):
    date = VNDateField(label="Ngày bàn giao", error_messages={"required": "Cần nhập ngày bàn giao."})
    number = forms.CharField(label="Số biên bản bàn giao", max_length=60, required=False)
    facility = forms.CharField(label="Cơ sở tiếp nhận", max_length=200,
                               error_messages={"required": "Cần nhập tên cơ sở tiếp nhận."})
