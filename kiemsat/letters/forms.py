"""Forms of the letters screens (Vietnamese labels and messages; dates dd/mm/yyyy)."""

from __future__ import annotations

from django import forms

from kiemsat.org.models import Role, User
from kiemsat.web.fields import BootstrapMixin, VNDateField

from .models import Kind, Letter, LetterReply, LetterSettings


class LetterEditForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Letter
        fields = ["recipient", "recipient_org", "summary", "legal_bases", "requests", "signer", "note"]
        widgets = {
            "legal_bases": forms.Textarea(attrs={"rows": 5}),
            "requests": forms.Textarea(attrs={"rows": 5}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"recipient_org": "Tên cơ quan nhận (dùng trong nội dung)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signer"].queryset = User.objects.filter(unit_id=self.instance.unit_id, role=Role.LEADER,
                                                             is_active=True)
        self.fields["signer"].required = False
        self.fields["signer"].label_from_instance = lambda u: f"{u.full_name} – {u.title or 'Lãnh đạo'}"
        self.fields["recipient"].help_text = ("Để trống: tự xác định theo Tòa án / cơ quan và tên có hiệu lực vào ngày "
                                              "ban hành. VD: Chánh án Tòa án nhân dân khu vực 3 – Hải Phòng")
        self.fields["recipient_org"].help_text = "Để trống: như “Kính gửi”, hoặc tự xác định."
        self.fields["summary"].help_text = "Trích yếu nội dung (dưới tên loại văn bản, hoặc sau “V/v” ở công văn)."


class IssueForm(BootstrapMixin, forms.Form):
    issued_on = VNDateField(label="Ngày ban hành")


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="Lý do", max_length=300)


class ReplyForm(BootstrapMixin, forms.Form):
    date = VNDateField(label="Ngày văn bản trả lời")
    number = forms.CharField(label="Số văn bản trả lời", max_length=60, required=False)
    result = forms.ChoiceField(label="Kết quả", choices=LetterReply.Result.choices)
    content = forms.CharField(label="Nội dung trả lời", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class TemplateUploadForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label="Loại văn bản", choices=Kind.choices)
    file = forms.FileField(label="Tệp mẫu (.docx)")
    note = forms.CharField(label="Ghi chú (thay đổi gì)", max_length=300, required=False)


class SettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = LetterSettings
        fields = ["reply_days", "urge_days", "code_kien_nghi", "code_don_doc"]
