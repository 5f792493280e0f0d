"""`examapp banks ...`: exit codes 0/1/2 and the CONTRACT's JSON."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from examapp import db
from examapp.banks.models import Question, QuestionBank
from importers import limits
from tests.banks.files import AIKEN, good_rows, row, xlsx_bytes
from tests.factories import make_user


def _file(tmp_path, rows, name="bank.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(rows))
    return str(path)


def _count(app, model=Question) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_import_creates_the_bank_and_prints_the_contract_json(app, runner, tmp_path):
    owner = make_user(app, "trainer")
    path = _file(tmp_path, good_rows(3))
    result = runner.invoke(
        args=["banks", "import", path, "--bank", "Lịch sử", "--json", "--owner", owner.username]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "bank": "Lịch sử",
        "imported": 3,
        "duplicates": 0,
        "skipped": 0,
        "errors": [],
        "error_count": 0,
    }
    with app.app_context():
        assert db.session().scalar(select(QuestionBank.owner_id)) == owner.id
    again = runner.invoke(args=["banks", "import", path, "--bank", "Lịch sử", "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["duplicates"] == 3 and _count(app) == 3


def test_rejected_file_exits_1_listing_every_error(app, runner, tmp_path):
    path = _file(tmp_path, [*good_rows(2), row("x", answer="Q"), row("y", difficulty="siêu khó")])
    result = runner.invoke(args=["banks", "import", path, "--bank", "B", "--json"])
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["imported"] == 0 and [(e["row"], e["column"]) for e in body["errors"]] == [
        (4, "answer"),
        (5, "difficulty"),
    ]
    assert _count(app) == 0
    human = runner.invoke(args=["banks", "import", path, "--bank", "B"])
    assert human.exit_code == 1
    assert "row 4, column answer:" in human.stderr and "row 5, column difficulty:" in human.stderr
    assert human.stdout == ""


def test_errors_past_the_listed_ones_are_counted(app, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ERRORS", 2)
    path = _file(tmp_path, [row(f"Sai {n}", answer="Z") for n in range(5)])
    body = json.loads(runner.invoke(args=["banks", "import", path, "--bank", "B", "--json"]).stdout)
    assert (len(body["errors"]), body["error_count"]) == (2, 5)
    human = runner.invoke(args=["banks", "import", path, "--bank", "B"])
    assert "... and 3 more error(s), not listed" in human.stderr and "5 error(s) in 5 row(s)" in human.stderr


def test_skip_invalid_exits_0(app, runner, tmp_path):
    path = _file(tmp_path, [*good_rows(2), row("x", answer="Q")])
    result = runner.invoke(args=["banks", "import", path, "--bank", "B", "--skip-invalid", "--json"])
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert (body["imported"], body["skipped"], len(body["errors"])) == (2, 1, 1)


def test_dry_run_writes_nothing_not_even_a_new_bank(app, runner, tmp_path):
    path = _file(tmp_path, good_rows(3))
    result = runner.invoke(args=["banks", "import", path, "--bank", "New", "--dry-run", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["imported"] == 3
    assert _count(app) == 0 and _count(app, QuestionBank) == 0
    runner.invoke(args=["banks", "import", path, "--bank", "New"])
    dry_again = runner.invoke(args=["banks", "import", path, "--bank", "New", "--dry-run", "--json"])
    assert json.loads(dry_again.stdout)["duplicates"] == 3 and _count(app) == 3


def test_unreadable_or_missing_file_and_bad_usage_exit_2(app, runner, tmp_path):
    fake = tmp_path / "bank.xlsx"
    fake.write_text("not a workbook")
    result = runner.invoke(args=["banks", "import", str(fake), "--bank", "B", "--json"])
    assert result.exit_code == 2
    body = json.loads(result.stdout)
    assert "not a valid xlsx" in body["error"] and body["errors"][0]["row"] is None
    missing = runner.invoke(args=["banks", "import", str(tmp_path / "nope.xlsx"), "--bank", "B", "--json"])
    assert missing.exit_code == 2 and "cannot read" in json.loads(missing.stdout)["error"]
    assert (
        runner.invoke(args=["banks", "import", str(fake), "--bank", "B", "--format", "docx"]).exit_code == 2
    )
    assert runner.invoke(args=["banks", "import", str(fake)]).exit_code == 2
    assert _count(app) == 0


def test_text_format_and_list(app, runner, tmp_path):
    path = tmp_path / "bank.txt"
    path.write_text(AIKEN, encoding="utf-8")
    assert (
        runner.invoke(args=["banks", "import", str(path), "--bank", "Aiken", "--format", "aiken"]).exit_code
        == 0
    )
    listed = runner.invoke(args=["banks", "list", "--json"])
    assert listed.exit_code == 0
    (bank,) = json.loads(listed.stdout)["banks"]
    assert (bank["name"], bank["active"], bank["topics"]) == ("Aiken", 2, 1)
    assert "Aiken" in runner.invoke(args=["banks", "list"]).stdout


def test_export_writes_a_file_and_unknown_bank_exits_1(app, runner, tmp_path):
    runner.invoke(args=["banks", "import", _file(tmp_path, good_rows(2)), "--bank", "B"])
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["banks", "export", "B", "--out", str(out)])
    assert result.exit_code == 0 and out.read_bytes()[:2] == b"PK"
    assert runner.invoke(args=["banks", "export", "Nope", "--out", str(out)]).exit_code == 1


def test_an_unknown_owner_is_rejected_with_exit_1_and_creates_nothing(app, runner, tmp_path):
    result = runner.invoke(args=["banks", "import", _file(tmp_path, good_rows(2)), "--bank", "B",
                                 "--owner", "ghost", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"] == "no user named 'ghost'"
    assert _count(app, QuestionBank) == 0 and _count(app) == 0


def test_only_trainers_and_admins_may_own_a_bank(app, runner, tmp_path):
    path = _file(tmp_path, good_rows(2))
    for role in ("candidate", "proctor", "leader"):
        user = make_user(app, role)
        result = runner.invoke(args=["banks", "import", path, "--bank", "B", "--owner", user.username])
        assert result.exit_code == 1
        assert f"'{user.username}' is a {role}: a bank's owner must be a trainer or an admin" in result.stderr
        assert result.stdout == ""
    assert _count(app, QuestionBank) == 0 and _count(app) == 0
    admin = make_user(app, "admin")
    owned = runner.invoke(args=["banks", "import", path, "--bank", "B", "--owner", admin.username])
    assert owned.exit_code == 0, owned.output
    with app.app_context():
        assert db.session().scalar(select(QuestionBank.owner_id)) == admin.id


def test_a_bank_name_the_rules_refuse_exits_1(app, runner, tmp_path):
    result = runner.invoke(args=["banks", "import", _file(tmp_path, good_rows(1)), "--bank", "   ", "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["error"] == "the bank needs a name"
    assert _count(app, QuestionBank) == 0
