"""Contest boards in Redis: the only code that knows their keys.

Every key of a contest carries the hash tag {contest:ID}, so Redis Cluster keeps a contest on one
slot and the update script may touch all of its boards at once. A board is a sorted set whose
members all score 0 and sort by their text: `ranking.encode` writes a standing so that text order is
rule order (score, prediction distance, time, submission), then "|participant id" (ten digits, so
that ties list in id order). Redis then
answers top N (ZRANGE), a participant's place (ZRANK) and the rank a tie shares (ZLEXCOUNT of the
members before its key) in O(log n).

Keys, under the store's prefix:
  {contest:ID}:all, {contest:ID}:all:u:UNIT    the overall board, and per unit
  {contest:ID}:r:N, {contest:ID}:r:N:u:UNIT     round N's board, and per unit
  {contest:ID}:cur      hash "board key|participant" -> that participant's member (to replace it)
  {contest:ID}:people   hash participant -> [name, unit id, unit name] as shown
  {contest:ID}:unit:n, {contest:ID}:unit:sum    per unit: participants on the overall board, their
                                                 points in hundredths (for the mean)
  {contest:ID}:meta     hash: built (the boards are complete), updates (a counter)
  {contest:ID}:keys     set of every key above, so a rebuild can replace them all
  {contest:ID}:changed  the pub/sub channel saying the boards moved
The database stays the truth: boards missing `built` or marked stale in the database are rebuilt.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import redis

from examapp.contests.ranking import MAX_POINTS_HUNDREDTHS, MAX_TIME_MS, Standing

TIMEOUT_SECONDS = 1.0

_APPLY = """
if redis.call('HEXISTS', KEYS[5], 'built') == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
for i = 7, #KEYS do
  local field = KEYS[i] .. '|' .. ARGV[1]
  local old = redis.call('HGET', KEYS[1], field)
  local new = ARGV[i - 3]
  if old ~= new then
    if old then redis.call('ZREM', KEYS[i], old) end
    redis.call('ZADD', KEYS[i], 0, new)
    redis.call('HSET', KEYS[1], field, new)
    redis.call('SADD', KEYS[6], KEYS[i])
    if i == 7 then
      local points = 999999999 - tonumber(string.sub(new, 1, 9))
      if old then
        points = points - (999999999 - tonumber(string.sub(old, 1, 9)))
      else
        redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
      end
      redis.call('HINCRBY', KEYS[4], ARGV[3], points)
    end
  end
end
redis.call('HINCRBY', KEYS[5], 'updates', 1)
return 1
"""


# Reads in one round trip: "top" N, or "around" a participant's member (by the cur hash) with the
# rank its key shares (members before its key). Answers {total, first index, members, the people
# shown for them, members before the first one's key}.
_READ = """
local members, start, better = {}, 0, 0
if ARGV[1] == 'top' then
  members = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
else
  local mine = redis.call('HGET', KEYS[3], ARGV[3])
  local index = mine and redis.call('ZRANK', KEYS[1], mine)
  if not index then return {0, 0, {}, {}, 0} end
  start = math.max(0, index - tonumber(ARGV[2]))
  members = redis.call('ZRANGE', KEYS[1], start, index + tonumber(ARGV[2]))
end
local ids = {}
for i, m in ipairs(members) do
  ids[i] = tostring(tonumber(string.sub(m, string.find(m, '|', 1, true) + 1)))
end
local people = {}
if #ids > 0 then people = redis.call('HMGET', KEYS[2], unpack(ids)) end
if start > 0 and #members > 0 then
  local first = members[1]
  local key = string.sub(first, 1, string.find(first, '|', 1, true))
  better = redis.call('ZLEXCOUNT', KEYS[1], '-', '(' .. key)
end
return {redis.call('ZCARD', KEYS[1]), start, members, people, better}
"""


@dataclass(frozen=True)
class Person:
    """What a board shows of a participant (never the phone)."""

    participant_id: int
    name: str
    unit_id: int
    unit: str


@dataclass(frozen=True)
class EntryChange:
    """A participant's standings after a try changed their entry of a round."""

    contest_id: int
    round_number: int
    person: Person
    round_standing: Standing
    overall_standing: Standing
    on_public_boards: bool


@dataclass(frozen=True)
class BoardSource:
    """Everything a contest's boards are built from: standings per round and overall, people."""

    rounds: dict[int, list[Standing]]
    overall: list[Standing]
    people: dict[int, Person]


