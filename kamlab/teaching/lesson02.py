"""Teaching notebook 2, "Selecting key accounts": tables, scenarios and exercises.

Key accounts are chosen on explicit, agreed criteria, or the choice becomes political
(McDonald & Woodburn 2007). The notebook follows the directional policy matrix method:
choose the factors, weight them (the weights sum to 100), score every account 1-10 on
each (by rank, a straight line between two values, or people's judgement), and add up
weight x score / 100. The numbers come from the student's portfolio
(:func:`kamlab.teaching.student_key_portfolio`, kamlab's default criteria); this module
picks the exercise accounts, lays out the workings and draws each student's reweighting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from kamlab.portfolio import Portfolio, load_criteria
from kamlab.teaching.checks import Exercise, Mistake, Workbook
from kamlab.teaching.data import (
    StudentPortfolio,
    student_key_portfolio,
    student_measures,
    student_portfolio,
)

__all__ = [
    "CRITERIA",
    "DEMO_WEIGHTS",
    "JUDGEMENT_ANCHORS",
    "NOTEBOOK",
    "RESPONSES",
    "WEIGHTINGS",
    "Dilemma",
    "Weighting",
    "dilemma_for",
    "exercise_accounts",
    "key_accounts",
    "reweighted",
    "weighting_for",
    "workbook",
    "workings",
]

NOTEBOOK = "02_selecting_key_accounts.ipynb"
TITLE = "Selecting key accounts"

CRITERIA = pd.DataFrame(
    [
        ("size", "how much the account buys from us now", "data", "revenue"),
        ("potential sales volume", "how much more it could buy from us", "data", "potential"),
        (
            "share of business",
            "our share of its spend in our category (share of wallet)",
            "data",
            "- (used for potential)",
        ),
        ("profitability", "the profit it brings after the cost to serve", "data", "profitability"),
        ("growth potential", "whether its business with us is growing", "data", "growth"),
        (
            "technological synergy",
            "whether our technologies fit and strengthen each other",
            "judgement",
            "technological_synergy",
        ),
        (
            "strategic alignment",
            "whether it is going where we want to go",
            "judgement",
            "strategic_alignment",
        ),
        (
            "cultural fit",
            "whether our people work well with its people",
            "judgement",
            "cultural_fit",
        ),
        (
            "willingness to partner",
            "whether it wants a closer relationship with a supplier",
            "judgement",
            "willingness_to_partner",
        ),
    ],
    columns=["criterion", "the question it asks", "scored from", "kamlab factor"],
).set_index("criterion")
"""Attractiveness criteria used by experienced companies (McDonald & Woodburn 2007), and
the kamlab default factor that scores each ("-": not in the defaults)."""

JUDGEMENT_ANCHORS = pd.DataFrame(
    {
        "1": [
            "will not share its plans; buys on price alone",
            "its strategy takes it away from our markets",
        ],
        "5": [
            "shares plans when asked; open to a trial project",
            "some of its plans need what we do well",
        ],
        "10": [
            "proposes joint projects and shares its plans unasked",
            "its strategy needs exactly what we are building",
        ],
    },
    index=pd.Index(["willingness_to_partner", "strategic_alignment"], name="factor"),
)
"""What a score of 1, 5 and 10 means for two judgement factors: a team agrees such
anchors before anyone scores an account."""

DEMO_WEIGHTS: dict[str, float] = {
    "potential": 4,
    "revenue": 70,
    "growth": 6,
    "profitability": 8,
    "strategic_alignment": 3,
    "cultural_fit": 3,
    "willingness_to_partner": 3,
    "technological_synergy": 3,
}
"""The weights a sales team paid on volume might push for: size above all."""


@dataclass(frozen=True)
class Weighting:
    """A set of attractiveness weights proposed for exercises 3 and 4."""

    name: str
    weights: dict[str, float]

    def table(self) -> pd.DataFrame:
        """The proposed weights next to kamlab's defaults."""
        defaults = {f.name: f.weight for f in load_criteria().attractiveness}
        return pd.DataFrame(
            {"default weight": pd.Series(defaults), "proposed weight": pd.Series(self.weights)}
        ).rename_axis("factor")


