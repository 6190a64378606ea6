"""Security headers (Talisman): CSP with script nonces, framing, nosniff, referrer."""

from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

SELF = "'self'"

# Scripts come from our own origin or carry the request's nonce (FAB's templates print
# `csp_nonce()` on every script tag); no inline handlers, no eval. Inline styles stay
# allowed: FAB's widgets and our templates use `style=` attributes.
CONTENT_SECURITY_POLICY = {
    "default-src": SELF,
    "script-src": SELF,
    "style-src": [SELF, "'unsafe-inline'"],
    "img-src": [SELF, "data:"],
    "font-src": SELF,
    "connect-src": SELF,
    "object-src": "'none'",
    "base-uri": SELF,
    "form-action": SELF,
    "frame-ancestors": "'none'",
}


def install_security_headers(app: Flask) -> None:
    """Send CSP, X-Frame-Options, nosniff and Referrer-Policy on every response.

    HTTPS is terminated by the proxy: no redirect here (``FORCE_HTTPS`` turns it on) and
    the session cookie's ``Secure`` flag stays as configured (``SESSION_COOKIE_SECURE``).
    """
    Talisman(  # one instance per app: Talisman keeps its options on the instance
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        x_content_type_options=True,
    )
