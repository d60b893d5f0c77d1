"""Settings of the file sync, read with defaults (a province may narrow what goes up).

KIEMSAT_SYNC_CASE_FIELDS   the Case fields a unit sends (its events and the references to unit,
                           court, proposing agency and assigned staff always go: they are the case)
KIEMSAT_SYNC_EVENT_FIELDS  the Event fields a unit sends (code and date always go)
KIEMSAT_SYNC_LETTER_STATES which letters go up (default: issued letters only)
KIEMSAT_SYNC_STAFF         True: the assigned staff's name and role go up and the province keeps an
                           inactive account per person (never able to log in) so workload reports
                           still group by person; False: cases arrive unassigned
KIEMSAT_SYNC_DIR           where the keys of this instance live (default DATA_DIR/sync)
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

ALL_CASE_FIELDS = ("person_name", "birth_year", "birth_date", "sex", "residence", "id_number", "measure",
                   "vks_proposal", "complex", "notes", "source", "tracked_events")
REQUIRED_CASE_FIELDS = ("person_name", "measure")
ALL_EVENT_FIELDS = ("received", "end", "number", "outcome", "term_months", "prosecutor_present", "appeal_result", "note")


def case_fields() -> tuple[str, ...]:
    chosen = getattr(settings, "KIEMSAT_SYNC_CASE_FIELDS", ALL_CASE_FIELDS)
    return tuple(dict.fromkeys([*REQUIRED_CASE_FIELDS, *(f for f in chosen if f in ALL_CASE_FIELDS)]))


def event_fields() -> tuple[str, ...]:
    from kiemsat.cases.models import Event

    have = {f.name for f in Event._meta.get_fields()}
    chosen = getattr(settings, "KIEMSAT_SYNC_EVENT_FIELDS", ALL_EVENT_FIELDS)
    return tuple(f for f in chosen if f in ALL_EVENT_FIELDS and f in have)


def letter_states() -> tuple[str, ...]:
    return tuple(getattr(settings, "KIEMSAT_SYNC_LETTER_STATES", ("issued",)))


def send_staff() -> bool:
    return bool(getattr(settings, "KIEMSAT_SYNC_STAFF", True))


def key_dir() -> Path:
    d = Path(getattr(settings, "KIEMSAT_SYNC_DIR", "") or Path(settings.DATA_DIR) / "sync")
    d.mkdir(parents=True, exist_ok=True)
    return d
