"""The workload weights: a Django setting, KIEMSAT_WORKLOAD_WEIGHTS (a dict overriding any of
DEFAULTS), read on every use so a changed setting applies at once."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    "before_decision": 3,  # per open case the Court has not decided yet
    "after_decision": 1,  # per case decided, until it ends
    "complex_factor": 1.5,  # a complex case's weight is multiplied by this
    "deadline": 1,  # per deadline due in the next `deadline_days` working days
    "letter": 0.5,  # per issued recommendation awaiting a reply
    "deadline_days": 5,  # working days ahead
}


def weights() -> dict:
    w = dict(DEFAULTS)
    w.update(getattr(settings, "KIEMSAT_WORKLOAD_WEIGHTS", None) or {})
    return w
