"""Letters the Procuracy issues from its findings: kiến nghị to the Court, kiến nghị phòng ngừa to
the proposing agency, văn bản đôn đốc thi hành to the police.

- `Letter` goes draft → submitted → approved (leaders) → issued (number + date); a draft, submitted
  or approved letter may be cancelled; an issued letter never is (its number stays used, no gaps).
- `LetterFinding` is the finding as it stood when it went into the letter (dates, lateness,
  citation, flags, explanation) with the ruleset and calendar versions it was computed under, so
  the letter can be explained years later whatever changed since.
- `FindingConfirmation`: a leader's confirmation of a finding that is not `verified` (an S/U
  parameter, a receipt date, an estimated effective date…); only then does it go into a letter.
- `LetterCounter`: one row per (unit, year, document code), locked while a number is taken.
- `LetterTemplate`: the .docx a unit uploaded for a kind (versions kept); none active = the
  template shipped in kiemsat/letters/docx/.
- `LetterReply`: the recipient's answer. `LetterSettings`: a unit's follow-up periods and codes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kiemsat.cases.models import Case
from kiemsat.legal.models import CalendarVersion, RulesetVersion
from kiemsat.org.models import Agency, Court, Unit


class Kind(models.TextChoices):
    COURT = "kien-nghi-toa-an", "Kiến nghị tổng hợp vi phạm (gửi Tòa án)"
    PREVENTIVE = "kien-nghi-phong-ngua", "Kiến nghị phòng ngừa (gửi cơ quan đề nghị)"
    URGE = "don-doc", "Văn bản đôn đốc thi hành (gửi Công an)"


KIND_SHORT = {Kind.COURT: "Kiến nghị Tòa án", Kind.PREVENTIVE: "Kiến nghị phòng ngừa", Kind.URGE: "Đôn đốc thi hành"}


class State(models.TextChoices):
    DRAFT = "draft", "Dự thảo"
    SUBMITTED = "submitted", "Chờ duyệt"
    APPROVED = "approved", "Đã duyệt"
    ISSUED = "issued", "Đã ban hành"
    CANCELLED = "cancelled", "Đã hủy"


class LetterTemplate(models.Model):
    kind = models.CharField("Loại văn bản", max_length=30, choices=Kind.choices)
    version = models.PositiveIntegerField("Phiên bản")
    content = models.BinaryField("Tệp .docx")
    filename = models.CharField("Tên tệp", max_length=255)
    note = models.CharField("Ghi chú", max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="Người tải lên")
    uploaded_at = models.DateTimeField("Tải lên lúc", auto_now_add=True)
    is_active = models.BooleanField("Đang dùng", default=False)

    class Meta:
        verbose_name = "mẫu văn bản"
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="letter_template_kind_version")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – phiên bản {self.version}"


class LetterSettings(models.Model):
    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="letter_settings", verbose_name="Đơn vị")
    reply_days = models.PositiveSmallIntegerField(
        "Theo dõi trả lời kiến nghị sau (ngày)", default=30,
        help_text="Dùng khi bộ quy tắc chưa có thời hạn cho quy tắc procuracy.recommendation_reply "
                  "(pháp luật không quy định thời hạn; đây là thời hạn theo dõi nội bộ).")
    urge_days = models.PositiveSmallIntegerField(
        "Đôn đốc lại sau (ngày)", default=15,
        help_text="Người đã được đôn đốc mà chưa bàn giao sẽ hiện lại sau số ngày này.")
    code_kien_nghi = models.CharField("Ký hiệu kiến nghị", max_length=10, default="KN", blank=True)
    code_don_doc = models.CharField("Ký hiệu văn bản đôn đốc", max_length=10, default="", blank=True,
                                    help_text="Để trống: công văn theo Nghị định 30/2020 (Số: 05/VKS…).")

    class Meta:
        verbose_name = "thiết lập văn bản"


class FindingConfirmation(models.Model):
    """A leader confirmed an unverified finding (this case, rule, due and actual date)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", verbose_name="Vụ việc")
    rule = models.CharField("Quy tắc", max_length=60)
    due = models.DateField("Hạn", null=True, blank=True)
    actual = models.DateField("Ngày thực hiện", null=True, blank=True)
    flags = models.JSONField("Căn cứ chưa xác minh", default=list)
    note = models.CharField("Ghi chú", max_length=300, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="Lãnh đạo xác nhận")
    confirmed_at = models.DateTimeField("Xác nhận lúc", auto_now_add=True)

    class Meta:
        verbose_name = "xác nhận phát hiện"
        indexes = [models.Index(fields=["case", "rule"])]


