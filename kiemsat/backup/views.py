from __future__ import annotations

import datetime as dt
import threading

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from kiemsat.audit.services import record

from . import services
from .archive import BackupError, Key
from .forms import BackupForm, VerifyForm
from .models import Backup
from .templatetags.backup_tags import can_backup


def _guard(request):
    if not can_backup(request.user):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị hoặc quản trị được sao lưu, khôi phục.")


def _start(rec: Backup, to_dir: str, key: Key) -> None:
    if getattr(settings, "KIEMSAT_BACKUP_INLINE", False):
        services.run_recorded(rec, to_dir, key)
        return

    def work():
        try:
            services.run_recorded(rec, to_dir, key)
        finally:
            connection.close()

    threading.Thread(target=work, name=f"backup-{rec.pk}", daemon=True).start()


@require_http_methods(["GET", "POST"])
def index(request):
    _guard(request)
    stale = timezone.now() - dt.timedelta(hours=2)  # a run cut off by a crash or a restart
    Backup.objects.filter(status=Backup.Status.RUNNING, started_at__lt=stale).update(
        status=Backup.Status.FAILED, message="Bị gián đoạn (phần mềm dừng giữa chừng).")
    running = Backup.objects.filter(status=Backup.Status.RUNNING).first()
    form = BackupForm(initial={"to_dir": str(getattr(settings, "KIEMSAT_BACKUP_DIR", settings.DATA_DIR / "sao-luu"))})
    if request.method == "POST":
        form = BackupForm(request.POST)
        if running:
            form.add_error(None, "Đang có một lần sao lưu chạy; hãy chờ nó xong.")
        elif form.is_valid():
            d = form.cleaned_data
            key = Key(recipients=[form.recipient]) if d.get("use_recipient") else Key(passphrase=d["passphrase"])
            rec = Backup.objects.create(user=request.user, step="Chuẩn bị",
                                        encryption="recipient" if key.recipients else "passphrase")
            _start(rec, d["to_dir"].strip(), key)
            return redirect(f"{request.path}?job={rec.pk}")
    job = None
    if request.GET.get("job", "").isdigit():
        job = Backup.objects.filter(pk=int(request.GET["job"])).first()
    job = job or running
    return render(request, "backup/index.html", {
        "form": form, "job": job, "records": Backup.objects.select_related("user")[:30],
        "last": services.last_verified(), "verify_form": VerifyForm(),
        "remind_days": getattr(settings, "KIEMSAT_BACKUP_REMIND_DAYS", 30),
    })


def progress(request, pk: int):
    _guard(request)
    job = get_object_or_404(Backup, pk=pk)
    return render(request, "backup/_progress.html", {"job": job})


@require_http_methods(["POST"])
def verify(request):
    _guard(request)
    form = VerifyForm(request.POST)
    result = None
    if form.is_valid():
        path = form.cleaned_data["path"].strip()
        try:
            opened = services.verify_file(path, Key(passphrase=form.cleaned_data["passphrase"]))
        except BackupError as exc:
            result = {"ok": False, "message": str(exc)}
            record("backup.verify", None, f"Kiểm tra bản sao lưu {path}: không đạt"[:300], {"error": str(exc)})
        else:
            result = {"ok": True, "manifest": opened.manifest, "path": path}
            record("backup.verify", None, f"Kiểm tra bản sao lưu {path}: nguyên vẹn"[:300],
                   {"audit_head": opened.manifest["audit_head"]["hash"]})
            Backup.objects.filter(path=path, status=Backup.Status.OK).update(verified=True)
    if not getattr(request, "htmx", False):  # without JavaScript: the whole page, with the result
        return render(request, "backup/index.html", {
            "form": BackupForm(initial={"to_dir": str(getattr(settings, "KIEMSAT_BACKUP_DIR", ""))}), "job": None,
            "records": Backup.objects.select_related("user")[:30], "last": services.last_verified(),
            "verify_form": form, "result": result, "remind_days": getattr(settings, "KIEMSAT_BACKUP_REMIND_DAYS", 30)})
    return render(request, "backup/_verify_result.html", {"verify_form": form, "result": result})
