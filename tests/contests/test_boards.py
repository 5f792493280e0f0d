"""Boards in Redis: their order is the ranking rule's (property-based, prediction included), per
round, overall and per unit; a lost or stale board is rebuilt in the same order; with Redis stopped
tries are still graded and boards are read from the database; two app processes share one Redis."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from examapp import create_app, db
from examapp.contests import boards, entries, ranking
from examapp.contests.models import Contest, ContestRound, Prediction
from examapp.contests.ranking import Standing
from examapp.db import utcnow
from examapp.leaderboard import Boards, BoardSource, Person
from tests.contests.test_tries import _sit
from tests.factories import T0, make_bank, make_contest, register_participant

standings = st.lists(st.builds(
    lambda pid, score, dist, time_ms, sub: Standing(pid, Decimal(score) / 4, time_ms,
                                                   T0 + timedelta(milliseconds=sub), dist),
    st.integers(1, 10**6), st.integers(0, 40), st.integers(0, 3), st.integers(0, 5000), st.integers(0, 3000)),
    max_size=40, unique_by=lambda s: s.participant_id)


@pytest.fixture
def redis_boards(redis_url, redis_prefix):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield Boards(client, redis_prefix)
    client.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=standings)
def test_the_board_orders_and_ranks_as_the_rule_does(redis_boards, rows):
    people = {s.participant_id: Person(s.participant_id, f"P{s.participant_id}", s.participant_id % 3,
                                       f"Unit {s.participant_id % 3}") for s in rows}
    redis_boards.rebuild(7, BoardSource({1: rows}, rows, people))
    expected = [(rank, s.participant_id, s.score) for rank, s in ranking.ranked(rows)]
    board = redis_boards.top(7, 100, round_number=1)
    assert [(line.rank, line.participant_id, line.score) for line in board.lines] == expected
    assert board.total == len(rows)
    for unit in range(3):  # a unit's board is the rule's order of that unit's rows, ranked anew
        mine = [s for s in rows if s.participant_id % 3 == unit]
        lines = redis_boards.top(7, 100, unit_id=unit).lines
        assert [(line.rank, line.participant_id) for line in lines] == [
            (rank, s.participant_id) for rank, s in ranking.ranked(mine)]
    if rows:  # around me: the same ranks, from the middle of the board
        middle = expected[len(expected) // 2]
        mine_line, around = redis_boards.around(7, middle[1], round_number=1)
        assert mine_line.rank == middle[0]
        assert [(line.rank, line.participant_id) for line in around] == [
            (r, p) for r, p, _ in expected[max(0, len(expected) // 2 - 2): len(expected) // 2 + 3]]


def _redis_app(app_config, redis_url, redis_prefix):
    return create_app(dict(app_config, REDIS_URL=redis_url, REDIS_PREFIX=redis_prefix))


def _board(client, contest_id, **query):
    response = client.get(f"/api/v1/contests/{contest_id}/leaderboard", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_live_board_equals_the_database_sorted_by_the_rule(app_config, redis_url, redis_prefix, app):
    live = _redis_app(app_config, redis_url, redis_prefix)
    client = live.test_client()
    contest_id = make_contest(live, make_bank(live), tries_per_round=2, prediction_question="Bao nhiêu?",
                              prediction_target="all_correct_entries")
    sitters = []
    for n, right in enumerate((3, 1, 4, 3, 0)):
        me = register_participant(client, contest_id, unit=("Cty A", "cty  a", "Cty B")[n % 3])
        client.post(f"/api/v1/contests/{contest_id}/prediction", headers=me["headers"], json={"value": n})
        _sit(client, contest_id, me["headers"], right=right)
        sitters.append(me)
    _sit(client, contest_id, sitters[1]["headers"], right=4)  # a better second try moves the board
    board = _board(client, contest_id, round=1)
    with live.app_context():
        contest = db.session().get(Contest, contest_id)
        source = entries.board_source(db.session(), contest)
        expected = [(rank, s.participant_id) for rank, s in ranking.ranked(source.rounds[1])]
    assert [(e["rank"], e["participant_id"]) for e in board["entries"]] == expected
    assert board["total"] == 5 and board["entries"][0]["score"] >= board["entries"][-1]["score"]
    assert {e["unit"] for e in board["entries"]} == {"Cty A", "Cty B"}
    unit_board = _board(client, contest_id, unit="CTY A")
    assert len(unit_board["entries"]) == 4 and unit_board["entries"][0]["rank"] == 1
    overall = _board(client, contest_id)["entries"]  # one round: the overall board is the same
    assert [(e["rank"], e["participant_id"]) for e in overall] == expected
    # once the true number is known the prediction breaks ties on score: a rebuild puts it in
    with live.app_context():
        s = db.session()
        s.execute(update(ContestRound).where(ContestRound.contest_id == contest_id).values(target_value=3))
        s.commit()
        boards.rebuild(s, boards.redis_boards(), s.get(Contest, contest_id))
        by_rule = ranking.ranked(entries.board_source(s, s.get(Contest, contest_id)).rounds[1])
        distances = {p: v for p, v in s.execute(select(Prediction.participant_id, Prediction.value))}
    assert [e["participant_id"] for e in _board(client, contest_id, round=1)["entries"]] == [
        st_.participant_id for _, st_ in by_rule]
    assert all(st_.distance == abs(distances[st_.participant_id] - 3) for _, st_ in by_rule)
    me = client.get(f"/api/v1/contests/{contest_id}/leaderboard/me", headers=sitters[4]["headers"],
                    query_string={"round": 1}).get_json()
    assert me["rank"] == 5 and any(line["participant_id"] == sitters[4]["participant_id"]
                                   for line in me["around"])
    live.extensions["examapp.engine"].dispose()


def test_a_flushed_board_is_rebuilt_on_the_next_read(app_config, redis_url, redis_prefix, app):
    live = _redis_app(app_config, redis_url, redis_prefix)
    client = live.test_client()
    contest_id = make_contest(live, make_bank(live))
    for right in (2, 4, 1):
        _sit(client, contest_id, register_participant(client, contest_id)["headers"], right=right)
    before = _board(client, contest_id)
    raw = redis.Redis.from_url(redis_url)
    raw.delete(*raw.keys(f"{redis_prefix}*"))  # what FLUSHDB does to this contest
    assert _board(client, contest_id) == before
    live.extensions["examapp.engine"].dispose()


def test_with_redis_stopped_tries_are_graded_and_boards_come_back(app_config, redis_url, redis_prefix, app):
    live = _redis_app(app_config, redis_url, redis_prefix)
    client = live.test_client()
    contest_id = make_contest(live, make_bank(live))
    _sit(client, contest_id, register_participant(client, contest_id)["headers"], right=1)
    working = live.extensions["examapp.boards"]
    live.extensions["examapp.boards"] = Boards(redis.Redis(port=1, socket_connect_timeout=0.2), redis_prefix)
    late = register_participant(client, contest_id)
    graded = _sit(client, contest_id, late["headers"], right=4)
    assert graded["status"] == "submitted"
    board = _board(client, contest_id)  # read from the database meanwhile
    assert board["entries"][0]["participant_id"] == late["participant_id"] and board["total"] == 2
    with live.app_context():
        assert db.session().get(Contest, contest_id).boards_stale_at is not None
    live.extensions["examapp.boards"] = working  # Redis is back: the stale board is rebuilt
    assert _board(client, contest_id)["entries"] == board["entries"]
    with live.app_context():
        assert db.session().get(Contest, contest_id).boards_stale_at is None
    assert working.top(contest_id, 10).lines[0].participant_id == late["participant_id"]
    live.extensions["examapp.engine"].dispose()


def test_two_app_processes_share_one_board(app_config, redis_url, redis_prefix, app):
    first = _redis_app(app_config, redis_url, redis_prefix)
    second = _redis_app(app_config, redis_url, redis_prefix)
    contest_id = make_contest(first, make_bank(first))
    one, other = first.test_client(), second.test_client()
    _board(other, contest_id)  # built by the second process
    _sit(one, contest_id, register_participant(one, contest_id)["headers"], right=3)
    shown = _board(other, contest_id)
    assert shown["total"] == 1 and shown["entries"][0]["score"] > 0
    for live in (first, second):
        live.extensions["examapp.engine"].dispose()


def test_tries_after_the_freeze_stay_off_the_public_board(app_config, redis_url, redis_prefix, app):
    live = _redis_app(app_config, redis_url, redis_prefix)
    client = live.test_client()
    contest_id = make_contest(live, make_bank(live), tries_per_round=2)
    me = register_participant(client, contest_id)
    _sit(client, contest_id, me["headers"], right=1)
    frozen_score = _board(client, contest_id)["entries"][0]["score"]
    with live.app_context():
        s = db.session()
        s.execute(update(Contest).where(Contest.id == contest_id).values(freeze_at=utcnow()))
        s.commit()
    _sit(client, contest_id, me["headers"], right=4)
    board = _board(client, contest_id)
    assert board["frozen"] and board["entries"][0]["score"] == frozen_score
    with live.app_context():  # the rebuild keeps the freeze too
        s = db.session()
        boards.rebuild(s, boards.redis_boards(), s.get(Contest, contest_id))
    assert _board(client, contest_id)["entries"][0]["score"] == frozen_score
    live.extensions["examapp.engine"].dispose()


def test_units_are_ranked_by_participants_mean_and_winners(app_config, redis_url, redis_prefix, app):
    for url in (redis_url, None):  # from Redis, and from the database without it
        live = create_app(dict(app_config, REDIS_URL=url, REDIS_PREFIX=redis_prefix))
        client = live.test_client()
        contest_id = make_contest(live, make_bank(live), prizes=2)
        for unit, right in (("Cty A", 4), ("Cty A", 0), ("Cty B", 3), ("Cty A", 1)):
            sitter = register_participant(client, contest_id, unit=unit)
            _sit(client, contest_id, sitter["headers"], right=right)
        by = {key: client.get(f"/api/v1/contests/{contest_id}/leaderboard/units",
                              query_string={"by": key}).get_json()["units"]
              for key in ("participants", "mean", "winners")}
        assert [(u["unit"], u["participants"]) for u in by["participants"]] == [("Cty A", 3), ("Cty B", 1)]
        assert by["mean"][0]["unit"] == "Cty B" and by["mean"][0]["rank"] == 1
        assert sorted(u["winners"] for u in by["winners"]) == [1, 1]
        live.extensions["examapp.engine"].dispose()


def test_the_cli_rebuilds_a_board(app_config, redis_url, redis_prefix, app):
    live = _redis_app(app_config, redis_url, redis_prefix)
    client = live.test_client()
    contest_id = make_contest(live, make_bank(live))
    _sit(client, contest_id, register_participant(client, contest_id)["headers"], right=2)
    result = live.test_cli_runner().invoke(args=["leaderboard", "rebuild", str(contest_id), "--json"])
    assert result.exit_code == 0, result.output
    assert '"entries": 2' in result.output  # one on the round's board, one on the overall
    missing = live.test_cli_runner().invoke(args=["leaderboard", "rebuild", "999", "--json"])
    assert missing.exit_code == 1 and "no contest 999" in missing.output
    live.extensions["examapp.engine"].dispose()


def test_a_public_board_is_read_at_most_once_a_second(app_config, redis_url, redis_prefix, app):
    live = create_app(dict(app_config, REDIS_URL=redis_url, REDIS_PREFIX=redis_prefix,
                           BOARD_CACHE_SECONDS=0.5))
    client = live.test_client()
    contest_id = make_contest(live, make_bank(live))
    assert _board(client, contest_id)["total"] == 0
    _sit(client, contest_id, register_participant(client, contest_id)["headers"], right=1)
    assert _board(client, contest_id)["total"] == 0  # the answer of a moment ago
    import time

    time.sleep(0.6)
    assert _board(client, contest_id)["total"] == 1
    live.extensions["examapp.engine"].dispose()