WEIGHTINGS: tuple[Weighting, ...] = (
    Weighting(
        "profit first",
        {
            "potential": 10,
            "revenue": 10,
            "growth": 5,
            "profitability": 35,
            "strategic_alignment": 10,
            "cultural_fit": 10,
            "willingness_to_partner": 10,
            "technological_synergy": 10,
        },
    ),
    Weighting(
        "partnership first",
        {
            "potential": 10,
            "revenue": 5,
            "growth": 5,
            "profitability": 10,
            "strategic_alignment": 17.5,
            "cultural_fit": 17.5,
            "willingness_to_partner": 17.5,
            "technological_synergy": 17.5,
        },
    ),
    Weighting(
        "growth first",
        {
            "potential": 15,
            "revenue": 10,
            "growth": 35,
            "profitability": 10,
            "strategic_alignment": 7.5,
            "cultural_fit": 7.5,
            "willingness_to_partner": 7.5,
            "technological_synergy": 7.5,
        },
    ),
    Weighting(
        "fit first",
        {
            "potential": 10,
            "revenue": 10,
            "growth": 10,
            "profitability": 10,
            "strategic_alignment": 30,
            "cultural_fit": 10,
            "willingness_to_partner": 10,
            "technological_synergy": 10,
        },
    ),
)
"""The reweightings a student may be given (drawn from the seed)."""


# --------------------------------------------------------------------------- portfolios


@lru_cache(maxsize=32)
def _reweighted(seed: int, weights: tuple[tuple[str, float], ...]) -> Portfolio:
    criteria = student_key_portfolio(seed).criteria_.with_weights("attractiveness", dict(weights))
    return Portfolio(criteria).fit(student_measures(seed), student_portfolio(seed).accounts)


def reweighted(seed: int, weights: dict[str, float]) -> pd.DataFrame:
    """The student's portfolio table with these attractiveness weights (cached)."""
    return _reweighted(int(seed), tuple(sorted((k, float(v)) for k, v in weights.items()))).table_


def key_accounts(table: pd.DataFrame) -> pd.Index:
    """The ids of the key tier of a portfolio table."""
    return table.index[table["tier"].astype("object") == "key"]


def _newcomers(before: pd.DataFrame, after: pd.DataFrame) -> pd.Series:
    """Key ranks, under ``after``, of the key accounts of ``after`` not key in ``before``."""
    new = key_accounts(after).difference(key_accounts(before))
    return after.loc[new, "key_rank"].astype(float).sort_values(kind="stable")


def weighting_for(data: StudentPortfolio) -> Weighting:
    """The reweighting exercises 3 and 4 give this student: drawn from the seed among
    :data:`WEIGHTINGS`, the next one when it would make fewer than two new key accounts
    (so that the last newcomer is not also the first); failing that, the first from
    there that makes one."""
    start = int(np.random.default_rng([data.seed, 2, 3]).integers(len(WEIGHTINGS)))
    today = student_key_portfolio(data.seed).table_
    order = [WEIGHTINGS[(start + k) % len(WEIGHTINGS)] for k in range(len(WEIGHTINGS))]
    for least in (2, 1):
        for weighting in order:
            if len(_newcomers(today, reweighted(data.seed, weighting.weights))) >= least:
                return weighting
    return WEIGHTINGS[start]  # pragma: no cover - every weighting changed the key set so far


# --------------------------------------------------------------------------- accounts


@dataclass(frozen=True)
class ExerciseAccounts:
    """``demo``: the worked example; ``growth``: exercise 1 (growth strictly inside
    -0.5 to +0.5, so its score is not cut off); ``weighted``: exercise 2 (not a key
    account, so no table of the notebook shows its attractiveness)."""

    demo: str
    growth: str
    weighted: str


def exercise_accounts(data: StudentPortfolio) -> ExerciseAccounts:
    """The accounts of the worked example and of exercises 1 and 2 (from the seed)."""
    table = student_key_portfolio(data.seed).table_
    ranked = table.sort_values("revenue", ascending=False, kind="stable")
    demo = str(ranked.index[int(0.3 * len(ranked))])  # a larger account, not the largest
    rng = np.random.default_rng([data.seed, 2])
    middle = ranked.iloc[10:-10].drop(demo, errors="ignore")
    growing = middle[middle["growth"].between(-0.45, 0.45) & (middle["growth"].abs() > 0.02)]
    growth = str(growing.index[int(rng.integers(len(growing)))])
    others = middle.drop(growth)
    others = others[others["tier"].astype("object") != "key"]
    weighted = str(others.index[int(rng.integers(len(others)))])
    return ExerciseAccounts(demo, growth, weighted)


