"""The `examapp` command as a user starts it: its own options only, quiet, quick to list its commands."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from examapp.cli import main

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FLASK_OPTIONS = ("--env-file", "--app", "--debug")


def _run(program: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "EXAMAPP_INSTANCE_PATH": str(tmp_path / "instance"),
           "EXAMAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    for name in ("EXAMAPP_REDIS_URL", "EXAMAPP_ENV", "FLASK_APP"):
        env.pop(name, None)
    return subprocess.run([str(BIN / program), *args], env=env, capture_output=True, text=True, timeout=120)


def test_help_lists_the_commands_without_flasks_options_or_the_store_warning(tmp_path):
    done = _run("examapp", "--help", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("banks", "exams", "init-db", "serve", "users"):
        assert f"  {command} " in done.stdout
    assert not [option for option in FLASK_OPTIONS if option in done.stdout]
    assert done.stderr == ""
    sub = _run("examapp", "banks", "import", "--help", tmp_path=tmp_path)
    assert sub.returncode == 0 and "--owner" in sub.stdout and sub.stderr == ""
    assert not [option for option in FLASK_OPTIONS if option in sub.stdout]


def test_help_builds_no_app_and_loads_no_service_nor_heavy_library():
    probe = (
        "import json, sys\n"
        "from examapp.cli import main\n"
        "try:\n"
        "    main(['banks', 'import', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert not [m for m in loaded if m.split(".")[0] in ("pandas", "openpyxl", "sqlalchemy", "alembic")]
    features = [p.name for p in (ROOT / "examapp").iterdir() if (p / "__init__.py").exists()]
    allowed = {"examapp", "examapp.cli", "examapp.console", "examapp.auth.roles",
               *(f"examapp.{name}" for name in features), *(f"examapp.{name}.cli" for name in features)}
    assert [m for m in loaded if m.startswith("examapp.") and m not in allowed] == []


def test_a_json_command_prints_one_document_and_no_store_warning(tmp_path):
    init = _run("examapp", "init-db", "--json", tmp_path=tmp_path)
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["status"] == "ok"
    listed = _run("examapp", "banks", "list", "--json", tmp_path=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {"banks": []}
    assert "in-process store" not in init.stderr + listed.stderr


def test_flask_app_examapp_still_finds_the_commands(tmp_path):
    done = _run("flask", "--app", "examapp", "--help", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("banks", "exams", "init-db", "serve", "users"):
        assert f"  {command} " in done.stdout


def test_usage_errors_exit_2():
    runner = CliRunner()
    assert runner.invoke(main, ["banks", "nonsense"]).exit_code == 2
    assert runner.invoke(main, ["--app", "examapp", "banks", "list"]).exit_code == 2
    assert runner.invoke(main, ["users", "create", "x.y", "--role", "king"]).exit_code == 2


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_features_import_console_never_cli_and_neither_names_a_feature():
    package = ROOT / "examapp"
    features = [p.name for p in package.iterdir() if (p / "__init__.py").exists()]
    feature_clis = sorted(package.glob("*/cli.py"))
    assert {p.parent.name for p in feature_clis} >= {"banks", "exams", "users"}
    for path in feature_clis:
        imports = _imports(path)
        assert "examapp.console" in imports, path
        assert "examapp.cli" not in imports, path
    for path in (package / "console.py", package / "cli.py"):
        named = [m for m in _imports(path) if any(m.startswith(f"examapp.{name}") for name in features)]
        assert named == [], path
