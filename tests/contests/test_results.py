"""Results: published after the close with the true number counted, frozen, with a SHA-256 anyone
can check; prizes per round and collective; participation against quotas; the xlsx export safe from
formula injection; integrity signals for organisers."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import update

from examapp import db
from examapp.contests import results
from examapp.contests.definitions import UnitSpec
from examapp.contests.models import ContestRound
from examapp.db import utcnow
from tests.contests.test_tries import _sit
from tests.factories import bearer_headers, make_bank, make_contest, register_participant


def _close_rounds(app, contest_id: int) -> None:
    with app.app_context():
        s = db.session()
        s.execute(update(ContestRound).where(ContestRound.contest_id == contest_id)
                  .values(closes_at=utcnow()))  # after every try started, before the publishing
        s.commit()


def _contest_with_entries(app, client):
    contest_id = make_contest(app, make_bank(app), prediction_question="Bao nhiêu bài đúng hết?",
                              prediction_target="all_correct_entries", prizes=2,
                              units=[UnitSpec("Cty A", 4), UnitSpec("Cty B")])
    people = []
    for unit, guess, right in (("Cty A", 2, 9), ("Cty A", 1, 9), ("Cty B", 7, 9), ("Cty B", 0, 2)):
        me = register_participant(client, contest_id, unit=unit, name="=HYPERLINK(\"http://x\")" if guess == 0
                                  else f"Người {guess}")
        client.post(f"/api/v1/contests/{contest_id}/prediction", headers=me["headers"], json={"value": guess})
        people.append((me, _sit(client, contest_id, me["headers"], right=right)))
    return contest_id, people


def test_results_wait_for_the_close_then_publish_once_with_a_checkable_hash(app, client):
    contest_id, people = _contest_with_entries(app, client)
    admin = bearer_headers(app, "admin")
    early = client.post(f"/api/v1/contests/{contest_id}/results", headers=admin, json={"round": 1})
    assert early.status_code == 409 and "after the close" in early.get_json()["error"]["message"]
    _close_rounds(app, contest_id)
    assert client.get(f"/api/v1/contests/{contest_id}/results?round=1").status_code == 404
    published = client.post(f"/api/v1/contests/{contest_id}/results", headers=admin, json={"round": 1})
    assert published.status_code == 201, published.get_json()
    document = client.get(f"/api/v1/contests/{contest_id}/results?round=1").get_json()  # public now
    perfect = sum(1 for _, done in people if done["score"] == done["max_score"])
    assert document["targets"] == {"1": perfect} and perfect == 3
    assert results.verify(document) and document["sha256"] == published.get_json()["sha256"]
    edited = {**document, "inputs": [{**document["inputs"][0], "score": "99"}, *document["inputs"][1:]]}
    assert not results.verify(edited)
    top = document["ranking"][:3]  # three perfect papers: the closest prediction (2, then 1 or 7) first
    assert [line["distance"] for line in top] == sorted(line["distance"] for line in top)
    assert top[0]["name"] == "Người 2" and top[0]["rank"] == 1
    assert [p["rank"] for p in document["prizes"]] == [1, 2]
    assert document["collective_prizes"]["most_winners"] == "Cty A"
    a = next(u for u in document["units"] if u["unit"] == "Cty A")
    assert a["participants"] == 2 and a["quota"] == 4 and a["quota_percent"] == 50.0
    again = client.post(f"/api/v1/contests/{contest_id}/results", headers=admin, json={"round": 1})
    assert again.status_code == 409


def test_the_export_keeps_formula_like_names_as_text(app, client):
    contest_id, _people = _contest_with_entries(app, client)
    _close_rounds(app, contest_id)
    admin = bearer_headers(app, "admin")
    client.post(f"/api/v1/contests/{contest_id}/results", headers=admin, json={})
    export = client.get(f"/api/v1/contests/{contest_id}/results.xlsx", headers=admin)
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data))["Xếp hạng"]
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    risky = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert risky.data_type == "s" and risky.quotePrefix
    assert client.get(f"/api/v1/contests/{contest_id}/results.xlsx",
                      headers=bearer_headers(app)).status_code == 403


def test_only_the_organiser_publishes_and_sees_participation(app, client):
    contest_id, _people = _contest_with_entries(app, client)
    _close_rounds(app, contest_id)
    for role in ("candidate", "proctor"):
        refused = client.post(f"/api/v1/contests/{contest_id}/results", headers=bearer_headers(app, role),
                              json={"round": 1})
        assert refused.status_code == 403
    report = client.get(f"/api/v1/contests/{contest_id}/participation",
                        headers=bearer_headers(app, "admin")).get_json()
    units = {u["unit"]: u for u in report["rounds"][0]["units"]}
    assert units["Cty A"]["participants"] == 2 and units["Cty A"]["quota_percent"] == 50.0
    assert units["Cty B"]["quota"] is None


def test_integrity_signals_are_shown_not_acted_on(app, client):
    app.config["CONTEST_REGISTRATIONS_PER_ADDRESS"] = 100
    contest_id = make_contest(app, make_bank(app), tries_per_round=2)
    for _ in range(10):
        register_participant(client, contest_id)
    jumper = register_participant(client, contest_id)
    _sit(client, contest_id, jumper["headers"], right=0)
    _sit(client, contest_id, jumper["headers"], right=9)  # in well under 3 s a question, too
    found = client.get(f"/api/v1/contests/{contest_id}/integrity",
                       headers=bearer_headers(app, "admin")).get_json()
    assert found["shared_addresses"][0]["registrations"] == 11
    assert any(s["participant_id"] == jumper["participant_id"] for s in found["chance_then_perfect"])
    assert any(s["participant_id"] == jumper["participant_id"] for s in found["too_fast"])
    board = client.get(f"/api/v1/contests/{contest_id}/leaderboard").get_json()
    assert board["entries"][0]["participant_id"] == jumper["participant_id"]  # still ranked