def workings(portfolio: Portfolio, account: str, *, totals: bool = True) -> pd.DataFrame:
    """How ``account``'s attractiveness is made: per factor its source, the value
    scored (a measure, or the judgement score itself), the rule, the score 1-10 and the
    weight; with ``totals``, weight x score and a last row with their sum / 100."""
    scores = portfolio.scores_["attractiveness"]
    measures = {"revenue": "revenue", "growth": "growth", "contribution": "contribution"}
    rows = []
    for f in scores.factors:
        if f.judgement:
            value, rule = float(scores.scores.loc[account, f.name]), "judgement (people)"
        else:
            value = float(portfolio.table_.loc[account, measures.get(f.measure, f.measure)])
            linear = f.rule == "linear" and f.low is not None and f.high is not None
            rule = f"linear, {f.low:g} to {f.high:g}" if linear else f.rule
        rows.append(
            {
                "factor": f.name,
                "source": f.measure or "judgement",
                "value": round(value, 3),
                "rule": rule,
                "score": round(float(scores.scores.loc[account, f.name]), 2),
                "weight": scores.weights[f.name],
            }
        )
    out = pd.DataFrame(rows).set_index("factor")
    if not totals:
        return out
    out["weight x score"] = (out["weight"] * out["score"]).round(2)
    total = pd.DataFrame(
        {"weight": [out["weight"].sum()], "weight x score": [out["weight x score"].sum()]},
        index=pd.Index(["total"], name="factor"),
    )
    return pd.concat([out.astype(object), total.astype(object)]).fillna("")


# --------------------------------------------------------------------------- dilemma


RESPONSES: tuple[tuple[str, str], ...] = (
    (
        "Keep the agreed criteria and serve the customer well in its own tier; if the "
        "director thinks the criteria miss something, put it to the next criteria review, "
        "where any change applies to every account.",
        "",
    ),
    (
        "Add it: the biggest customers deserve the most attention.",
        "Size is already one of the criteria, with its agreed weight. Choosing on top of "
        "them because someone senior asks is exactly what makes selection political: every "
        "director has a favourite, and the programme fills with accounts no criterion "
        "backs, so the real key accounts get less.",
    ),
    (
        "Change the weights until it qualifies.",
        "Weights chosen to get one account in change the selection of every other account "
        "too (you saw it in exercises 3 and 4): politics dressed up as analysis. Weights "
        "are agreed first, for all accounts, and then applied.",
    ),
    (
        "Let the account's salesperson decide: nobody knows the customer better.",
        "The salesperson's knowledge belongs in the judgement scores, given against agreed "
        "definitions of 1, 5 and 10, but the choice of key accounts is a company decision "
        "on agreed criteria, not one person's.",
    ),
)
"""Replies to the dilemma of exercise 5: the first is right; the others with the hint
for choosing them."""

DILEMMA = (
    "The sales director for the North asks you to make her region's largest customer a "
    "key account. On the agreed criteria it is a Status account: we are strong there, but "
    "its attractiveness is below the cut-off. What should happen?"
)


@dataclass(frozen=True)
class Dilemma:
    """Exercise 5: the question, the replies by letter (shuffled by the seed) and the
    letter of the right one."""

    text: str
    options: dict[str, str]
    answer: str

    def show(self) -> str:
        lines = [self.text, ""]
        lines += [f"{letter}) {reply}" for letter, reply in self.options.items()]
        return "\n".join(lines)


def dilemma_for(seed: int) -> Dilemma:
    """The dilemma of exercise 5 with the replies in this student's order."""
    order = np.random.default_rng([int(seed), 2, 5]).permutation(len(RESPONSES))
    options = {"abcd"[i]: RESPONSES[k][0] for i, k in enumerate(order)}
    answer = "abcd"[int(np.flatnonzero(order == 0)[0])]
    return Dilemma(DILEMMA, options, answer)