def encode(standing: Standing) -> str:
    """The standing as a fixed-width text that sorts as the rule does, then its participant."""
    points = max(0, min(int(standing.score * 100), MAX_POINTS_HUNDREDTHS))
    return (f"{MAX_POINTS_HUNDREDTHS - points:09d}{standing.distance:013d}"
            f"{max(0, min(standing.time_ms, MAX_TIME_MS)):010d}{standing.submitted_ms:013d}"
            f"|{standing.participant_id:010d}")  # fixed width: ties list by participant id


def decode(member: str) -> tuple[str, int, Decimal, int]:
    """(rank key, participant id, score, time in ms) of an encoded standing."""
    key, _, participant = member.partition("|")
    score = Decimal(MAX_POINTS_HUNDREDTHS - int(key[:9])) / 100
    return key, int(participant), score, int(key[22:32])


@dataclass(frozen=True)
class Line:
    rank: int
    participant_id: int
    name: str
    unit: str
    score: Decimal
    time_seconds: float

    def as_dict(self) -> dict:
        return {"rank": self.rank, "participant_id": self.participant_id, "name": self.name,
                "unit": self.unit, "score": float(self.score), "time_seconds": self.time_seconds}


@dataclass(frozen=True)
class Board:
    lines: list[Line]
    total: int


