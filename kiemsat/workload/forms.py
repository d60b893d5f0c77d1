from __future__ import annotations

from django import forms

from kiemsat.org.models import CASE_STAFF_ROLES, Role, User
from kiemsat.web.fields import BootstrapMixin


class ReassignForm(BootstrapMixin, forms.Form):
    to = forms.ModelChoiceField(label="Phân công cho", queryset=User.objects.none(),
                                error_messages={"required": "Cần chọn cán bộ được phân công.",
                                                "invalid_choice": "Cán bộ không hợp lệ."})
    reason = forms.CharField(label="Lý do phân công lại", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "Cần nêu lý do phân công lại."})

    def __init__(self, *args, unit_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = User.objects.filter(is_active=True, unit_id=unit_id,
                                                         role__in=[*CASE_STAFF_ROLES, Role.LEADER])
