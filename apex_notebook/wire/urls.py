"""Gateway URLs without their secrets: user-info is removed before a URL is parsed, shown or quoted.

``urllib.parse.urlsplit`` is not enough on its own: ``"ops:demo@apex.example.com"`` (no scheme) is
read as scheme ``ops`` and path ``demo@apex.example.com``, and ``"https://ops:pa/ss@host"`` as host
``ops`` with the port ``pa`` (its ``ValueError`` quotes the password). So the user-info is cut off
first, by position: everything between the start of the authority (after ``scheme://``, after
``//``, or at the very start when there is no scheme) and the last ``@`` of the text (a typed
password may hold ``@``, ``/``, ``?`` or ``#``). A base URL whose removed part holds ``/``, ``?``
or ``#`` is refused as ambiguous: an ``@`` in a path or query is not told apart from user-info.
"""

from __future__ import annotations

import re
import urllib.parse

__all__ = ["base_url_root", "safe_url", "strip_userinfo"]

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_EXAMPLE = "https://apex.example.com:8443"


def _split_userinfo(url: str) -> tuple[str, str | None]:
    """``(url without user-info, the user-info or None)``; the user-info is never to be shown."""
    text = str(url)
    match = _SCHEME.match(text)
    start = match.end() if match else (2 if text.startswith("//") else 0)
    rest = text[start:]
    at = rest.rfind("@")  # the LAST "@" anywhere: a password may hold "@", "/", "?" or "#"
    if at < 0:
        return text, None
    return text[:start] + rest[at + 1:], rest[:at]


def strip_userinfo(url: str) -> tuple[str, bool]:
    """``(url without any user-info, whether there was some)``; nothing else is changed."""
    text, userinfo = _split_userinfo(url)
    return text, userinfo is not None


def _shown(url: str) -> str:
    """What an error may quote: no user-info, query or fragment (they can carry secrets)."""
    text, _ = strip_userinfo(url)
    return re.split(r"[?#]", text.strip(), maxsplit=1)[0]


def safe_url(url: str) -> str:
    """``url`` without user-info, query or fragment, so nothing secret can ride along in a display."""
    text = _shown(url)
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def base_url_root(url: str) -> str:
    """The gateway's host root: scheme, host, port and path, without ``/``, ``/AP`` or user-info.

    Raises ``ValueError`` naming what is wrong; the value is quoted with its user-info, query and
    fragment removed, so a password written into the URL never appears in the message.
    """
    if not isinstance(url, str):
        raise ValueError(f"base_url must be a string like {_EXAMPLE}, not a {type(url).__name__}")
    text, userinfo = _split_userinfo(url.strip())
    shown = _shown(url.strip())
    removed = " (with its user-info removed)" if userinfo is not None else ""
    problem = _problem(text)
    if userinfo is not None and any(c in userinfo for c in "/?#"):  # a path or query with "@"?
        problem = "an '@' follows a '/', '?' or '#', so the host cannot be told apart from user-info"
    if problem is None:
        parts = urllib.parse.urlsplit(text)
        host = parts.hostname or ""
        netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
        path = parts.path.rstrip("/")
        if path.lower().endswith("/ap"):
            path = path[:-3]
        return urllib.parse.urlunsplit((parts.scheme.lower(), netloc, path.rstrip("/"), "", ""))
    hint = (" Pass the user name and password as username= and password=, never inside the URL."
            if userinfo is not None else "")
    raise ValueError(f"base_url must be an http(s) URL like {_EXAMPLE} ({problem}); the value "
                     f"given{removed} was {shown!r}.{hint}")


def _problem(text: str) -> str | None:
    """What is wrong with a user-info-free URL, or ``None``."""
    try:
        parts = urllib.parse.urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        return "its host or port cannot be read"
    if parts.scheme.lower() not in ("http", "https"):
        return ("it has no http:// or https:// scheme" if not _SCHEME.match(text)
                else f"the scheme {parts.scheme!r} is not http or https")
    if not parts.hostname:
        return "it names no host"
    return None
