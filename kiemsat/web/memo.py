"""Values read at most once per request.

A page asks the same questions many times (the units a user reads, whether one unit holds every
case, the people to urge again…): `per_request(key, compute)` answers them once while a request
scope is open. The scope is opened by `kiemsat.web.middleware.SecurityHeadersMiddleware` for GET
and HEAD requests only — requests that
change nothing, so an answer cannot go stale within them — and any save or delete of a case, an
event, a unit, a user or a letter clears it anyway (a GET that records something on the side).
Outside a scope (services, commands, tests, POST requests) every call computes: nothing is kept.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

_SCOPE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("kiemsat_request_memo", default=None)


@contextmanager
def request_scope():
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def per_request(key, compute):
    """compute() once per open request scope (every time when none is open)."""
    memo = _SCOPE.get()
    if memo is None:
        return compute()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = compute()
        return value


def active() -> bool:
    return _SCOPE.get() is not None


def forget(*_args, **_kwargs) -> None:
    """Drop what the open scope holds (a signal receiver: a model was saved or deleted)."""
    memo = _SCOPE.get()
    if memo:
        memo.clear()


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from kiemsat.cases.models import Case, Event
    from kiemsat.letters.models import Letter, LetterFinding, LetterReply
    from kiemsat.org.models import Unit, User

    for model in (Case, Event, Unit, User, Letter, LetterFinding, LetterReply):
        post_save.connect(forget, sender=model, dispatch_uid=f"kiemsat-memo-save-{model._meta.label}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"kiemsat-memo-delete-{model._meta.label}")
    m2m_changed.connect(forget, dispatch_uid="kiemsat-memo-m2m")