class LetterCounter(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=10, blank=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "bộ đếm số văn bản"
        constraints = [models.UniqueConstraint(fields=["unit", "year", "code"], name="letter_counter_unique")]


class Letter(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="letters", verbose_name="Đơn vị")
    kind = models.CharField("Loại văn bản", max_length=30, choices=Kind.choices)
    state = models.CharField("Trạng thái", max_length=12, choices=State.choices, default=State.DRAFT, db_index=True)
    period_from = models.DateField("Từ ngày", null=True, blank=True)
    period_to = models.DateField("Đến ngày", null=True, blank=True)
    as_of = models.DateField("Tính đến ngày")
    court = models.ForeignKey(Court, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name="Tòa án")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name="Cơ quan")
    # blank = worked out from the court / agency by the letter's date (names change with the reforms)
    recipient = models.CharField("Kính gửi", max_length=300, blank=True)
    recipient_org = models.CharField("Cơ quan nhận", max_length=300, blank=True)
    summary = models.CharField("Trích yếu", max_length=300)
    legal_bases = models.TextField("Căn cứ pháp lý", blank=True, help_text="Mỗi dòng một căn cứ.")
    requests = models.TextField("Nội dung kiến nghị / đề nghị", blank=True, help_text="Mỗi dòng một yêu cầu.")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name="Người ký")
    ruleset_version = models.ForeignKey(RulesetVersion, on_delete=models.PROTECT, related_name="+")
    calendar_version = models.ForeignKey(CalendarVersion, on_delete=models.PROTECT, related_name="+")
    # numbering (set when issued)
    code = models.CharField("Ký hiệu loại", max_length=10, blank=True)
    year = models.PositiveSmallIntegerField("Năm", null=True, blank=True)
    number = models.PositiveIntegerField("Số", null=True, blank=True)
    number_text = models.CharField("Số, ký hiệu", max_length=60, blank=True)
    issued_on = models.DateField("Ngày ban hành", null=True, blank=True)
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name="Mẫu đã dùng")
    template_label = models.CharField("Mẫu đã dùng", max_length=120, blank=True)
    docx = models.BinaryField("Văn bản đã ban hành (.docx)", null=True, blank=True)
    # who and when
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="Người soạn")
    created_at = models.DateTimeField("Tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("Sửa lúc", auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="Người duyệt")
    approved_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name="Người ban hành")
    issued_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField("Ghi chú", blank=True)

    class Meta:
        verbose_name = "văn bản"
        verbose_name_plural = "văn bản"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "code", "number"], condition=models.Q(number__isnull=False),
                                    name="letter_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{KIND_SHORT.get(self.kind, self.kind)} {self.number_text or '(dự thảo)'}"

    @property
    def kind_short(self) -> str:
        return KIND_SHORT.get(self.kind, self.kind)

    @property
    def is_recommendation(self) -> bool:
        return self.kind in (Kind.COURT, Kind.PREVENTIVE)


class LetterFinding(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="findings")
    position = models.PositiveIntegerField(default=0)
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="letter_findings")
    person = models.CharField("Họ và tên", max_length=120)
    so_thu_ly = models.CharField("Số thụ lý", max_length=60, blank=True)
    measure = models.CharField("Biện pháp", max_length=20, blank=True)
    rule = models.CharField("Quy tắc", max_length=60)
    rule_label = models.CharField("Nội dung", max_length=300, blank=True)
    status = models.CharField("Tình trạng", max_length=20)
    responsible = models.CharField("Cơ quan chịu trách nhiệm", max_length=20, blank=True)
    start = models.DateField(null=True, blank=True)
    start_label = models.CharField(max_length=120, blank=True)
    act_label = models.CharField(max_length=120, blank=True)
    due = models.DateField("Hạn", null=True, blank=True)
    alt_due = models.DateField(null=True, blank=True)
    actual = models.DateField("Ngày thực hiện", null=True, blank=True)
    late = models.IntegerField("Số ngày chậm", null=True, blank=True)
    unit_code = models.CharField("Đơn vị tính", max_length=4, blank=True)
    citation = models.CharField("Căn cứ pháp lý", max_length=500, blank=True)
    verified = models.BooleanField("Đã xác minh", default=False)
    flags = models.JSONField("Căn cứ", default=list)
    explanation = models.TextField("Diễn giải", blank=True)
    extra = models.JSONField(default=dict, blank=True)
    as_of = models.DateField("Tính đến ngày")
    ruleset_version = models.ForeignKey(RulesetVersion, on_delete=models.PROTECT, related_name="+")
    calendar_version = models.ForeignKey(CalendarVersion, on_delete=models.PROTECT, related_name="+")
    confirmation = models.ForeignKey(FindingConfirmation, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="letter_findings")

    class Meta:
        verbose_name = "phát hiện trong văn bản"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["letter", "case", "rule"], name="letter_finding_unique")]

    @property
    def included(self) -> bool:
        """Verified, or confirmed by a leader: it goes into the document."""
        return self.verified or self.confirmation_id is not None

    @property
    def key(self) -> str:
        return f"{self.case_id}:{self.rule}"


class LetterReply(models.Model):
    class Result(models.TextChoices):
        ACCEPTED = "accepted", "Chấp nhận"
        PARTLY = "partly", "Chấp nhận một phần"
        REJECTED = "rejected", "Không chấp nhận"

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="replies")
    date = models.DateField("Ngày văn bản trả lời")
    number = models.CharField("Số văn bản trả lời", max_length=60, blank=True)
    result = models.CharField("Kết quả", max_length=10, choices=Result.choices)
    content = models.TextField("Nội dung trả lời", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="Người ghi nhận")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "trả lời văn bản"
        ordering = ["date", "id"]
