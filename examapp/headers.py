"""Security headers on every response, and no caching of anything but static assets.

The policy allows scripts, styles and images from this site only (no inline script: a page that
echoed a hostile string still could not run it), no framing (clickjacking of the paper or the
proctor's room), no MIME sniffing, and no full URLs in Referer (paths carry exam and attempt ids).
Pages and API answers carry personal data and, after review, answer keys: `no-store` keeps them out
of shared and browser caches, so the next person at an exam-room computer cannot page back to them.
HSTS is sent in production, where the app is served over HTTPS.
"""

from __future__ import annotations

from flask import Flask, Response, request

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
ALWAYS = {
    "Content-Security-Policy": POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    always = dict(ALWAYS)
    if app.config.get("ENV_NAME") == "production":
        always["Strict-Transport-Security"] = HSTS

    @app.after_request
    def _secure(response: Response) -> Response:
        headers = response.headers
        # One pass over the headers a view set, not one per header added: this runs on every save.
        present = {name.lower() for name, _value in headers.items()}
        for name, value in always.items():
            if name.lower() not in present:
                headers.add(name, value)
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
        return response
