"""The self questionnaire: 20 statements (4 per trait, one reverse-keyed each), plain functions.

An answer is a Likert 1–5 (strongly disagree … strongly agree). A reverse-keyed statement is
scored 6 − answer. A trait's score is `(mean − 1) / 4 × 100`, rounded to an integer 0–100.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from teams.traits import TRAITS


@dataclass(frozen=True)
class Item:
    number: int
    trait: str
    text: str
    reverse: bool = False


_STATEMENTS: dict[str, list[tuple[str, bool]]] = {
    "builder": [
        ("I would rather ship a rough first version today than a polished one next month.", False),
        (
            "When I have an idea, I build a working prototype before I write a document about it.",
            False,
        ),
        ("I enjoy taking something from nothing to something people can use.", False),
        ("I prefer to wait until a plan is complete before I start building.", True),
    ],
    "architect": [
        ("I think about what will break when ten times more people use what we build.", False),
        ("I enjoy designing structures that others can build on safely.", False),
        ("I notice when a shortcut today will cost the team a lot later.", False),
        ("As long as it works now, I do not worry much about how it is put together.", True),
    ],
    "taste_maker": [
        ("I can tell when a product is merely usable and when it is delightful.", False),
        ("Small details of wording, layout or timing bother me until they are right.", False),
        ("People ask me to review their work because I notice what others miss.", False),
        ("If it does the job, I do not care much how it looks or feels.", True),
    ],
    "signal_reader": [
        ("I often hear what users need before they put it into words.", False),
        ("I read customer feedback, support tickets or market news for fun.", False),
        ("I change my mind quickly when the evidence from users points elsewhere.", False),
        ("I find talking to users a distraction from the real work.", True),
    ],
    "decision_maker": [
        ("I am comfortable making a call when the information is incomplete.", False),
        ("When a decision is mine, I own its outcome, good or bad.", False),
        ("I can end a long debate by choosing a direction and explaining why.", False),
        ("I would rather someone else made the hard calls.", True),
    ],
}

# Interleaved (one statement of each trait in turn) so a screen-by-screen run does not
# dwell on one trait; numbered 1–20 in that order.
ITEMS: tuple[Item, ...] = tuple(
    Item(number=round_ * len(TRAITS) + t_index + 1, trait=trait, text=text, reverse=reverse)
    for round_ in range(4)
    for t_index, trait in enumerate(TRAITS)
    for text, reverse in [_STATEMENTS[trait][round_]]
)
ITEM_BY_NUMBER: dict[int, Item] = {item.number: item for item in ITEMS}
N_ITEMS = len(ITEMS)
LIKERT: tuple[tuple[int, str], ...] = (
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither"),
    (4, "Agree"),
    (5, "Strongly agree"),
)


class IncompleteAnswers(ValueError):
    """Raised when scoring is asked for before every statement has a valid answer."""


def keyed(item: Item, answer: int) -> int:
    """The answer as it counts towards the trait: reverse-keyed statements count 6 − answer."""
    if answer not in (1, 2, 3, 4, 5):
        raise ValueError(f"Statement {item.number}: the answer must be 1–5, not {answer!r}.")
    return 6 - answer if item.reverse else answer


def score(answers: Mapping[int, int]) -> dict[str, int]:
    """Trait scores 0–100 from a complete set of answers {statement number: 1–5}."""
    missing = [n for n in ITEM_BY_NUMBER if n not in answers]
    if missing:
        raise IncompleteAnswers(
            f"{len(missing)} statement(s) still need an answer: {', '.join(map(str, missing))}."
        )
    totals = {t: 0 for t in TRAITS}
    counts = {t: 0 for t in TRAITS}
    for number, item in ITEM_BY_NUMBER.items():
        totals[item.trait] += keyed(item, answers[number])
        counts[item.trait] += 1
    return {t: round((totals[t] / counts[t] - 1) / 4 * 100) for t in TRAITS}


def next_unanswered(answered: set[int]) -> int | None:
    """The first statement without an answer (where a resumed questionnaire starts)."""
    for item in ITEMS:
        if item.number not in answered:
            return item.number
    return None
