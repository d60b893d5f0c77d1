"""Security headers Django's SecurityMiddleware does not set: Content-Security-Policy and friends.

Scripts come only from this server's own static files: no inline <script>, no on*= handlers, no
eval (htmx runs with allowEval=false, Alpine is its CSP build). Inline style="" attributes are
allowed (Bootstrap utilities, progress bars)."""

from __future__ import annotations

from django.conf import settings

DEFAULT_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = getattr(settings, "KIEMSAT_CSP", DEFAULT_CSP)

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):  # a request that changes nothing: answers kept for its length
            from .memo import request_scope

            with request_scope():
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        # HTML only: a PDF shown in the browser's own viewer must not get object-src 'none'
        html = response.get("Content-Type", "").startswith("text/html")
        if self.csp and html and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.csp
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # pages with people's records must not stay in a shared PC's browser cache
            response.setdefault("Cache-Control", "no-store, private")
        return response
