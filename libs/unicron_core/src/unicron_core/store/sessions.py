"""The dashboard's sessions, kept on the server: the browser holds only a random cookie, and Redis
only its SHA-256 (a copy of Redis lets nobody sign in). A session names the API key it signed in
with by the key's SHA-256, so the key is checked again at every request: a revoked key ends its
sessions at once. Each lives ``idle_s`` after its latest request and ``max_s`` at most."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from unicron_core import keys
from unicron_core.replies import text
from unicron_core.store.ops import Batch, Op, call, one

COOKIE_BYTES = 32  # 256 bits


@dataclass(frozen=True)
class Session:
    """A signed-in browser: the key it signed in with (its SHA-256), the token its forms must
    carry, and when it began (epoch s)."""

    sid_digest: str
    key_digest: str
    csrf: str
    created: float


def sid_digest(cookie: str) -> str:
    """The SHA-256 of a session cookie, as sessions are stored."""
    return hashlib.sha256(cookie.encode()).hexdigest()


class Sessions:
    """Operations on dashboard sessions (run them with ``Store.run`` or ``AsyncStore.run``)."""

    def __init__(self, *, idle_s: int, max_s: int) -> None:
        self.idle_s = idle_s
        self.max_s = max_s

    def create(self, *, key_digest: str) -> Op[str]:
        """A new session for the key of SHA-256 ``key_digest``; its cookie (shown only to the
        browser)."""
        cookie = secrets.token_urlsafe(COOKIE_BYTES)
        record = {
            "key": key_digest,
            "csrf": secrets.token_urlsafe(COOKIE_BYTES),
            "created": repr(time.time()),
        }
        key = keys.ui_session(sid_digest(cookie))
        yield Batch([call("hset", key, mapping=record), call("expire", key, self.idle_s)], atomic=True)
        return cookie

    def touch(self, *, cookie: str) -> Op[tuple[Session, str | None] | None]:
        """The session of ``cookie``, its idle time restarted, and the message a change left for
        the next page (read once); None when there is none, or it is past its idle or absolute
        expiry (then it is deleted)."""
        digest = sid_digest(cookie)
        key = keys.ui_session(digest)
        fields, *_ = yield Batch(
            [call("hgetall", key), call("expire", key, self.idle_s), call("hdel", key, "flash")]
        )
        if not fields:
            return None
        created = float(fields[b"created"])
        if time.time() - created >= self.max_s:
            yield one(call("delete", key))
            return None
        session = Session(
            sid_digest=digest, key_digest=text(fields[b"key"]), csrf=text(fields[b"csrf"]), created=created
        )
        flash = fields.get(b"flash")
        return session, None if flash is None else text(flash)

    def flash(self, *, session: Session, message: str) -> Op[None]:
        """Leaves ``message`` for the session's next page (what a change did)."""
        yield one(call("hset", keys.ui_session(session.sid_digest), "flash", message))

    def once(self, *, session: Session, nonce: str) -> Op[str | None]:
        """Claims the form of ``nonce`` for one submission: None the first time, then what the
        first submission made (``made``), or "" while it is still being made (a double submit)."""
        key = keys.ui_form(session.sid_digest, nonce)
        claimed, made = yield Batch([call("set", key, "", nx=True, ex=self.idle_s), call("get", key)])
        return None if claimed else text(made or b"")

    def made(self, *, session: Session, nonce: str, what: str) -> Op[None]:
        """Records what the form of ``nonce`` made (a job's id), for its repeated submissions."""
        yield one(call("set", keys.ui_form(session.sid_digest, nonce), what, xx=True, ex=self.idle_s))

    def end(self, *, session: Session) -> Op[None]:
        """Deletes the session (sign-out, or its key is gone)."""
        yield one(call("delete", keys.ui_session(session.sid_digest)))
