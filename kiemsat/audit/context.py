"""Who is acting, for the audit log: set per request by the middleware, per command by the CLI."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    ip: str


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("kiemsat_actor", default=None)


def current_actor() -> Actor | None:
    return _actor.get()


def set_actor(actor: Actor | None):
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)
