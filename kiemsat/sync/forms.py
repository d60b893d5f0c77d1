from django import forms

from kiemsat.org.models import Unit
from kiemsat.web.fields import BootstrapMixin


class IdentityForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(label="Đơn vị gửi dữ liệu", queryset=Unit.objects.none())
    code = forms.CharField(label="Mã đồng bộ", max_length=40, required=False,
                           help_text="Chữ không dấu, số, dấu chấm, gạch ngang; để trống: theo ký hiệu văn bản của đơn vị.")
    recipient = forms.CharField(label="Khóa nhận của Viện kiểm sát cấp tỉnh", max_length=200, required=False,
                                help_text="Dạng age1…, do Viện kiểm sát cấp tỉnh cung cấp.")

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.fields["unit"].queryset = Unit.objects.filter(is_provincial=False, successor__isnull=True)


class ExportForm(BootstrapMixin, forms.Form):
    documents = forms.BooleanField(label="Kèm các tệp hồ sơ số hóa (gói lớn hơn)", required=False)


class RegisterForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label="Mã đồng bộ của đơn vị", max_length=40)
    unit = forms.ModelChoiceField(label="Đơn vị", queryset=Unit.objects.none())
    public_key = forms.CharField(label="Khóa công khai (ed25519:…)", max_length=120)

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.fields["unit"].queryset = Unit.objects.filter(is_provincial=False)


class ImportForm(BootstrapMixin, forms.Form):
    bundle = forms.FileField(label="Tệp gói đồng bộ (.kiemsat-sync)")
