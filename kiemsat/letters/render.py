"""Turning a letter's context into a .docx (docxtpl) and, where LibreOffice is installed, a PDF.

- One Jinja environment: sandboxed (templates are uploaded by users), autoescaped (values become
  XML text), StrictUndefined (a misspelt variable is an error, not a silent blank), with the
  Vietnamese date filters `vndate` (05/02/2025), `vndate_long` (ngày 05 tháng 02 năm 2025) and
  `two` (05).
- `check_template(data, kind)`: what an upload must pass — a readable .docx, no broken tag, no
  unknown variable, and a trial render against a sample context of that kind. Vietnamese messages.
- `render_docx(template_bytes, context)` -> bytes; `to_pdf(docx_bytes)` -> bytes or PdfUnavailable.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from django.core.exceptions import ValidationError
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from kiemsat.domain import dates

DOCX_DIR = Path(__file__).resolve().parent / "docx"
SHIPPED = {
    "kien-nghi-toa-an": DOCX_DIR / "kien-nghi-toa-an.docx",
    "kien-nghi-phong-ngua": DOCX_DIR / "kien-nghi-phong-ngua.docx",
    "don-doc": DOCX_DIR / "don-doc.docx",
}
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


def _two(v) -> str:
    try:
        return f"{int(v):02d}"
    except (TypeError, ValueError):
        return "" if v is None else str(v)


def jinja_env() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    env.filters["vndate"] = dates.fmt
    env.filters["vndate_long"] = dates.fmt_long
    env.filters["two"] = _two
    return env


def shipped_template(kind: str) -> bytes:
    return SHIPPED[kind].read_bytes()


def render_docx(template: bytes, context: dict) -> bytes:
    """Render a .docx template with a context (top-level dict of plain values / dataclasses)."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(template))
    try:
        tpl.render(context, jinja_env=jinja_env(), autoescape=True)
    except TemplateError as exc:
        raise ValidationError(_template_error_text(exc)) from exc
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def _template_error_text(exc: Exception) -> str:
    msg = str(getattr(exc, "message", None) or exc)
    near = ""
    ctx = getattr(exc, "docx_context", None)
    if ctx:
        text = " ".join(t.strip() for t in ctx if t and t.strip())
        if text:
            near = f" Gần đoạn: «{text[:160]}»."
    if isinstance(exc, TemplateSyntaxError):
        return (f"Mẫu có thẻ bị lỗi: {msg}.{near} Hãy kiểm tra các cặp {{{{ … }}}} và {{% … %}} "
                f"(mỗi {{%p for %}} cần một {{%p endfor %}}, mỗi {{% if %}} cần một {{% endif %}}).")
    if isinstance(exc, UndefinedError):
        return f"Mẫu dùng một biến hoặc thuộc tính không có: {msg}.{near}"
    return f"Không điền được mẫu: {msg}.{near}"


def check_template(data: bytes, kind: str, sample_context: dict, known: set[str]) -> None:
    """Refuse (ValidationError, Vietnamese) a template that cannot be rendered for `kind`."""
    from docxtpl import DocxTemplate

    if not data:
        raise ValidationError("Tệp rỗng.")
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ValidationError("Tệp mẫu quá lớn (tối đa 5 MB).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "word/document.xml" not in z.namelist():
                raise ValidationError("Tệp không phải văn bản Word .docx (thiếu word/document.xml).")
    except zipfile.BadZipFile as exc:
        raise ValidationError("Tệp không phải văn bản Word .docx hợp lệ (.doc cũ hãy lưu lại dạng .docx).") from exc
    try:
        tpl = DocxTemplate(io.BytesIO(data))
        env = jinja_env()
        unknown = tpl.get_undeclared_template_variables(jinja_env=env) - known
    except TemplateSyntaxError as exc:
        raise ValidationError(_template_error_text(exc)) from exc
    except ValidationError:
        raise
    except Exception as exc:  # a damaged package that python-docx cannot open
        raise ValidationError(f"Không đọc được tệp .docx: {exc.__class__.__name__}.") from exc
    if unknown:
        raise ValidationError(
            "Mẫu dùng biến không có: " + ", ".join(sorted(unknown))
            + ". Các biến dùng được: " + ", ".join(sorted(known)) + ".")
    render_docx(data, sample_context)  # unknown attributes, bad filters, loops over non-lists…


# ------------------------------------------------------------------------------ PDF
class PdfUnavailable(Exception):
    """LibreOffice is not installed (or failed): the product works without it and says so."""


def soffice_path() -> str | None:
    for name in ("soffice", "libreoffice"):
        p = shutil.which(name)
        if p:
            return p
    for p in (r"C:\Program Files\LibreOffice\program\soffice.exe", r"C:\Program Files (x86)\LibreOffice\program\soffice.exe"):
        if os.path.exists(p):
            return p
    return None


def pdf_available() -> bool:
    return soffice_path() is not None


NO_PDF = ("Máy này chưa cài LibreOffice nên không xem trước được bản PDF. Hãy tải tệp Word (.docx) "
          "để xem; quản trị có thể cài LibreOffice để bật chức năng này.")


def to_pdf(docx: bytes, timeout: int = 180) -> bytes:
    exe = soffice_path()
    if exe is None:
        raise PdfUnavailable(NO_PDF)
    with tempfile.TemporaryDirectory(prefix="kiemsat-pdf-") as tmp:
        src = Path(tmp) / "van-ban.docx"
        src.write_bytes(docx)
        profile = Path(tmp) / "profile"
        cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
               "--convert-to", "pdf", "--outdir", tmp, str(src)]
        try:
            r = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"LibreOffice không chuyển được văn bản sang PDF ({exc.__class__.__name__}).") from exc
        out = Path(tmp) / "van-ban.pdf"
        if r.returncode != 0 or not out.exists():
            err = (r.stderr or b"").decode("utf-8", "replace").strip()[:200]
            raise PdfUnavailable(f"LibreOffice không chuyển được văn bản sang PDF. {err}".strip())
        return out.read_bytes()
