"""Time-based one-time codes (RFC 6238) for the optional second login step."""

from __future__ import annotations

import time

import pyotp
import segno

ISSUER = "kiemsat"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG markup: no image file, no network."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#212529", light="#ffffff", title="Mã QR xác thực hai lớp")


def check(device, code: str) -> bool:
    """True for the current code (±30 s), each code only once."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(device.secret)
    now = int(time.time()) // 30
    for counter in (now - 1, now, now + 1):
        if counter > device.last_counter and totp.at(counter * 30) == code:
            type(device).objects.filter(pk=device.pk).update(last_counter=counter)
            device.last_counter = counter
            return True
    return False
