"""Drawing a paper from the blueprint: reproducible from the attempt's seed, no database here."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Drawn:
    question_id: int
    rule_position: int


def draw_questions(pools: Sequence[Sequence[int]], counts: Sequence[int], seed: int,
                   shuffle: bool) -> list[Drawn]:
    """Pick `counts[i]` question ids from `pools[i]` for each rule, then order the paper.

    Pools are sorted first, so the same seed over the same bank always gives the same paper.
    Unshuffled papers keep rule order, and question id order inside a rule.
    """
    rng = random.Random(seed)
    paper: list[Drawn] = []
    for position, (pool, count) in enumerate(zip(pools, counts, strict=True), start=1):
        if count > len(pool):
            raise ValueError(f"rule {position} asks for {count} questions; the pool has {len(pool)}")
        chosen = rng.sample(sorted(pool), count)
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