class Boards:
    """A contest's boards on one Redis (or Redis Cluster) client."""

    def __init__(self, client: redis.Redis, prefix: str = "examapp:") -> None:
        self.client = client
        self.prefix = prefix
        self._apply = client.register_script(_APPLY)
        self._read = client.register_script(_READ)

    # ------------------------------------------------------------ keys

    def _key(self, contest_id: int, name: str) -> str:
        return f"{self.prefix}{{contest:{contest_id}}}:{name}"

    def board_key(self, contest_id: int, round_number: int | None = None, unit_id: int | None = None) -> str:
        name = "all" if round_number is None else f"r:{round_number}"
        return self._key(contest_id, name if unit_id is None else f"{name}:u:{unit_id}")

    def _fixed(self, contest_id: int) -> list[str]:
        return [self._key(contest_id, n) for n in ("cur", "people", "unit:n", "unit:sum", "meta", "keys")]

    # ------------------------------------------------------------ writing

    def apply(self, change: EntryChange) -> bool:
        """Put a participant's new standings on the boards; False when the boards are not built
        (the next read rebuilds them from the database)."""
        c, person = change.contest_id, change.person
        number, unit = change.round_number, person.unit_id
        boards = [self.board_key(c), self.board_key(c, unit_id=unit),
                  self.board_key(c, number), self.board_key(c, number, unit)]
        members = [encode(change.overall_standing)] * 2 + [encode(change.round_standing)] * 2
        return bool(self._apply(keys=self._fixed(c) + boards,
                                args=[person.participant_id, _person_json(person), person.unit_id, *members]))

    def rebuild(self, contest_id: int, source: BoardSource) -> int:
        """Replace every board of the contest by those of `source`, at once; returns the entries.

        The boards are written under temporary names in large batches (a ZADD or HSET carries up to
        REBUILD_BATCH members), then renamed over the live ones in one transaction."""
        c = contest_id
        cur, people, unit_n, unit_sum, meta, keys_key = self._fixed(c)
        sets: dict[str, dict[str, int]] = defaultdict(dict)
        hashes: dict[str, dict[str, str | int]] = defaultdict(dict)
        hashes[people] = {str(pid): _person_json(person) for pid, person in source.people.items()}
        boards: list[tuple[int | None, Iterable[Standing]]] = [(None, source.overall), *source.rounds.items()]
        for number, standings in boards:
            for standing in standings:
                unit = source.people[standing.participant_id].unit_id
                member = encode(standing)
                for key in (self.board_key(c, number), self.board_key(c, number, unit)):
                    sets[key][member] = 0
                    hashes[cur][f"{key}|{standing.participant_id}"] = member
                if number is None:
                    field = str(unit)
                    hashes[unit_n][field] = int(hashes[unit_n].get(field, 0)) + 1
                    hashes[unit_sum][field] = int(hashes[unit_sum].get(field, 0)) + int(standing.score * 100)
        hashes[meta] = {"built": 1, "updates": 0}
        tmp = f"{self.prefix}{{contest:{c}}}:tmp:"
        live = {key: tmp + key.rsplit("}:", 1)[1] for key in [*sets, *(k for k, v in hashes.items() if v)]}
        pipe = self.client.pipeline(transaction=False)
        pipe.delete(*live.values())
        for key, members in sets.items():
            for chunk in _chunks(members):
                pipe.zadd(live[key], chunk)
        for key, fields in hashes.items():
            for chunk in _chunks(fields):
                pipe.hset(live[key], mapping=chunk)
        pipe.execute()
        old = set(self.client.smembers(keys_key))
        swap = self.client.pipeline(transaction=True)
        for key in old - set(live):
            swap.delete(key)
        for key, staged in live.items():
            swap.rename(staged, key)
        swap.delete(keys_key)
        swap.sadd(keys_key, *live)
        swap.execute()
        return sum(len(s) for _, s in boards)

    def forget(self, contest_id: int) -> None:
        """Drop the contest's boards (the next read rebuilds them)."""
        keys = list(self.client.smembers(self._key(contest_id, "keys")))
        self.client.delete(*keys, self._key(contest_id, "meta"), self._key(contest_id, "keys"))

    # ------------------------------------------------------------ live updates

    def channel_pattern(self) -> str:
        return f"{self.prefix}{{contest:*}}:changed"

    def contest_of_channel(self, channel: str) -> int | None:
        head, _, tail = channel.rpartition("}:changed")
        number = head.rpartition("{contest:")[2]
        return int(number) if not tail and number.isdigit() else None

    def publish(self, contest_id: int) -> None:
        """Tell every app process that the contest's boards moved (their streams send them on)."""
        self.client.publish(self._key(contest_id, "changed"), "1")

    # ------------------------------------------------------------ reading

    def built(self, contest_id: int) -> bool:
        return bool(self.client.hexists(self._key(contest_id, "meta"), "built"))

    def top(self, contest_id: int, limit: int, round_number: int | None = None,
            unit_id: int | None = None) -> Board:
        """The first `limit` lines and how many are on the board, in one round trip."""
        key = self.board_key(contest_id, round_number, unit_id)
        total, _, members, people, _ = self._read(keys=[key, self._key(contest_id, "people")],
                                                  args=["top", limit])
        return Board(self._lines(members, people, 0, 1), total)

    def around(self, contest_id: int, participant_id: int, round_number: int | None = None,
               unit_id: int | None = None, span: int = 2) -> tuple[Line | None, list[Line]]:
        """The participant's line and the lines `span` above and below it (None: not on the board),
        in one round trip."""
        key = self.board_key(contest_id, round_number, unit_id)
        _, start, members, people, better = self._read(
            keys=[key, self._key(contest_id, "people"), self._key(contest_id, "cur")],
            args=["around", span, f"{key}|{participant_id}"])
        if not members:
            return None, []
        lines = self._lines(members, people, start, better + 1)
        mine = next((line for line in lines if line.participant_id == participant_id), None)
        return mine, lines

    @staticmethod
    def _lines(members: list[str], people: list[str | None], first_index: int, first_rank: int) -> list[Line]:
        decoded = [decode(m) for m in members]
        rank = first_rank
        lines: list[Line] = []
        for i, ((rank_key, pid, score, time_ms), shown) in enumerate(zip(decoded, people, strict=True)):
            if i and rank_key != decoded[i - 1][0]:
                rank = first_index + i + 1
            name, _, unit = json.loads(shown) if shown else ("?", 0, "")
            lines.append(Line(rank, pid, name, unit, score, time_ms / 1000))
        return lines

    def unit_stats(self, contest_id: int, winners_from: int) -> dict[int, tuple[int, int, int]]:
        """Per unit id: (participants on the overall board, their points in hundredths, how many of
        them are among the first `winners_from` of the overall board)."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hgetall(self._key(contest_id, "unit:n"))
        pipe.hgetall(self._key(contest_id, "unit:sum"))
        counts, sums = pipe.execute()
        winners: dict[int, int] = {}
        if winners_from > 0:
            top = self.top(contest_id, winners_from)
            ids = [str(line.participant_id) for line in top.lines]
            shown = self.client.hmget(self._key(contest_id, "people"), ids) if ids else []
            for person in shown:
                if person:
                    unit = json.loads(person)[1]
                    winners[unit] = winners.get(unit, 0) + 1
        return {int(u): (int(n), int(sums.get(u, 0)), winners.get(int(u), 0)) for u, n in counts.items()}


REBUILD_BATCH = 10_000


def _chunks(mapping: dict) -> Iterable[dict]:
    items = list(mapping.items())
    for start in range(0, len(items), REBUILD_BATCH):
        yield dict(items[start: start + REBUILD_BATCH])


def _person_json(person: Person) -> str:
    return json.dumps([person.name, person.unit_id, person.unit], ensure_ascii=False)
