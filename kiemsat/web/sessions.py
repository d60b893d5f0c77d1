"""Sessions that slide without a database write on every page.

The idle timeout (settings.SESSION_COOKIE_AGE) needs the session's end pushed back while the user is
active. Django's SESSION_SAVE_EVERY_REQUEST does that with an UPDATE per request — on SQLite a write
transaction behind every page view. Here the stored end is remembered when the session is read, and
`SlidingSessionMiddleware` saves only when it is more than KIEMSAT_SESSION_SLIDE_SECONDS (60) short
of a full period: the timeout stays exact to within that minute.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.utils import timezone


class SessionStore(DbSessionStore):
    stored_expiry: dt.datetime | None = None

    def _get_session_from_db(self):
        s = super()._get_session_from_db()
        self.stored_expiry = s.expire_date if s is not None else None
        return s


class SlidingSessionMiddleware:
    """Listed after SessionMiddleware, so on the way out it runs before SessionMiddleware decides
    whether to save: mark the session modified when its
    stored end has slid more than the allowed slack."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or session.modified:
            return response
        stored = getattr(session, "stored_expiry", None)
        slack = dt.timedelta(seconds=getattr(settings, "KIEMSAT_SESSION_SLIDE_SECONDS", 60))
        if stored is None or stored - timezone.now() < dt.timedelta(seconds=settings.SESSION_COOKIE_AGE) - slack:
            session.modified = True
        return response
