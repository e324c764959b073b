"""Settings: where the client connects and with which credentials.

The only module of apex_notebook that reads ``os.environ``, and only when asked
(:meth:`Settings.from_env`), never at import. Variables:

===================  ==========================================================
``APEX_URL``         gateway host root, e.g. ``https://apex.example.com:8443``
``APEX_USERNAME``    user name (Basic login)
``APEX_PASSWORD``    password (Basic login)
``APEX_API_KEY``     API key (HMAC login)
``APEX_API_SECRET``  API secret (HMAC login)
``APEX_USER_ID``     numeric user id (HMAC login)
``APEX_OMS_ID``      OMS id, default 1
``APEX_2FA_CODE``    a 2FA code, for users with 2FA enabled
===================  ==========================================================

Secrets (password, API secret, 2FA code) are masked in ``repr``. User-info written into the URL
(``APEX_URL=ops:demo@apex.example.com``) is removed when the settings are made: it is never kept,
shown or used (pass the credentials in their own variables).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from apex_notebook.wire.urls import safe_url, strip_userinfo

__all__ = ["ENV_VARS", "Settings", "safe_url"]

#: Settings field -> environment variable.
ENV_VARS: dict[str, str] = {
    "base_url": "APEX_URL",
    "username": "APEX_USERNAME",
    "password": "APEX_PASSWORD",
    "api_key": "APEX_API_KEY",
    "api_secret": "APEX_API_SECRET",
    "user_id": "APEX_USER_ID",
    "oms_id": "APEX_OMS_ID",
    "two_factor_code": "APEX_2FA_CODE",
}
_SECRET_FIELDS = frozenset({"password", "api_secret", "two_factor_code"})


@dataclass(frozen=True, repr=False)
class Settings:
    """Connection settings; secrets are never shown by ``repr``."""

    base_url: str
    username: str | None = None
    password: str | None = None
    api_key: str | None = None
    api_secret: str | None = None
    user_id: int | None = None
    oms_id: int = 1
    two_factor_code: str | None = None

    def __post_init__(self) -> None:
        """Drop any user-info from ``base_url``: a password written into the URL is never kept."""
        object.__setattr__(self, "base_url", strip_userinfo(self.base_url)[0])

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the ``APEX_*`` variables (from ``environ``, default ``os.environ``)."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(ENV_VARS[name], "").strip()
            return value or None

        base_url = get("base_url")
        if base_url is None:
            raise ValueError("APEX_URL is not set: export it (the gateway host root) or pass base_url")
        return cls(
            base_url=base_url,
            username=get("username"),
            password=get("password"),
            api_key=get("api_key"),
            api_secret=get("api_secret"),
            user_id=_int_var("user_id", get("user_id")),
            oms_id=_int_var("oms_id", get("oms_id")) or 1,
            two_factor_code=get("two_factor_code"),
        )

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "base_url":
                value = safe_url(value)
            shown = "'***'" if f.name in _SECRET_FIELDS and value is not None else repr(value)
            parts.append(f"{f.name}={shown}")
        return f"Settings({', '.join(parts)})"


def _int_var(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{ENV_VARS[name]} must be an integer, got {value!r}") from None
