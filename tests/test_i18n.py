"""Vietnamese and English pages: who picks the language, and catalogs that are complete and compiled."""

from __future__ import annotations

import re
from collections import Counter
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

import examapp
from examapp import db
from examapp.auth.models import User
from tests.factories import log_in, make_client, make_unit, make_user

CATALOG_DIR = Path(examapp.__file__).parent / "translations" / "vi" / "LC_MESSAGES"
DOMAINS = ("messages", "wtforms")
# %(name)s, %(num)d, %s, {n}: what the code fills in, and so what a translation must keep.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{\w*\}")
VI = {"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def page(client, path: str = "/login", headers: dict | None = None) -> str:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def is_english(html: str) -> bool:
    return '<html lang="en">' in html and "Đăng" not in html


def stored_locale(app, username: str) -> str | None:
    with app.app_context():
        return db.session().query(User).filter_by(username=username).one().locale


# ---- who picks the language ----

def test_vietnamese_browser_gets_the_login_page_in_vietnamese(client):
    html = page(client, headers=VI)
    assert '<html lang="vi">' in html
    assert "<h1>Đăng nhập</h1>" in html
    assert "Tên đăng nhập" in html and "Mật khẩu" in html


def test_english_browser_gets_the_login_page_in_english(client):
    html = page(client, headers=EN)
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html
    assert "Đăng nhập" not in html


@pytest.mark.parametrize("default", ["vi", "en"])
@pytest.mark.parametrize("headers", [{}, {"Accept-Language": "fr-FR,fr;q=0.9"}],
                         ids=["browser says nothing", "browser wants another language"])
def test_default_locale_applies_when_the_browser_gives_no_usable_language(request, app_config, default,
                                                                          headers):
    app_config["BABEL_DEFAULT_LOCALE"] = default
    html = page(request.getfixturevalue("client"), headers=headers)
    assert f'<html lang="{default}">' in html
    assert ("<h1>Đăng nhập</h1>" if default == "vi" else "<h1>Log in</h1>") in html


def test_switch_overrides_the_browser_for_a_visitor(client):
    response = client.post("/language", data={"lang": "en", "next": "/login"}, headers=VI)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert is_english(page(client, headers=VI))
    client.post("/language", data={"lang": "vi"}, headers=EN)
    assert "<h1>Đăng nhập</h1>" in page(client, headers=EN)


def test_switch_is_remembered_for_a_logged_in_user_on_another_machine(app):
    first = make_client(app, "candidate")
    assert stored_locale(app, first.user.username) is None
    first.post("/language", data={"lang": "en", "next": "/"}, headers=VI)
    assert stored_locale(app, first.user.username) == "en"

    elsewhere = app.test_client()
    assert log_in(elsewhere, first.user.username).status_code == 200
    html = page(elsewhere, "/", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in html and "Log out" in html and "Đăng xuất" not in html


def test_a_browser_asking_for_english_is_not_held_to_an_earlier_vietnamese_choice(app):
    user = make_client(app, "candidate")
    user.post("/language", data={"lang": "vi", "next": "/"})
    later = app.test_client()
    assert is_english(page(later, headers=EN))  # the login page
    log_in(later, user.user.username)
    assert "Log out" in page(later, "/", headers=EN), "the session speaks as the login page did"


def test_a_choice_made_before_logging_in_is_kept_after_it(app):
    user = make_user(app, "candidate")
    c = app.test_client()
    c.post("/language", data={"lang": "en", "next": "/login"}, headers=VI)
    log_in(c, user.username)
    assert "Log out" in page(c, "/", headers=VI)


def test_a_logged_in_user_who_never_chose_follows_the_browser(app):
    user = make_user(app, "candidate")
    for headers, word in ((VI, "Đăng xuất"), (EN, "Log out")):
        c = app.test_client()
        log_in(c, user.username)
        assert word in page(c, "/", headers=headers)


def test_unknown_language_changes_nothing(app):
    c = make_client(app, "candidate")
    response = c.post("/language", data={"lang": "fr", "next": "/"}, headers=VI)
    assert response.status_code == 302
    assert stored_locale(app, c.user.username) is None
    assert "Đăng xuất" in page(c, "/", headers=VI)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)"])
def test_switch_only_redirects_inside_the_site(client, target):
    response = client.post("/language", data={"lang": "vi", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


# ---- what gets translated ----

def test_menu_and_role_labels_follow_each_request_language(app):
    admin = make_user(app, "admin")
    c = app.test_client()
    log_in(c, admin.username)
    vi = page(c, "/admin", headers=VI)
    assert "Cây tổ chức" in vi and "Quản trị viên" in vi and "Ngân hàng câu hỏi" in vi
    en = page(c, "/admin", headers=EN)
    assert "Organisation tree" in en and "Administrator" in en and "Question banks" in en


def test_form_validation_messages_come_in_vietnamese(client):
    response = client.post("/login", data={"username": "", "password": ""}, headers=VI)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Trường này là bắt buộc." in html and "This field is required." not in html
    english = client.post("/login", data={"username": "", "password": ""}, headers=EN)
    assert "This field is required." in english.get_data(as_text=True)


def test_flash_message_is_translated(client):
    response = client.post("/login", data={"username": "nobody", "password": "wrong"}, headers=VI)
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.get_data(as_text=True)


def test_error_page_speaks_the_readers_language(client):
    vi = client.get("/no-such-page", headers=VI)
    assert vi.status_code == 404 and "Trang này không tồn tại." in vi.get_data(as_text=True)
    en = client.get("/no-such-page", headers=EN)
    assert en.status_code == 404 and "This page does not exist." in en.get_data(as_text=True)


def test_unit_kinds_are_shown_in_vietnamese(app):
    c = make_client(app, "admin")
    make_unit(app, "CB01", "Chi bộ Văn phòng", kind="cell")
    html = page(c, "/units", headers=VI)
    assert "(Chi bộ cơ sở)" in html and '<option value="park">Khu công nghiệp</option>' in html


# ---- the catalogs ----

def catalog(domain: str):
    with (CATALOG_DIR / f"{domain}.po").open("rb") as fh:
        return read_po(fh, locale="vi", domain=domain)


def entries(cat) -> dict:
    """msgid -> msgstr; plural ids and forms as tuples (read_mo gives lists)."""
    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {plain(m.id): plain(m.string) for m in cat if m.id}


@pytest.mark.parametrize("domain", DOMAINS)
def test_compiled_catalog_matches_the_po_file(domain):
    """A .po edited without `make translations` (pybabel compile) fails here."""
    compiled = BytesIO()
    write_mo(compiled, catalog(domain))
    compiled.seek(0)
    with (CATALOG_DIR / f"{domain}.mo").open("rb") as fh:
        shipped = read_mo(fh)
    assert entries(shipped) == entries(read_mo(compiled))


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_has_a_vietnamese_translation_with_the_same_placeholders(domain):
    cat = catalog(domain)
    assert (cat.num_plurals, cat.plural_expr) == (1, "0")
    problems = []
    for message in cat:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or len(strings) != cat.num_plurals or not all(s and s.strip() for s in strings):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
            continue
        wanted = Counter(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            if Counter(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {ids[-1]!r} -> {text!r}")
    assert not problems, "\n".join(problems)
    assert not cat.obsolete
