"""Drawing a paper from the blueprint: reproducible from the attempt's seed, no database here."""

from __future__ import annotations

import random
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass


@dataclass(frozen=True)
class Drawn:
    question_id: int
    rule_position: int


def draw_questions(pools: Sequence[Sequence[int]], counts: Sequence[int], seed: int,
                   shuffle: bool, seen: AbstractSet[int] = frozenset()) -> list[Drawn]:
    """Pick `counts[i]` question ids from `pools[i]` for each rule, then order the paper.

    Questions in `seen` (the candidate's earlier papers) are drawn only where a rule's pool has too
    few others: then every unseen one is taken and the rest sampled from the seen ones. Pools are
    sorted first, so the same seed over the same bank and the same seen set always gives the same
    paper; with nothing seen the draw is the one made without fresh questions, so stored seeds keep
    reproducing their papers. Unshuffled papers keep rule order, and question id order inside a rule.
    """
    rng = random.Random(seed)
    paper: list[Drawn] = []
    for position, (pool, count) in enumerate(zip(pools, counts, strict=True), start=1):
        if count > len(pool):
            raise ValueError(f"rule {position} asks for {count} questions; the pool has {len(pool)}")
        fresh = sorted(q for q in pool if q not in seen)
        if count <= len(fresh):
            chosen = rng.sample(fresh, count)
        else:
            chosen = fresh + rng.sample(sorted(q for q in pool if q in seen), count - len(fresh))
        paper.extend(Drawn(qid, position) for qid in (chosen if shuffle else sorted(chosen)))
    if shuffle:
        rng.shuffle(paper)
    return paper


def order_options(option_ids: Sequence[int], seed: int, question_id: int, shuffle: bool) -> list[int]:
    """The paper order of one question's options; its own stream per question, so it does not
    depend on which other questions were loaded first."""
    ordered = list(option_ids)
    if shuffle:
        random.Random(seed * 1_000_003 + question_id).shuffle(ordered)
    return ordered
