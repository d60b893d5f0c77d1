from django import forms
from django.conf import settings

from kiemsat.web.fields import BootstrapMixin


class BackupForm(BootstrapMixin, forms.Form):
    to_dir = forms.CharField(label="Thư mục đích (ổ USB)", max_length=500,
                             help_text="Ví dụ E:\\ hoặc /media/usb. Bản sao lưu là một tệp .kiemsat.age mã hóa.")
    use_recipient = forms.BooleanField(label="Mã hóa bằng khóa công khai của đơn vị (không cần mật khẩu)", required=False)
    passphrase = forms.CharField(label="Mật khẩu sao lưu", required=False, strip=False,
                                 widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                 help_text="Ít nhất 12 ký tự. Không có mật khẩu này thì không ai khôi phục được bản sao lưu — hãy cất giữ cẩn thận.")
    passphrase2 = forms.CharField(label="Nhập lại mật khẩu", required=False, strip=False,
                                  widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.recipient = getattr(settings, "KIEMSAT_BACKUP_RECIPIENT", "")
        if not self.recipient:
            del self.fields["use_recipient"]

    def clean(self):
        data = super().clean()
        if data.get("use_recipient"):
            return data
        pw, pw2 = data.get("passphrase") or "", data.get("passphrase2") or ""
        if len(pw) < 12:
            self.add_error("passphrase", "Mật khẩu sao lưu cần ít nhất 12 ký tự.")
        elif pw != pw2:
            self.add_error("passphrase2", "Hai lần nhập mật khẩu không khớp.")
        return data


class VerifyForm(BootstrapMixin, forms.Form):
    path = forms.CharField(label="Tệp sao lưu", max_length=500, help_text="Đường dẫn đầy đủ tới tệp .kiemsat.age")
    passphrase = forms.CharField(label="Mật khẩu sao lưu", strip=False,
                                 widget=forms.PasswordInput(attrs={"autocomplete": "off"}))
