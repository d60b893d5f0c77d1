"""The register: one Case per person the Court considers sending to a measure, and the
procedural Events that are the source of truth for everything derived from it.

A few columns of Case summarise its events (số thụ lý, dates, stage, outcome) so the register
can filter and sort in the database; `services.refresh_summary` is the only writer of them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from kiemsat.domain.events import APPEAL_RESULT_LABELS, EVENT_TYPES, MEASURE_LABELS, OUTCOME_LABELS
from kiemsat.domain.stage import STAGE_LABELS, Stage
from kiemsat.org.models import Agency, Court, Unit

MEASURE_CHOICES = [(k.value, v) for k, v in MEASURE_LABELS.items()]
OUTCOME_CHOICES = [(k.value, v) for k, v in OUTCOME_LABELS.items()]
APPEAL_RESULT_CHOICES = [(k.value, v) for k, v in APPEAL_RESULT_LABELS.items()]
EVENT_CHOICES = [(t.code, t.label) for t in EVENT_TYPES]
STAGE_CHOICES = [(k.value, v) for k, v in STAGE_LABELS.items()]


class Sex(models.TextChoices):
    MALE = "M", "Nam"
    FEMALE = "F", "Nữ"


class Case(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", "Nhập trên phần mềm"
        IMPORT = "import", "Nhập từ sổ Excel"
        DEMO = "demo", "Dữ liệu mẫu"

    # no index of its own on unit, thu_ly_date, year: the composite indexes below (and in migration
    # 0005) start with them and serve the same queries; one less index each for every case written
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases", verbose_name="Đơn vị",
                             db_index=False)
    court = models.ForeignKey(Court, on_delete=models.PROTECT, null=True, blank=True, related_name="cases",
                              verbose_name="Tòa án")
    proposer = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="cases",
                                 verbose_name="Cơ quan đề nghị")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="assigned_cases", verbose_name="Cán bộ được phân công")

    # The person
    person_name = models.CharField("Họ và tên", max_length=120)
    birth_year = models.PositiveSmallIntegerField("Năm sinh", null=True, blank=True)
    birth_date = models.DateField("Ngày sinh", null=True, blank=True)
    sex = models.CharField("Giới tính", max_length=1, choices=Sex.choices, blank=True)
    residence = models.CharField("Nơi cư trú", max_length=300, blank=True)
    id_number = models.CharField("Số CCCD/CMND", max_length=20, blank=True)

    measure = models.CharField("Biện pháp", max_length=20, choices=MEASURE_CHOICES)
    vks_proposal = models.TextField("Đề xuất của Viện kiểm sát", blank=True)
    complex = models.BooleanField("Vụ việc phức tạp", default=False)
    notes = models.TextField("Ghi chú", blank=True)
    source = models.CharField("Nguồn", max_length=10, choices=Source.choices, default=Source.MANUAL)
    # The acts this case's records track (RULES.md "overdue"): null = every event type the app offers.
    tracked_events = models.JSONField("Bước được theo dõi", null=True, blank=True)

    # Summary of the events (written only by services.refresh_summary)
    so_thu_ly = models.CharField("Số thụ lý", max_length=60, blank=True, db_index=True)
    thu_ly_date = models.DateField("Ngày thụ lý", null=True, blank=True)
    received_date = models.DateField("Ngày Tòa án nhận hồ sơ", null=True, blank=True)
    year = models.PositiveSmallIntegerField("Năm", null=True, blank=True)
    decision_date = models.DateField("Ngày quyết định", null=True, blank=True)
    outcome = models.CharField("Kết quả", max_length=20, choices=OUTCOME_CHOICES, blank=True)
    term_months = models.PositiveSmallIntegerField("Thời hạn (tháng)", null=True, blank=True)
    stage = models.CharField("Giai đoạn", max_length=20, choices=STAGE_CHOICES, default=Stage.PROPOSER, db_index=True)
    # What the statistics read instead of the events (stats.selectors; null = none, or a row written
    # without them — the readers then look at the events): the newest date on any event (its date,
    # receipt or end date) and the first dated delivery or exemption from execution.
    last_date = models.DateField("Ngày gần nhất trên sự kiện", null=True, blank=True, editable=False)
    done_date = models.DateField("Ngày bàn giao hoặc miễn chấp hành", null=True, blank=True, editable=False)
    effective_floor = models.DateField("Mốc sớm nhất của ngày hiệu lực", null=True, blank=True, editable=False)
    # Search and sort shadows
    name_sort = models.CharField(max_length=400, blank=True, db_index=True)
    search_folded = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # the history is read by case (id) and date; the register's indexes would only slow every write
    history = HistoricalRecords(no_db_index=["unit", "court", "proposer", "assigned_to", "so_thu_ly", "thu_ly_date",
                                             "year", "stage", "name_sort"])

    class Meta:
        verbose_name = "vụ việc"
        verbose_name_plural = "vụ việc"
        constraints = [
            models.UniqueConstraint(
                fields=["court", "year", "so_thu_ly"],
                condition=~models.Q(so_thu_ly=""),
                name="unique_so_thu_ly_per_court_year",
            )
        ]
        indexes = [models.Index(fields=["unit", "stage"]), models.Index(fields=["unit", "name_sort"])]

    def __str__(self) -> str:
        return f"{self.person_name} ({self.so_thu_ly})" if self.so_thu_ly else self.person_name


class Event(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name="Vụ việc")
    code = models.CharField("Loại sự kiện", max_length=40, choices=EVENT_CHOICES)
    date = models.DateField("Ngày trên văn bản", null=True, blank=True)
    received = models.DateField("Ngày VKS nhận", null=True, blank=True)
    end = models.DateField("Đến ngày", null=True, blank=True)
    number = models.CharField("Số văn bản", max_length=60, blank=True)
    outcome = models.CharField("Kết quả", max_length=20, choices=OUTCOME_CHOICES, blank=True)
    term_months = models.PositiveSmallIntegerField("Thời hạn (tháng)", null=True, blank=True)
    prosecutor_present = models.BooleanField("Kiểm sát viên có mặt", null=True, blank=True)
    # appeal_decision: how the provincial court ruled on the khiếu nại / kiến nghị / kháng nghị (null: not recorded)
    appeal_result = models.CharField("Kết quả giải quyết khiếu nại, kiến nghị, kháng nghị", max_length=20,
                                     choices=APPEAL_RESULT_CHOICES, null=True, blank=True)
    note = models.TextField("Ghi chú", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "sự kiện tố tụng"
        # no (case, code) index beside the case's own: a case has a dozen events, read by case

    def __str__(self) -> str:
        return f"{self.get_code_display()} {self.date or ''}"


class CaseKeyField(models.OneToOneField):
    """A one-to-one primary key to Case. On SQLite its column is declared INTEGER, so it is the
    table's rowid: reading a case's row is one b-tree lookup, not two (an index, then the table)."""

    def db_type(self, connection):
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class CaseDigest(models.Model):
    """The case's events packed for the columnar findings scan (`kiemsat.domain.vector.pack`): one
    short binary row per case, so a scan of every case reads one row per case, not its events.

    Derived data, like the summary columns of Case: written only by `services.refresh_summary`
    (and the demo's bulk insert), in the same transaction as the events it is made from. A missing
    digest, or one of an older layout, is never trusted: that case is evaluated from its events."""

    case = CaseKeyField(Case, on_delete=models.CASCADE, primary_key=True, related_name="digest")
    packed = models.BinaryField()

    class Meta:
        verbose_name = "tóm tắt sự kiện (quét thời hạn)"