# --------------------------------------------------------------------------- exercises


def _percentile(values: pd.Series, account: str) -> float:
    """The percentile score of ``account``: 1 + 9 (rank - 1) / (n - 1), ties averaged."""
    rank = values.dropna().rank(method="average")
    return float(1 + 9 * (rank[account] - 1) / max(len(rank) - 1, 1))


def _decile(values: pd.Series, account: str) -> float:
    """The decile score of ``account`` (1 = bottom tenth of the portfolio, 10 = top)."""
    rank = float(values.rank(method="min")[account])
    return float(1 + math.floor(10 * (rank - 1) / values.notna().sum()))


def _linear(x: float, low: float, high: float, steps: float = 9.0) -> float:
    return 1 + steps * (x - low) / (high - low)


def workbook(data: StudentPortfolio, *, show_solutions: bool = False) -> Workbook:
    """The exercises of notebook 2 on this student's portfolio."""
    portfolio = student_key_portfolio(data.seed)
    table = portfolio.table_
    scores = portfolio.scores_["attractiveness"]
    chosen = exercise_accounts(data)
    factor = next(f for f in scores.factors if f.name == "growth")
    low, high = float(factor.low), float(factor.high)
    g = float(table.loc[chosen.growth, "growth"])
    growth_all = table["growth"]

    y = chosen.weighted
    s = scores.scores.loc[y]
    w = pd.Series(scores.weights)
    weighted_sum = float((s * w).sum())

    weighting = weighting_for(data)
    after = reweighted(data.seed, weighting.weights)
    key_now, key_new = key_accounts(table), key_accounts(after)
    newcomers = _newcomers(table, after)
    first_new = str(newcomers.index[0])
    strategic_new = after.index[after["box"].astype("object") == "Strategic"]
    lost = table.loc[key_now.difference(key_new), "key_rank"].astype(float).sort_values()
    rise = (after["attractiveness"] - table["attractiveness"]).drop(key_now, errors="ignore")

    dilemma = dilemma_for(data.seed)
    hints = {RESPONSES[k][0]: RESPONSES[k][1] for k in range(1, len(RESPONSES))}

    exercises = [
        Exercise(
            "1",
            f"What is the growth score (1-10) of account {chosen.growth}?",
            _linear(g, low, high),
            decimals=2,
            mistakes=[
                Mistake(
                    "no 1 +",
                    _linear(g, low, high) - 1,
                    "Scores start at 1, not 0: a growth of -0.5 scores 1. Add 1 to your result.",
                ),
                Mistake(
                    "10 steps",
                    _linear(g, low, high, steps=10.0),
                    "From 1 to 10 there are 9 steps, not 10: multiply by 9.",
                ),
                Mistake(
                    "percentiles",
                    _linear(g, growth_all.quantile(0.05), growth_all.quantile(0.95)),
                    "The criteria give growth its own low and high, -0.5 and +0.5; the "
                    "portfolio's percentiles are used only when they are not given.",
                ),
                Mistake(
                    "percentile rule",
                    _percentile(growth_all, chosen.growth),
                    "That is a percentile (rank) score, the rule of revenue and potential. "
                    "Growth is scored on a straight line: 1 at -0.5, 10 at +0.5.",
                ),
                Mistake(
                    "deciles",
                    _decile(growth_all, chosen.growth),
                    "That is a decile score. Growth is scored on a straight line: 1 at -0.5, "
                    "10 at +0.5.",
                ),
            ],
            hint="score = 1 + 9 x (growth - low) / (high - low), with low = -0.5 and high = +0.5.",
            explanation="A straight line keeps the distances: an account growing twice as "
            "fast as another gets a clearly higher score, which deciles would not promise.",
        ),
        Exercise(
            "2",
            f"What is the attractiveness of account {y}?",
            weighted_sum / 100,
            decimals=2,
            mistakes=[
                Mistake(
                    "not divided by 100",
                    weighted_sum,
                    "The weights add up to 100: divide the sum of weight x score by 100 to "
                    "get back to the 1-10 scale.",
                ),
                Mistake(
                    "plain mean",
                    float(s.mean()),
                    "You averaged the scores as if every factor counted the same. Multiply "
                    "each score by its weight first.",
                ),
                Mistake(
                    "sum of scores",
                    float(s.sum()),
                    "You added up the scores without their weights. Multiply each score by "
                    "its weight, add up, and divide by 100.",
                ),
                Mistake(
                    "divided by the number of factors",
                    weighted_sum / len(s),
                    "You divided by the number of factors. The weights sum to 100, so "
                    "divide by 100.",
                ),
                Mistake(
                    "strength",
                    float(table.loc[y, "strength"]),
                    "That is the account's strength (our position, as the customer sees "
                    "it). The question asks for attractiveness.",
                ),
            ],
            hint="attractiveness = sum over the factors of (weight x score) / 100.",
            explanation="Any account's place on the attractiveness axis can be traced back "
            "to its scores and the agreed weights: that is what makes the choice defensible.",
        ),
        Exercise(
            "3",
            f"Under the '{weighting.name}' weights, how many of today's {len(key_now)} key "
            "accounts stay key?",
            len(key_now.intersection(key_new)),
            kind="count",
            mistakes=[
                Mistake(
                    "counted those that leave",
                    len(key_now.difference(key_new)),
                    "You counted the key accounts that stop being key. Count those that are "
                    "key both today and under the new weights.",
                ),
                Mistake(
                    "Strategic, not key",
                    len(key_now.intersection(strategic_new)),
                    "You counted the accounts that stay Strategic. Only the most attractive "
                    f"Strategic accounts, up to the cap of {portfolio.criteria_.key_cap}, are "
                    "key: compare the tier column.",
                ),
                Mistake(
                    "key development counted as key",
                    int(
                        after.loc[key_now, "tier"]
                        .astype("object")
                        .isin(["key", "key development"])
                        .sum()
                    ),
                    "'key development' is a tier of its own, below the key accounts. Count "
                    "only tier == 'key'.",
                ),
            ],
            hint="Fit a Portfolio with the new criteria, take the ids whose tier is 'key' "
            "in each table, and count the ids in both (.intersection).",
            explanation="The same data and the same scores give a different programme when "
            "the weights change: the weights are a decision, and that is why they are "
            "agreed before anyone looks at which accounts they select.",
        ),
        Exercise(
            "4",
            f"Of the accounts that become key under the '{weighting.name}' weights, which "
            "has the best key rank?",
            first_new,
            kind="id",
            mistakes=[
                Mistake(
                    "key already",
                    str(after["key_rank"].astype(float).idxmin()),
                    "That account is first among the key accounts under the new weights, but "
                    "it is key today as well. Look only at the accounts that are not key "
                    "today.",
                ),
                Mistake(
                    "the last newcomer",
                    str(newcomers.index[-1]),
                    "That is the newcomer with the worst rank. The best rank is the smallest "
                    "number (1 = first).",
                ),
                *[
                    Mistake(
                        "one that leaves",
                        str(account),
                        "That account is key today and stops being key under the new "
                        "weights: the opposite of what is asked.",
                    )
                    for account in lost.index[:1]
                ],
                Mistake(
                    "largest rise",
                    str(rise.idxmax()),
                    "That account's attractiveness rises most, but the question asks for "
                    "the best key rank among the new key accounts.",
                ),
            ],
            hint="Keep the ids that are key under the new weights but not today "
            "(.difference), then take the one with the smallest key_rank in the new table.",
            explanation="Ask what the newcomer has that the weights now reward: if nobody "
            "can say why it should be key, the weights are wrong, not the account.",
        ),
        Exercise(
            "5",
            "Which reply is right?",
            dilemma.answer,
            kind="choice",
            options=tuple(dilemma.options),
            mistakes=[
                Mistake(f"chose {letter}", letter, hints[reply])
                for letter, reply in dilemma.options.items()
                if letter != dilemma.answer
            ],
            hint="Ask which reply keeps the same rules for every account.",
            explanation="Criteria agreed in advance, applied to every account and changed "
            "only openly, for all of them, keep the selection from becoming political "
            "(McDonald & Woodburn 2007).",
        ),
    ]
    return Workbook(TITLE, exercises, show_solutions=show_solutions)
