"""Security headers on every answer; nothing but static assets is cached."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from examapp import create_app
from tests.factories import make_client

TEMPLATES = Path(__file__).parents[2] / "examapp" / "templates"


def test_pages_carry_the_security_headers_and_are_not_stored(app):
    c = make_client(app, "admin")
    for path in ("/", "/login", "/units", "/api/v1/units", "/api/v1/nowhere"):
        headers = c.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"], path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store", path
        assert "Strict-Transport-Security" not in headers


def test_static_assets_may_be_cached(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_production_sends_hsts(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("EXAMAPP_INSTANCE_PATH", str(tmp_path / "prod"))
    app = create_app({**app_config, "ENV": "production", "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    app.extensions["examapp.engine"].dispose()


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_has_inline_script(template):
    """The policy refuses inline script: a template that had some would break in the browser."""
    text = template.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert "javascript:" not in text
