"""A synthetic B2B customer base with known truth: the bundled sample and the test oracle.

:func:`make_sample` draws a supplier's accounts from a few latent segments, simulates
their orders with the models kamlab fits, and keeps the hidden truth so that tests can
check that the models recover it. Everything is drawn from ``np.random.default_rng``
streams keyed on ``seed``: the same arguments give byte-identical CSVs.

Generative process, per account *i* in segment *s* (parameters in :class:`SegmentSpec`):

- **Acquisition.** The first purchase, at time ``t0_i`` (days after ``start``), is
  uniform over the first ``acquisition_months`` months.
- **Purchases: BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy
  way", *Marketing Science* 24(2)). ``lambda_i ~ Gamma(shape=r, rate=alpha)`` purchases
  per day and ``p_i ~ Beta(a, b)``. While active, inter-purchase times are
  ``Exponential(lambda_i)``; after *each* purchase, the first included, the account
  drops out with probability ``p_i``. The dropout happens at that purchase, so
  ``dropout_date`` is the date of the last purchase. Simulated exactly and vectorised:
  the number of purchases before dropout is ``Geometric(p_i)`` (support 1, 2, ...), the
  repeat purchases a Poisson process on ``(t0_i, end]`` kept up to that number, and
  ``alive`` means the dropout purchase would have come after ``end``.
- **Spend: Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV", *JMR* 42(4);
  Colombo & Jiang 1999). ``nu_i ~ Gamma(shape=q, rate=gamma)`` and each order's value
  ``z ~ Gamma(shape=p, rate=nu_i)``, so ``E[z | nu_i] = p / nu_i`` and the segment mean
  order value is ``p * gamma / (q - 1)``.
- **Order lines.** An order has ``1 + Poisson(lines_per_order - 1)`` lines; its value is
  split across them with Gamma(2) weights. Each line buys a product from a catalog of
  200 (lognormal list prices, median ~25 GBP, popularity skewed), chosen among those
  priced at most a quarter of the line value, so ``quantity = max(1, round(value /
  unit_price)) >= 4`` in most lines and line revenue is within ~12% of the value drawn.
  Lines of one order that pick the same product are merged, so ``(order_id,
  product_id)`` is unique and the realised mean lines per order is a little below
  ``lines_per_order`` for the largest orders.
- **Margin.** ``margin_i ~ Beta`` with mean ``margin_rate`` and sd ~0.02; each product
  shifts it by a small offset (sd 0.02). ``unit_price`` is the product's list price,
  ``unit_cost = unit_price * (1 - margin)``, so the account's revenue-weighted gross
  margin share is close to ``margin_i``.
- **Returns.** Each line is returned with probability ``return_rate``, 3-30 days later
  (dropped if that falls after ``end``): same product, unit price and cost, quantity
  ``-q`` (all, half the time) or ``-U{1..q}``, order id ``"C" + original``.

The accounts table adds what a KAM team knows or judges, generated from latent
attractiveness ``A_i`` and supplier strength ``S_i`` (segment mean + N(0, 0.9), clipped
to 1-10) and a true relationship stage:

- judgement scores 1-10: ``round(A_i + N(0, 1))`` for ``strategic_alignment,
  cultural_fit, willingness_to_partner, technological_synergy``; ``round(S_i + N(0,
  1))`` for ``price_competitiveness, quality, delivery_reliability, relationship,
  technical_support`` (the customer's view of the supplier against the best competitor);
- stage (Woodburn & McDonald 2011), index ``k = clip(round(0.2 A_i + 0.3 S_i - 0.75 +
  0.8 (tenure_years - 2.25) + N(0, 0.45)), 0, 4)``, and indicators drawn from it:

  ==============  ========  =========  ======  ===========  ========  =======
  stage           contacts  functions  wallet  information  planning  sponsor
  ==============  ========  =========  ======  ===========  ========  =======
  Exploratory     1 + 0.3   1.0        0.04    1            0.0       0.00
  Basic           1 + 1     1.6        0.12    2            0.3       0.05
  Cooperative     1 + 3     3.0        0.30    3            1.2       0.30
  Interdependent  1 + 7     5.0        0.60    4            2.3       0.75
  Integrated      1 + 14    7.0        0.85    5            3.0       0.95
  ==============  ========  =========  ======  ===========  ========  =======

  ``contacts`` = 1 + Poisson(mean); ``functions_involved`` = round(N(mean, 0.6)) in
  1-8; ``share_of_wallet`` ~ Beta with that mean and concentration 20;
  ``information_sharing`` = round(N(mean, 0.5)) in 1-5; ``joint_planning`` =
  round(N(mean, 0.45)) in 0-3 (none / ad hoc / annual / joint strategic);
  ``executive_sponsor`` ~ Bernoulli(sponsor). Mapping each indicator back onto the
  0-4 scale at these means and averaging recovers the stage for ~90% of accounts;
- buyer-perspective scores 1-10 (how favourable the customer's supplier management is
  to our plan, per heading): ``round(1 + wA (A_i - 1) + wS (S_i - 1) + wK k + N(0, 1))``
  with heading weights in ``_BUYER_WEIGHTS``;
- cost-to-serve drivers not in the transactions, ``kam_hours`` and ``service_calls`` per
  year, by the supplier's current KAM programme (below);
- ``employees`` = ``exp(1 + 0.5 ln(expected annual spend) + 0.25 (A_i - 5.5) + N(0,
  0.6))``: heavy-tailed, larger for bigger and more attractive accounts.

**The supplier's current KAM programme** (its own, not kamlab's tiers: the tool is there
to improve on it). The supplier ranks its customers on a noisy view of their value,
``v_i = 0.6 z(ln E[annual spend_i]) + 0.4 z(A_i) + N(0, 0.8)`` (``z`` standardised over
the customers, expected annual spend ``lambda_i 365.25 p / nu_i``), and manages them by
rank in four tiers (``truth.programme_tier``). The programme is set at an annual review,
the last one a year before ``end``: a customer with no purchase in the year before that
review (nor since) left the programme then (transactional); one that stopped buying after
it keeps its tier and hours until the next review. So the hours of the accounts tables
(both) were given before the last year's purchases were known, and KAM performance
(:mod:`kamlab.portfolio.performance`) can compare that year's key and non-key accounts.

  ===============  ====================  ==============  ====================
  tier             rank                  KAM hours/year  support calls/year
  ===============  ====================  ==============  ====================
  key              top 3% (18 of 600)    150-250         24
  key development  next 7%               10-40           8
  maintain         next 15%              0-6             2
  transactional    the rest              0               0
  ===============  ====================  ==============  ====================

- ``kam_hours`` per year = ``low + (high - low) clip(u_i + N(0, 0.2), 0, 1)`` (one
  decimal) over the tier's range, ``u_i`` the account's place in its tier (1 at the top,
  0 at the bottom): a key account manager's hundreds of hours go to a few accounts;
- ``service_calls`` per year ~ ``Poisson((base_i + support) Gamma(2, 0.5))``, with
  ``base_i = 0.12 orders per year (1 + 8 return_rate)`` the order and return queries
  every customer makes (about one a year for a small transactional account) and
  ``support`` the tier's dedicated support.

On kamlab's P&L of the last 12 months (default cost rates, 600 accounts) KAM hours are
then 36-40% of the cost to serve (they were ~74% with hours for every account) and 25-31%
of the buying accounts lose money (were ~55%): mostly small transactional ones whose orders
barely cover their handling and delivery, and a few mid-sized accounts that the noisy
programme over-serves with key account hours (tests/test_datasets.py checks it).

**Prospects.** ``round(prospect_share x n_accounts)`` further accounts, with ids after the
customers', are in the accounts table but have never bought: no transactions. They are
drawn like customers (segment, latents, industry, judgement and buyer scores, employees
from the spend they would have) at stage Exploratory, with its stage indicators but
``share_of_wallet`` 0 (none of their spend is ours yet; kamlab's stage scale reads under
5% as Exploratory, and the table stays complete for segmentation). ``service_calls`` is
0 and ``kam_hours`` a few business-development hours, ``U(2, 10)``, on the attractive
ones (``A_i > 5.5``), else 0. Their truth row has ``prospect`` True, ``programme_tier``
"prospect", ``alive`` False (not a customer), no acquisition or dropout date, stage and
previous stage Exploratory, and the purchase and spend latents they would have as
customers. Their rows in ``accounts_previous`` are today's. (Account ids are as wide as
the customers and prospects together need: A0001 up to 9,999 accounts in all.)

The programme and the prospects come from random streams of their own, ``(seed, 2)`` and
``(seed, 3)``: the transactions, the customers' other columns, the truth and the earlier
accounts table are what they were before either existed, and ``prospect_share`` changes
nothing about the customers.

**A quarter earlier.** ``accounts_previous`` is the accounts table as the team had it
three months before ``end``, for "what changed since the last period": 10% of the
accounts were one stage less developed then, 5% of the accounts still buying (30% of
those that stopped) one stage *more* developed (their relationship is declining now),
with stage indicators drawn afresh at that stage (the others' indicators are as
today's); 15% had one judgement score a point different. ``truth.previous_stage``
holds the stage then. It comes from a random stream of its own, so the other tables
are what they would be without it.

**Contact maps.** ``contacts`` (``contacts.csv``) has one row per customer person
(columns of :func:`kamlab.io.read_contacts`), from a random stream of its own, ``(seed,
5)``: no other table changes. Each account has as many people as its ``contacts``, in
``min(functions_involved, contacts)`` functions (purchasing first, then the executive when
``executive_sponsor``, then others at random; people dealt round the functions), and an
executive sponsor exactly when ``executive_sponsor``: the contacts file and the accounts
table agree on the counts (functions only where the table has no more functions than
people, ~82% of accounts). Our side is :data:`SUPPLIER_STAFF` (eight key account managers
and two people of each other function); each account has one KAM, and by its true stage:

==============================  ======================================================
stage                           who of ours holds the contacts
==============================  ======================================================
Exploratory, Basic              the KAM holds every contact (bow tie)
Cooperative                     the KAM holds a majority (one of two), one or two
                                colleagues (operations, quality, engineering,
                                logistics, customer service) the rest (developing)
Interdependent, Integrated      the person of ours of the matching function holds each
                                contact, the KAM purchasing (diamond)
==============================  ======================================================

Names are drawn from common first names and surnames (distinct within an account). The
lead contact is the decision maker with probability 0.5-0.95 by stage; the others are
influencers, users or gatekeepers; seniority grows with the stage; a person reports to
the first of their function, or to the executive sponsor. Stance (champion ... blocker)
is drawn by stage (2-10% critics or blockers), more critical at declining or lapsed
accounts (28%). Days since the last contact are exponential with mean 60 to 25 days by
stage, 90 at declining and 200 at lapsed accounts, so ~20% of contacts are older than 90
days at ``end``. Prospects have the contacts their accounts row says (one or two).
:func:`kamlab.portfolio.contacts.contact_summary` classifies 97-98% of accounts to a shape
that fits their true stage (all of them or all but one of the key accounts).

**Global customers.** About 5% of the buying accounts (at least two) are legal entities of
global customers, two to five entities each: ``parent_id`` ``G001``, ``G002``... and
``parent_name`` (e.g. "Northgate Foods") name the global customer, and the entities are
renamed after it with their country's legal form ("Northgate Foods GmbH", "Northgate Foods
SAS"). The entities of one global customer are drawn from one industry, among the
customers with an expected annual spend above the median, and sit in different countries
(the largest in the United Kingdom six times in ten); every other account is in the United
Kingdom (``country``), with ``parent_id`` and ``parent_name`` empty. ``truth.parent_id``
repeats it. An entity abroad pays its country's prices: its lines' ``unit_price`` is the
list price times a factor ``clip(N(1, 0.06), 0.85, 1.15)`` of its own (unit cost unchanged,
so its margin moves with the price), which global buyers compare; entities in the United
Kingdom pay list prices. The countries also differ in margin, order size and cost to serve.
Drawn from a random stream of its own, ``(seed, 4)``, after everything else: every other
column, and the lines of every account but the entities abroad, are what they were
without it.

The BG/NBD process is stationary, so "growth accounts" show their potential through
attractiveness, size and a low share of wallet, not through a trend in the orders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from kamlab.safe import atomic_path
from kamlab.vocabulary import (
    ATTRACTIVENESS_CRITERIA,
    BUYER_HEADINGS,
    STAGE_INDICATORS,
    STAGES,
    STRENGTH_CRITERIA,
)

__all__ = [
    "ACCOUNT_COLUMNS",
    "DEFAULT_SEGMENTS",
    "INDUSTRIES",
    "PROGRAMME_TIERS",
    "REGIONS",
    "TRANSACTION_COLUMNS",
    "TRUTH_COLUMNS",
    "CONTACT_FUNCTIONS",
    "SUPPLIER_STAFF",
    "SamplePortfolio",
    "SegmentSpec",
    "make_sample",
]

INDUSTRIES: tuple[str, ...] = (
    "Food & Beverage",
    "Automotive",
    "Healthcare",
    "Retail",
    "Construction",
    "Electronics",
)
REGIONS: tuple[str, ...] = ("North", "South", "Midlands", "Scotland")
PROGRAMME_TIERS: tuple[str, ...] = ("key", "key development", "maintain", "transactional")
"""The supplier's current programme tiers (``truth.programme_tier``; "prospect" for prospects)."""

TRANSACTION_COLUMNS: tuple[str, ...] = (
    "order_id",
    "account_id",
    "date",
    "product_id",
    "quantity",
    "unit_price",
    "unit_cost",
)
ACCOUNT_COLUMNS: tuple[str, ...] = (
    ("account_id", "account_name", "industry", "region", "employees")
    + ATTRACTIVENESS_CRITERIA
    + STRENGTH_CRITERIA
    + STAGE_INDICATORS
    + BUYER_HEADINGS
    + ("service_calls", "kam_hours")
    + ("country", "parent_id", "parent_name")
)
_DRAWN_COLUMNS = ACCOUNT_COLUMNS[:-3]  # the global customers' columns come last
TRUTH_COLUMNS: tuple[str, ...] = (
    "account_id",
    "segment",
    "segment_name",
    "alive",
    "dropout_date",
    "acquisition_date",
    "lambda_per_day",
    "p_dropout",
    "nu",
    "margin_rate",
    "attractiveness",
    "strength",
    "stage",
    "r",
    "alpha",
    "a",
    "b",
    "gg_p",
    "gg_q",
    "gg_gamma",
    "previous_stage",
    "prospect",
    "programme_tier",
    "parent_id",
)


_POSITIVE_PARAMETERS = ("weight", "r", "alpha", "a", "b", "p", "gamma")


@dataclass(frozen=True)
class SegmentSpec:
    """One latent segment of the population and the parameters its accounts are drawn from.

    Purchases follow BG/NBD: ``lambda ~ Gamma(shape=r, rate=alpha)`` per day, dropout
    ``p ~ Beta(a, b)`` after each purchase. Order values follow Gamma-Gamma: ``z ~
    Gamma(shape=p, rate=nu)``, ``nu ~ Gamma(shape=q, rate=gamma)``. ``attractiveness``
    and ``strength`` are latent means on the 1-10 scale of the directional policy matrix.
    """

    name: str
    weight: float
    r: float
    alpha: float
    a: float
    b: float
    p: float
    q: float
    gamma: float
    margin_rate: float
    lines_per_order: float
    return_rate: float
    attractiveness: float
    strength: float

    def __post_init__(self) -> None:
        rules = [(name, "> 0", getattr(self, name) > 0) for name in _POSITIVE_PARAMETERS]
        rules += [
            ("q", "> 1 (for a finite mean order value)", self.q > 1),
            ("margin_rate", "in (0, 1)", 0 < self.margin_rate < 1),
            ("lines_per_order", ">= 1", self.lines_per_order >= 1),
            ("return_rate", "in [0, 1]", 0 <= self.return_rate <= 1),
            ("attractiveness", "in [1, 10]", 1 <= self.attractiveness <= 10),
            ("strength", "in [1, 10]", 1 <= self.strength <= 10),
        ]
        broken = [
            f"{name} must be {rule}, got {getattr(self, name)!r}"
            for name, rule, ok in rules
            if not ok
        ]
        if broken:
            raise ValueError(f"SegmentSpec {self.name!r}: " + "; ".join(broken))

    @property
    def mean_purchase_rate(self) -> float:
        """E[lambda] = r / alpha, purchases per day while active."""
        return self.r / self.alpha

    @property
    def mean_dropout(self) -> float:
        """E[p] = a / (a + b), the chance of dropping out after a purchase."""
        return self.a / (self.a + self.b)

    @property
    def mean_order_value(self) -> float:
        """E[z] = p * gamma / (q - 1), the population mean order value (GBP)."""
        return self.p * self.gamma / (self.q - 1)


DEFAULT_SEGMENTS: tuple[SegmentSpec, ...] = (
    # a purchase every ~7 days, E[p] = 1/501, orders of ~5,000 GBP
    SegmentSpec(
        "strategic partners",
        weight=0.10,
        r=8.0,
        alpha=56.0,
        a=1.0,
        b=500.0,
        p=4.0,
        q=15.0,
        gamma=17_500.0,
        margin_rate=0.38,
        lines_per_order=6.0,
        return_rate=0.02,
        attractiveness=7.8,
        strength=7.6,
    ),
    # every ~30 days, E[p] = 0.01, ~2,000 GBP: big customers, we are a minor supplier
    SegmentSpec(
        "growth accounts",
        weight=0.20,
        r=6.0,
        alpha=180.0,
        a=1.0,
        b=99.0,
        p=4.0,
        q=15.0,
        gamma=7_000.0,
        margin_rate=0.23,
        lines_per_order=4.0,
        return_rate=0.03,
        attractiveness=7.3,
        strength=3.8,
    ),
    # every ~14 days, E[p] = 0.005, ~800 GBP
    SegmentSpec(
        "steady mid-market",
        weight=0.30,
        r=8.0,
        alpha=112.0,
        a=1.0,
        b=199.0,
        p=4.0,
        q=15.0,
        gamma=2_800.0,
        margin_rate=0.30,
        lines_per_order=3.0,
        return_rate=0.03,
        attractiveness=3.9,
        strength=7.2,
    ),
    # every ~90 days, E[p] = 0.05, ~300 GBP
    SegmentSpec(
        "transactional small",
        weight=0.40,
        r=6.0,
        alpha=540.0,
        a=1.0,
        b=19.0,
        p=3.0,
        q=15.0,
        gamma=1_400.0,
        margin_rate=0.15,
        lines_per_order=1.5,
        return_rate=0.05,
        attractiveness=3.2,
        strength=3.4,
    ),
)
"""Four well-separated segments (tests/test_datasets.py checks that KMeans recovers them).

=====================  =====  ============  =======  ===========  ======  ===  ===
segment                share  days between  E[p]     order value  margin  A    S
=====================  =====  ============  =======  ===========  ======  ===  ===
strategic partners     10%    7             0.002    5,000        0.38    7.8  7.6
growth accounts        20%    30            0.01     2,000        0.23    7.3  3.8
steady mid-market      30%    14            0.005    800          0.30    3.9  7.2
transactional small    40%    90            0.05     300          0.15    3.2  3.4
=====================  =====  ============  =======  ===========  ======  ===  ===

Days between purchases is ``alpha / r`` (1 / E[lambda]); order value is ``p gamma / (q -
1)`` in GBP; A and S are the latent attractiveness and strength means.
The McDonald-Woodburn boxes (midpoint 5.5) are Strategic, Star, Status and Streamline.
"""


@dataclass
class SamplePortfolio:
    """A generated sample: ``transactions``, ``accounts``, the hidden ``truth`` and
    ``accounts_previous``, the accounts table as it stood a quarter before the end, and
    ``contacts``, the contact map (one row per customer person; None: not generated)."""

    transactions: pd.DataFrame
    accounts: pd.DataFrame
    truth: pd.DataFrame
    accounts_previous: pd.DataFrame
    contacts: pd.DataFrame | None = None

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``transactions.csv``, ``accounts.csv``, ``truth.csv``,
        ``accounts_previous.csv`` and ``contacts.csv`` (UTF-8, no index), each atomically: a run that fails
        (a full disk) leaves the earlier file whole, never half written.

        The directory is created if needed. Returns the paths by table name.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in ("transactions", "accounts", "truth", "accounts_previous", "contacts"):
            path = out / f"{name}.csv"
            frame: pd.DataFrame = getattr(self, name)
            if frame is None:
                continue
            float_format = "%.2f" if name == "transactions" else None
            with atomic_path(path) as tmp:
                frame.to_csv(
                    tmp,
                    index=False,
                    encoding="utf-8",
                    lineterminator="\n",
                    float_format=float_format,
                )
            paths[name] = path
        return paths


FAULT_KINDS: tuple[str, ...] = (
    "missing_account_id",
    "duplicate_line",
    "unparseable_date",
    "zero_price",
)
"""Faults :func:`add_faults` plants, named by the ``kamlab.io`` reason that quarantines them."""


def add_faults(
    transactions: pd.DataFrame, rate: float = 0.01, *, seed: int = 0
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Append faulty copies of random lines, as real extracts have them.

    ``round(rate * len(transactions))`` lines are copied and each spoiled in one way
    from :data:`FAULT_KINDS` (in turn): the account id blanked, the line repeated
    exactly, the date garbled, or the price set to 0. Every planted row is quarantined by
    ``kamlab.io`` with that reason, so the accepted rows are the clean ones. Returns the
    frame (faulty rows at random positions) and the count planted per reason.
    """
    rng = np.random.default_rng(seed)
    n = int(round(rate * len(transactions)))
    if n == 0:
        return transactions, {}
    positions = np.sort(rng.choice(len(transactions), n, replace=False))
    bad = transactions.iloc[positions].copy()
    kind = np.resize(np.arange(len(FAULT_KINDS)), n)
    bad["account_id"] = bad["account_id"].where(kind != 0, "")
    bad["date"] = bad["date"].where(kind != 2, rng.choice(["31/02/2025", "n/a", "2025-13-01"], n))
    bad["unit_price"] = bad["unit_price"].where(kind != 3, 0.0)
    out = pd.concat([transactions, bad])
    order = np.argsort(
        np.concatenate([np.arange(len(transactions)), positions + 0.5]), kind="stable"
    )
    counts = {k: int((kind == i).sum()) for i, k in enumerate(FAULT_KINDS)}
    return out.iloc[order].reset_index(drop=True), counts


# --- generation constants (documented in the module docstring) ------------------------

_N_PRODUCTS = 200
_MIN_LINE_QUANTITY = 4  # products are chosen priced at most line value / 4
_MARGIN_CONCENTRATION = 500.0  # Beta concentration of account margins: sd ~0.02
_PRODUCT_MARGIN_SD = 0.02
_LATENT_SD = 0.9  # account latent attractiveness / strength around the segment mean
_SCORE_SD = 1.0  # judgement score noise around the latent value
_PROGRESSED = 0.10  # share of accounts one stage further on than a quarter ago
_DECLINED = 0.05  # share of buying accounts one stage lower than a quarter ago
_DECLINED_LOST = 0.30  # the same among accounts that have stopped buying
_RESCORED = 0.15  # share of accounts with one judgement score changed by a point
_PROGRAMME_SHARES = np.array([0.03, 0.07, 0.15])  # key, key development, maintain; rest
_PROGRAMME_VIEW = (0.6, 0.4, 0.8)  # weights of z(ln spend) and z(A), sd of the noise
_PROGRAMME_REVIEW_DAYS = 365.25  # no purchase for this long: left the programme
_PROGRAMME_HOURS = np.array([[150.0, 250.0], [10.0, 40.0], [0.0, 6.0], [0.0, 0.0]])
_PROGRAMME_HOURS_SD = 0.2  # noise on the account's place in its tier's hours range
_PROGRAMME_SUPPORT = np.array([24.0, 8.0, 2.0, 0.0])  # dedicated support calls a year
_CALLS_PER_ORDER = 0.12  # order and return queries per order (x (1 + 8 return_rate))
_PROSPECT_HOURS = (2.0, 10.0)  # business-development hours on an attractive prospect
_NAME_REDRAWS = 20  # tries at a prospect name no customer has
_STAGE_CONTACTS = np.array([0.3, 1.0, 3.0, 7.0, 14.0])
_STAGE_FUNCTIONS = np.array([1.0, 1.6, 3.0, 5.0, 7.0])
_STAGE_WALLET = np.array([0.04, 0.12, 0.30, 0.60, 0.85])
_STAGE_PLANNING = np.array([0.0, 0.3, 1.2, 2.3, 3.0])
_STAGE_SPONSOR = np.array([0.0, 0.05, 0.30, 0.75, 0.95])
_BUYER_WEIGHTS = np.array(
    [  # weights on (A - 1, S - 1, stage index) per BUYER_HEADINGS
        [0.35, 0.35, 0.4],  # collaboration: mutual fit and a developed relationship
        [0.20, 0.60, 0.2],  # consolidation: strong suppliers survive rationalisation
        [0.20, 0.60, 0.2],  # evaluation: scored on performance
        [0.30, 0.30, 0.6],  # risk management: trust built over stages
        [0.60, 0.20, 0.3],  # innovation: attractive customers innovate
        [0.40, 0.20, 0.5],  # development: willingness to share knowledge
    ]
)
_INDUSTRY_WEIGHTS = np.array([0.2, 0.15, 0.15, 0.2, 0.15, 0.15])
_REGION_WEIGHTS = np.array([0.3, 0.35, 0.25, 0.1])

_NAME_HEADS = (
    "North",
    "South",
    "East",
    "West",
    "Ash",
    "Oak",
    "Elm",
    "Brook",
    "Stone",
    "Red",
    "Green",
    "High",
    "Kings",
    "Mill",
    "Bridge",
    "Fair",
    "Gold",
    "Silver",
    "Black",
    "White",
    "Long",
    "Wood",
    "Haw",
    "Thorn",
)
_NAME_TAILS = (
    "gate",
    "field",
    "wood",
    "bridge",
    "ford",
    "ley",
    "ton",
    "brook",
    "dale",
    "wick",
    "mere",
    "stead",
    "well",
    "borough",
    "worth",
    "haven",
)
_NAME_NOUNS = {
    "Food & Beverage": ("Foods", "Bakeries", "Dairies", "Brewing", "Provisions", "Drinks"),
    "Automotive": ("Motors", "Auto Parts", "Engineering", "Components", "Vehicles", "Fleet"),
    "Healthcare": ("Healthcare", "Medical", "Pharma", "Care", "Clinics", "Life Sciences"),
    "Retail": ("Stores", "Retail", "Trading", "Outfitters", "Markets", "Home"),
    "Construction": (
        "Construction",
        "Builders",
        "Civils",
        "Developments",
        "Building Supplies",
        "Contracting",
    ),
    "Electronics": ("Electronics", "Systems", "Devices", "Circuits", "Technologies", "Controls"),
}
_NAME_SUFFIXES = ("Ltd", "Limited", "PLC", "Group", "Holdings")


def make_sample(
    n_accounts: int = 300,
    *,
    seed: int = 0,
    start: str | pd.Timestamp = "2024-01-01",
    end: str | pd.Timestamp = "2026-09-30",
    segments: Sequence[SegmentSpec] = DEFAULT_SEGMENTS,
    acquisition_months: int = 12,
    prospect_share: float = 0.03,
) -> SamplePortfolio:
    """Generate a synthetic portfolio of ``n_accounts`` buying accounts observed from ``start``
    to ``end``, plus ``round(prospect_share * n_accounts)`` prospects that never bought.

    Deterministic given the arguments (random streams keyed on ``seed``). Returns
    transactions (one row per order line, returns as extra lines with negative quantity),
    accounts (attributes, judgement scores, stage indicators, cost-to-serve drivers by the
    supplier's current KAM programme; prospects last) and the truth (segment, BG/NBD and
    Gamma-Gamma latents, alive at ``end``, relationship stage, programme tier, prospect).
    The buying accounts' rows and transactions do not depend on ``prospect_share``. See
    the module docstring for the process.
    """
    if int(n_accounts) != n_accounts or n_accounts < 1:
        raise ValueError(f"n_accounts must be a positive integer, got {n_accounts!r}")
    if not 0 <= prospect_share < 1:
        raise ValueError(f"prospect_share must be in [0, 1), got {prospect_share!r}")
    n = int(n_accounts)
    n_prospects = int(round(prospect_share * n))
    specs = tuple(segments)
    if not specs:
        raise ValueError("segments is empty: give at least one SegmentSpec")
    start_ts = pd.Timestamp(start).normalize()
    end_ts = pd.Timestamp(end).normalize()
    horizon = (end_ts - start_ts).days + 1  # days observed; day d covers [d, d + 1)
    acq_days = (start_ts + pd.DateOffset(months=int(acquisition_months)) - start_ts).days
    if acquisition_months < 1 or acq_days > horizon:
        raise ValueError(
            f"acquisition_months={acquisition_months} must be >= 1 and fit between start "
            f"{start_ts.date()} and end {end_ts.date()}"
        )
    rng = np.random.default_rng(seed)
    par = {
        f.name: np.array([getattr(s, f.name) for s in specs], dtype=float)
        for f in fields(SegmentSpec)
        if f.name != "name"
    }
    weights = par["weight"] / par["weight"].sum()

    catalog = _catalog(rng)

    # Accounts' latent parameters.
    seg = rng.choice(len(specs), size=n, p=weights)
    t0 = rng.uniform(0.0, acq_days, size=n)
    latent = _latents(rng, seg, par)

    orders = _purchases(rng, t0, latent["lambda"], latent["p_drop"], horizon)
    lines = _order_lines(rng, orders, seg, latent["nu"], latent["margin"], par, catalog)
    tx = _transactions(rng, lines, seg, par, catalog, horizon)

    dates = _date_strings(start_ts, horizon)
    ids = _account_ids(n + n_prospects)
    account_ids, prospect_ids = ids[:n], ids[n:]
    attract, strength = latent["attractiveness"], latent["strength"]
    stage = _stage(rng, attract, strength, (horizon - t0) / 365.25)
    accounts = _accounts(rng, account_ids, seg, latent, stage, par)
    # the programme as set at its last annual review, a year before the end
    lapsed = orders["last"] < horizon - _PROGRAMME_REVIEW_DAYS - _PROGRAMME_REVIEW_DAYS
    tier, drivers = _programme(np.random.default_rng([seed, 2]), seg, latent, lapsed, par)
    accounts = accounts.assign(**drivers)[list(_DRAWN_COLUMNS)]

    dropout = np.where(orders["alive"], None, dates[np.floor(orders["last"]).astype(np.int64)])
    truth = _truth(account_ids, seg, latent, stage, specs, par)
    truth.insert(3, "alive", orders["alive"])
    truth.insert(4, "dropout_date", pd.array(dropout, dtype="str"))
    truth.insert(5, "acquisition_date", dates[np.floor(t0).astype(np.int64)])
    previous, stage_before = _previous_accounts(seed, accounts, stage, orders["alive"])
    truth["previous_stage"] = np.array(STAGES)[stage_before]
    truth["prospect"] = False
    truth["programme_tier"] = np.array(PROGRAMME_TIERS, dtype=object)[tier]
    if n_prospects:
        rng_p = np.random.default_rng([seed, 3])
        more, more_truth = _prospects(rng_p, prospect_ids, specs, par, weights, accounts)
        accounts = pd.concat([accounts, more], ignore_index=True)
        previous = pd.concat([previous, more], ignore_index=True)
        truth = pd.concat([truth, more_truth[list(truth.columns)]], ignore_index=True)
    accounts, previous, truth, price = _global_customers(seed, accounts, previous, truth)
    tx["unit_price"] = np.round(tx["unit_price"] * price[tx["account"]], 2)
    tx["account_id"] = account_ids[tx.pop("account")]
    tx["date"] = dates[tx.pop("day")]
    contacts = _contacts(np.random.default_rng([seed, 5]), accounts, truth, end_ts)
    return SamplePortfolio(
        tx[list(TRANSACTION_COLUMNS)], accounts, truth[list(TRUTH_COLUMNS)], previous, contacts
    )


def _latents(
    rng: np.random.Generator, seg: np.ndarray, par: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Each account's purchase rate, dropout probability, spend rate, margin and latent
    attractiveness and strength, drawn from its segment."""
    n = seg.size
    lam = rng.gamma(par["r"][seg], 1.0 / par["alpha"][seg])
    p_drop = np.clip(rng.beta(par["a"][seg], par["b"][seg]), 1e-12, 1.0)
    nu = rng.gamma(par["q"][seg], 1.0 / par["gamma"][seg])
    m = par["margin_rate"][seg]
    margin = rng.beta(m * _MARGIN_CONCENTRATION, (1 - m) * _MARGIN_CONCENTRATION)
    attract = np.clip(par["attractiveness"][seg] + rng.normal(0, _LATENT_SD, n), 1, 10)
    strength = np.clip(par["strength"][seg] + rng.normal(0, _LATENT_SD, n), 1, 10)
    return {
        "lambda": lam,
        "p_drop": p_drop,
        "nu": nu,
        "margin": margin,
        "attractiveness": attract,
        "strength": strength,
        "annual_spend": lam * 365.25 * par["p"][seg] / nu,
    }


def _truth(
    account_ids: np.ndarray,
    seg: np.ndarray,
    latent: dict[str, np.ndarray],
    stage: np.ndarray,
    specs: Sequence[SegmentSpec],
    par: dict[str, np.ndarray],
) -> pd.DataFrame:
    """The truth table's segment, latent and parameter columns (no dates, alive or flags)."""
    return pd.DataFrame(
        {
            "account_id": account_ids,
            "segment": seg.astype(np.int64),
            "segment_name": np.array([s.name for s in specs])[seg],
            "lambda_per_day": latent["lambda"],
            "p_dropout": latent["p_drop"],
            "nu": latent["nu"],
            "margin_rate": latent["margin"],
            "attractiveness": latent["attractiveness"],
            "strength": latent["strength"],
            "stage": np.array(STAGES)[stage],
            "r": par["r"][seg],
            "alpha": par["alpha"][seg],
            "a": par["a"][seg],
            "b": par["b"][seg],
            "gg_p": par["p"][seg],
            "gg_q": par["q"][seg],
            "gg_gamma": par["gamma"][seg],
        }
    )


def _standardised(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def _programme(
    rng: np.random.Generator,
    seg: np.ndarray,
    latent: dict[str, np.ndarray],
    lapsed: np.ndarray,
    par: dict[str, np.ndarray],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The supplier's current programme tier (index into :data:`PROGRAMME_TIERS`) and the
    ``service_calls`` and ``kam_hours`` a year it gives each account (module docstring)."""
    n = seg.size
    w_spend, w_attract, noise = _PROGRAMME_VIEW
    view = (
        w_spend * _standardised(np.log(latent["annual_spend"]))
        + w_attract * _standardised(latent["attractiveness"])
        + rng.normal(0.0, noise, n)
    )
    view[lapsed] = -np.inf
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(-view, kind="stable")] = np.arange(n)
    ends = np.cumsum(np.rint(_PROGRAMME_SHARES * n)).astype(np.int64)  # ranks ending each tier
    tier = np.where(lapsed, len(PROGRAMME_TIERS) - 1, np.searchsorted(ends, rank, side="right"))
    first = np.concatenate(([0], ends))
    size = np.diff(np.concatenate((first, [n])))
    place = 1 - (rank - first[tier] + 0.5) / np.maximum(size[tier], 1)  # 1 top, 0 bottom
    place = np.clip(place + rng.normal(0.0, _PROGRAMME_HOURS_SD, n), 0, 1)
    low, high = _PROGRAMME_HOURS[tier, 0], _PROGRAMME_HOURS[tier, 1]
    hours = np.round(low + (high - low) * place, 1)
    orders_per_year = latent["lambda"] * 365.25
    base = _CALLS_PER_ORDER * orders_per_year * (1 + 8 * par["return_rate"][seg])
    calls = rng.poisson((base + _PROGRAMME_SUPPORT[tier]) * rng.gamma(2.0, 0.5, n))
    return tier, {"service_calls": calls, "kam_hours": hours}


def _prospects(
    rng: np.random.Generator,
    prospect_ids: np.ndarray,
    specs: Sequence[SegmentSpec],
    par: dict[str, np.ndarray],
    weights: np.ndarray,
    customers: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accounts-table and truth rows of accounts that have never bought (module docstring)."""
    m = prospect_ids.size
    seg = rng.choice(len(specs), size=m, p=weights)
    latent = _latents(rng, seg, par)
    stage = np.zeros(m, dtype=np.int64)
    accounts = _accounts(rng, prospect_ids, seg, latent, stage, par)
    accounts["account_name"] = _new_names(
        rng, accounts["account_name"].to_numpy(), accounts["industry"].to_numpy(), customers
    )
    accounts["share_of_wallet"] = 0.0
    courted = latent["attractiveness"] > 5.5
    accounts["service_calls"] = np.zeros(m, dtype=np.int64)
    accounts["kam_hours"] = np.where(courted, np.round(rng.uniform(*_PROSPECT_HOURS, m), 1), 0.0)
    truth = _truth(prospect_ids, seg, latent, stage, specs, par)
    truth["alive"] = False
    truth["dropout_date"] = pd.array([None] * m, dtype="str")
    truth["acquisition_date"] = np.full(m, None, dtype=object)
    truth["previous_stage"] = STAGES[0]
    truth["prospect"] = True
    truth["programme_tier"] = "prospect"
    return accounts[list(_DRAWN_COLUMNS)], truth


def _new_names(
    rng: np.random.Generator, names: np.ndarray, industry: np.ndarray, customers: pd.DataFrame
) -> np.ndarray:
    """``names`` with any a customer (or an earlier prospect) has drawn again, a few times;
    then numbered like the customers' names when the names run out."""
    taken = set(customers["account_name"])
    code = {name: k for k, name in enumerate(INDUSTRIES)}
    for _ in range(_NAME_REDRAWS):
        drawn = np.fromiter((name in taken for name in names), bool, names.size)
        clash = drawn | pd.Series(names).duplicated().to_numpy()
        if not clash.any():
            return names
        names[clash] = _company_names(rng, np.array([code[i] for i in industry[clash]]))
    for i, name in enumerate(names):
        k = 2
        while names[i] in taken:
            names[i], k = f"{name} ({k})", k + 1
        taken.add(names[i])
    return names


def _catalog(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """200 products, sorted by price: list price, popularity and margin offset."""
    price = np.round(np.maximum(rng.lognormal(np.log(25.0), 1.1, _N_PRODUCTS), 0.5), 2)
    popularity = rng.lognormal(0.0, 1.0, _N_PRODUCTS)
    offset = rng.normal(0.0, _PRODUCT_MARGIN_SD, _N_PRODUCTS)
    number = rng.permutation(_N_PRODUCTS) + 1  # product ids are not in price order
    order = np.argsort(price, kind="stable")
    width = len(str(_N_PRODUCTS))
    return {
        "price": price[order],
        "cum_popularity": np.cumsum(popularity[order]),
        "margin_offset": offset[order] - offset.mean(),
        "number": number[order],
        "id": np.array([f"P{k:0{width}d}" for k in number[order]]),
    }


def _purchases(
    rng: np.random.Generator, t0: np.ndarray, lam: np.ndarray, p_drop: np.ndarray, horizon: int
) -> dict[str, np.ndarray]:
    """Simulate BG/NBD purchase times exactly; returns orders sorted by time."""
    n = len(t0)
    exposure = horizon - t0
    n_window = 1 + rng.poisson(lam * exposure)  # purchases in (t0, end] if never dropping
    n_before_dropout = rng.geometric(p_drop)  # the purchase after which it drops out
    n_purchases = np.minimum(n_window, n_before_dropout)
    alive = n_before_dropout > n_window
    # Given the count, Poisson event times are sorted uniforms on (t0, end].
    repeats = n_window - 1
    owner = np.repeat(np.arange(n), repeats)
    u = rng.random(owner.size)
    u = u[np.lexsort((u, owner))]
    first = np.concatenate(([0], np.cumsum(repeats)[:-1]))
    rank = np.arange(owner.size) - first[owner]
    keep = rank < (n_purchases - 1)[owner]
    account = np.concatenate((np.arange(n), owner[keep]))
    t = np.concatenate((t0, t0[owner[keep]] + u[keep] * exposure[owner[keep]]))
    order = np.argsort(t, kind="stable")
    account, t = account[order], t[order]
    last = np.zeros(n)
    np.maximum.at(last, account, t)
    return {"account": account, "t": t, "alive": alive, "last": last}


def _order_lines(
    rng: np.random.Generator,
    orders: dict[str, np.ndarray],
    seg: np.ndarray,
    nu: np.ndarray,
    margin: np.ndarray,
    par: dict[str, np.ndarray],
    catalog: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Gamma-Gamma order values split into product lines (one per order and product)."""
    account = orders["account"]
    n_orders = account.size
    aseg = seg[account]
    value = rng.gamma(par["p"][aseg], 1.0 / nu[account])
    n_lines = 1 + rng.poisson(par["lines_per_order"][aseg] - 1)
    line_order = np.repeat(np.arange(n_orders), n_lines)
    share = rng.gamma(2.0, 1.0, line_order.size)
    line_value = value[line_order] * share / np.bincount(line_order, share)[line_order]
    # A product priced at most line_value / 4, drawn by popularity.
    eligible = np.searchsorted(catalog["price"], line_value / _MIN_LINE_QUANTITY, side="right")
    eligible = np.maximum(eligible, 1)
    cum = catalog["cum_popularity"]
    target = rng.random(line_order.size) * cum[eligible - 1]
    product = np.minimum(np.searchsorted(cum, target, side="right"), eligible - 1)
    # Merge lines of one order that picked the same product.
    key, inverse = np.unique(line_order * _N_PRODUCTS + product, return_inverse=True)
    line_value = np.bincount(inverse, line_value)
    line_order, product = key // _N_PRODUCTS, key % _N_PRODUCTS
    price = catalog["price"][product]
    quantity = np.maximum(1, np.rint(line_value / price)).astype(np.int64)
    line_margin = np.clip(
        margin[account[line_order]] + catalog["margin_offset"][product], 0.02, 0.9
    )
    cost = np.round(price * (1 - line_margin), 2)
    return {
        "order": line_order,
        "account": account[line_order],
        "day": np.floor(orders["t"][line_order]).astype(np.int64),
        "product": product,
        "quantity": quantity,
        "price": price,
        "cost": cost,
    }


def _transactions(
    rng: np.random.Generator,
    lines: dict[str, np.ndarray],
    seg: np.ndarray,
    par: dict[str, np.ndarray],
    catalog: dict[str, np.ndarray],
    horizon: int,
) -> pd.DataFrame:
    """Sales lines plus return lines, sorted by date and order id (account, day as ints)."""
    size = lines["order"].size
    returned = rng.random(size) < par["return_rate"][seg[lines["account"]]]
    return_day = lines["day"] + rng.integers(3, 31, size)
    returned &= return_day < horizon
    whole = rng.random(size) < 0.5
    part = 1 + np.floor(rng.random(size) * lines["quantity"]).astype(np.int64)
    return_qty = np.where(whole, lines["quantity"], part)

    idx = np.flatnonzero(returned)
    order = np.concatenate((lines["order"], lines["order"][idx]))
    is_sale = np.concatenate((np.ones(size, bool), np.zeros(idx.size, bool)))
    day = np.concatenate((lines["day"], return_day[idx]))
    product = np.concatenate((lines["product"], lines["product"][idx]))
    # "CSO..." sorts before "SO...", and zero-padded numbers sort as numbers.
    sort = np.lexsort((catalog["number"][product], order, is_sale, day))
    order, is_sale, product = order[sort], is_sale[sort], product[sort]

    n_orders = int(lines["order"].max()) + 1 if size else 0
    width = max(6, len(str(n_orders)))
    order_ids = np.array([f"SO{k:0{width}d}" for k in range(1, n_orders + 1)], dtype=object)
    ids = order_ids[order]
    ids[~is_sale] = "C" + ids[~is_sale]
    return pd.DataFrame(
        {
            "order_id": pd.array(ids, dtype="str"),
            "account": np.concatenate((lines["account"], lines["account"][idx]))[sort],
            "day": day[sort],
            "product_id": catalog["id"][product],
            "quantity": np.concatenate((lines["quantity"], -return_qty[idx]))[sort],
            "unit_price": np.concatenate((lines["price"], lines["price"][idx]))[sort],
            "unit_cost": np.concatenate((lines["cost"], lines["cost"][idx]))[sort],
        }
    )


def _date_strings(start: pd.Timestamp, horizon: int) -> np.ndarray:
    """ISO dates of days 0 .. horizon - 1 after ``start``."""
    days = np.datetime64(start.date(), "D") + np.arange(horizon)
    return np.datetime_as_string(days, unit="D").astype(object)


def _account_ids(n: int) -> np.ndarray:
    width = max(4, len(str(n)))
    return np.array([f"A{k:0{width}d}" for k in range(1, n + 1)], dtype=object)


def _stage(
    rng: np.random.Generator, attract: np.ndarray, strength: np.ndarray, tenure_years: np.ndarray
) -> np.ndarray:
    """True stage index 0-4: deeper for attractive, strong and long relationships."""
    latent = 0.2 * attract + 0.3 * strength - 0.75 + 0.8 * (tenure_years - 2.25)
    latent += rng.normal(0.0, 0.45, attract.size)
    return np.clip(np.rint(latent), 0, len(STAGES) - 1).astype(np.int64)


def _scores(
    rng: np.random.Generator, mean: np.ndarray, sd: float, low: int, high: int
) -> np.ndarray:
    return np.clip(np.rint(mean + rng.normal(0.0, sd, mean.shape)), low, high).astype(np.int64)


def _accounts(
    rng: np.random.Generator,
    account_ids: np.ndarray,
    seg: np.ndarray,
    latent: dict[str, np.ndarray],
    stage: np.ndarray,
    par: dict[str, np.ndarray],
) -> pd.DataFrame:
    """What the KAM team records about each account, but its cost-to-serve drivers."""
    n = seg.size
    attract, strength = latent["attractiveness"], latent["strength"]
    industry = rng.choice(len(INDUSTRIES), size=n, p=_INDUSTRY_WEIGHTS)
    region = rng.choice(len(REGIONS), size=n, p=_REGION_WEIGHTS)
    names = _company_names(rng, industry)
    annual_spend = latent["annual_spend"]
    employees = np.maximum(
        1,
        np.rint(
            np.exp(
                1.0 + 0.5 * np.log(annual_spend) + 0.25 * (attract - 5.5) + rng.normal(0, 0.6, n)
            )
        ),
    ).astype(np.int64)

    cols: dict[str, object] = {
        "account_id": account_ids,
        "account_name": names,
        "industry": np.array(INDUSTRIES, dtype=object)[industry],
        "region": np.array(REGIONS, dtype=object)[region],
        "employees": employees,
    }
    for col in ATTRACTIVENESS_CRITERIA:
        cols[col] = _scores(rng, attract, _SCORE_SD, 1, 10)
    for col in STRENGTH_CRITERIA:
        cols[col] = _scores(rng, strength, _SCORE_SD, 1, 10)
    cols.update(_stage_indicators(rng, stage))
    scale = np.column_stack((attract - 1, strength - 1, stage))
    for col, weights in zip(BUYER_HEADINGS, _BUYER_WEIGHTS, strict=True):
        cols[col] = _scores(rng, 1 + scale @ weights, 1.0, 1, 10)
    return pd.DataFrame(cols)


def _stage_indicators(rng: np.random.Generator, stage: np.ndarray) -> dict[str, np.ndarray]:
    """The relationship-stage indicators of accounts at ``stage`` (module docstring table)."""
    wallet = _STAGE_WALLET[stage]
    return {
        "contacts": 1 + rng.poisson(_STAGE_CONTACTS[stage]),
        "functions_involved": _scores(rng, _STAGE_FUNCTIONS[stage], 0.6, 1, 8),
        "share_of_wallet": np.round(rng.beta(wallet * 20, (1 - wallet) * 20), 3),
        "information_sharing": _scores(rng, stage + 1.0, 0.5, 1, 5),
        "joint_planning": _scores(rng, _STAGE_PLANNING[stage], 0.45, 0, 3),
        "executive_sponsor": rng.random(stage.size) < _STAGE_SPONSOR[stage],
    }


def _previous_accounts(
    seed: int, accounts: pd.DataFrame, stage: np.ndarray, alive: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """The accounts table as it stood a quarter earlier, and the stage index then.

    Drawn from a random stream of its own (``seed``, 1), so adding it changed nothing
    else. A relationship one stage further on now was there for ``_PROGRESSED`` of the
    accounts (they developed this quarter); one stage *higher* a quarter ago for
    ``_DECLINED`` of the accounts still buying and ``_DECLINED_LOST`` of those that
    stopped (relationships cool before the orders stop). Changed accounts get their
    stage indicators drawn afresh at the earlier stage; the rest keep theirs (the team's
    record did not change). One judgement score of ``_RESCORED`` of the accounts was a
    point higher or lower.
    """
    rng = np.random.default_rng([seed, 1])
    n = stage.size
    u = rng.random(n)
    declined = (stage < len(STAGES) - 1) & (u < np.where(alive, _DECLINED, _DECLINED_LOST))
    progressed = ~declined & (stage > 0) & (u > 1 - _PROGRESSED)
    before = stage + declined - progressed
    previous = accounts.copy()
    changed = np.flatnonzero(declined | progressed)
    for col, values in _stage_indicators(rng, before[changed]).items():
        previous.loc[changed, col] = values
    criteria = ATTRACTIVENESS_CRITERIA + STRENGTH_CRITERIA
    rescored = np.flatnonzero(rng.random(n) < _RESCORED)
    which = rng.integers(0, len(criteria), rescored.size)
    step = rng.choice([-1, 1], rescored.size)
    for k, col in enumerate(criteria):
        rows = rescored[which == k]
        previous.loc[rows, col] = np.clip(previous.loc[rows, col] + step[which == k], 1, 10)
    return previous, before


def _company_names(rng: np.random.Generator, industry: np.ndarray) -> np.ndarray:
    """Unique names like "Northgate Foods Ltd": place + industry noun + suffix."""
    places = [h + t for h in _NAME_HEADS for t in _NAME_TAILS if h[-1] != t[0]]
    names = np.empty(industry.size, dtype=object)
    for k, ind in enumerate(INDUSTRIES):
        members = np.flatnonzero(industry == k)
        if not members.size:
            continue
        nouns = _NAME_NOUNS[ind]
        suffixes = _NAME_SUFFIXES
        space = len(places) * len(nouns) * len(suffixes)
        draws = rng.permutation(space)
        for j, i in enumerate(members):
            c = int(draws[j % space])
            place, rest = divmod(c, len(nouns) * len(suffixes))
            noun, suffix = divmod(rest, len(suffixes))
            name = f"{places[place]} {nouns[noun]} {suffixes[suffix]}"
            names[i] = name if j < space else f"{name} ({j // space + 1})"
    return names


# --- contact maps (their own random stream, (seed, 5): nothing above changes) ----------

CONTACT_FUNCTIONS: tuple[str, ...] = (
    "purchasing",
    "operations",
    "quality",
    "engineering",
    "finance",
    "logistics",
    "marketing",
    "executive",
)
"""Customer functions of the sample's contacts; our staff of the matching function pairs
with each (purchasing with the account's key account manager, of sales)."""
SUPPLIER_STAFF: tuple[tuple[str, str], ...] = (
    ("Sarah Mitchell", "sales"),
    ("James Carter", "sales"),
    ("Priya Shah", "sales"),
    ("Tom Hughes", "sales"),
    ("Emma Clarke", "sales"),
    ("Daniel Okafor", "sales"),
    ("Laura Bennett", "sales"),
    ("Marcus Reid", "sales"),
    ("Neil Foster", "operations"),
    ("Aisha Khan", "operations"),
    ("Ruth Adams", "quality"),
    ("Ben Walsh", "quality"),
    ("Chris Doyle", "engineering"),
    ("Mei Lin", "engineering"),
    ("Karen Brooks", "finance"),
    ("Ian Patel", "finance"),
    ("Gary Moss", "logistics"),
    ("Sofia Romero", "logistics"),
    ("Zoe Turner", "marketing"),
    ("Adam Fry", "marketing"),
    ("Helen Ward", "executive"),
    ("Richard Cole", "executive"),
    ("Hannah Price", "customer service"),
    ("Oliver Grant", "customer service"),
)
"""The sample supplier's people who hold customer contacts: eight key account managers
(sales) and two of each other function."""
_KAMS = 8
_COLLEAGUES = np.array([8, 9, 10, 11, 12, 13, 16, 17, 22, 23])  # a Cooperative KAM's helpers
_FIRST_NAMES = (
    "Alice Andrew Anna Arjun Beth Carlos Chloe David Elena Fatima Fiona George Grace "
    "Hassan Helen Isabel Jack Jane Joanna John Julia Kevin Lucy Mark Martin Mary Michael "
    "Nadia Nathan Nicola Olivia Paul Peter Rachel Rebecca Robert Rosa Sam Sanjay Sophie "
    "Stephen Susan Thomas Victoria William Yusuf"
).split()
_SURNAMES = (
    "Allen Baker Banerjee Bell Brown Campbell Chen Collins Cooper Davies Edwards Evans "
    "Fischer Green Hall Harris Hill Jackson Johnson Jones Kaur Kelly King Lewis Martin "
    "Moore Morgan Murphy Novak Parker Phillips Roberts Robinson Rossi Scott Singh Smith "
    "Stewart Taylor Thompson Turner Walker Ward Watson White Williams Wilson Wood Wright Young"
).split()
_DECISION_MAKER = np.array([0.5, 0.8, 0.9, 0.95, 0.95])  # P(lead contact decides), by stage
_OTHER_ROLES = (("influencer", "user", "gatekeeper"), (0.5, 0.35, 0.15))
_STANCE_NAMES = ("champion", "supporter", "neutral", "critic", "blocker")
_STANCE_P = np.array(
    [
        [0.02, 0.25, 0.63, 0.08, 0.02],
        [0.05, 0.38, 0.48, 0.07, 0.02],
        [0.10, 0.47, 0.36, 0.06, 0.01],
        [0.20, 0.47, 0.27, 0.05, 0.01],
        [0.30, 0.47, 0.18, 0.04, 0.01],
        [0.02, 0.20, 0.50, 0.20, 0.08],  # declining or lapsed accounts
    ]
)
_CONTACT_DAYS = np.array([60.0, 45.0, 35.0, 30.0, 25.0])  # mean days since last contact
_CONTACT_DAYS_DECLINING = 90.0
_CONTACT_DAYS_LAPSED = 200.0


def _contacts(rng: np.random.Generator, accounts: pd.DataFrame, truth: pd.DataFrame, end):
    """The contacts file (module docstring, "Contact maps"), one row per customer person,
    agreeing with ``accounts``' contacts, functions_involved and executive_sponsor."""
    n = len(accounts)
    stage = pd.Index(STAGES).get_indexer(truth["stage"])
    before = pd.Index(STAGES).get_indexer(truth["previous_stage"])
    lapsed = ~truth["alive"].to_numpy(bool) & ~truth["prospect"].to_numpy(bool)
    declining = before > stage
    c = accounts["contacts"].to_numpy(np.int64)
    f = np.minimum(accounts["functions_involved"].to_numpy(np.int64), c).clip(1)
    sponsor = accounts["executive_sponsor"].to_numpy(bool)
    # Each account's functions: purchasing first, the executive next when it has a sponsor.
    keys = rng.random((n, len(CONTACT_FUNCTIONS) - 1))
    keys[:, -1] = np.where(sponsor, -1.0, keys[:, -1])
    functions = np.column_stack([np.zeros(n, np.int64), 1 + np.argsort(keys, axis=1)])
    acc = np.repeat(np.arange(n), c)
    start = np.cumsum(c) - c
    pos = np.arange(acc.size) - start[acc]
    slot = pos % f[acc]
    function = functions[acc, slot]
    space = len(_FIRST_NAMES) * len(_SURNAMES)
    name_id = rng.permutation(space)[(rng.integers(0, space, n)[acc] + pos) % space]
    first, last = np.divmod(name_id, len(_SURNAMES))
    person = np.char.add(np.char.add(np.array(_FIRST_NAMES)[first], " "), np.array(_SURNAMES)[last])
    k = stage[acc]
    # Roles and seniority.
    is_sponsor = sponsor[acc] & (pos == np.where(c >= 2, 1, 0)[acc])
    m = acc.size
    role = rng.choice(np.array(_OTHER_ROLES[0], dtype=object), m, p=_OTHER_ROLES[1])
    decides = (pos == 0) & ~is_sponsor & (rng.random(m) < _DECISION_MAKER[k])
    role = np.where(decides, "decision maker", np.where(is_sponsor, "executive sponsor", role))
    head = pos < f[acc]  # first of its function
    senior_p = 0.3 + 0.15 * k
    seniority = np.where(
        head,
        np.where(rng.random(m) < senior_p, "senior", "manager"),
        np.where(rng.random(m) < 0.5, "manager", "staff"),
    ).astype(object)
    seniority[decides] = "senior"
    seniority[is_sponsor | (function == len(CONTACT_FUNCTIONS) - 1)] = "executive"
    row_of = start[acc] + slot  # the first contact of the same function
    reports = np.where(~head & ~is_sponsor, person[row_of], "")
    sponsor_row = start[acc] + np.where(c >= 2, 1, 0)[acc]
    to_sponsor = head & sponsor[acc] & ~is_sponsor & (seniority != "executive")
    reports = np.where(to_sponsor, person[sponsor_row], reports)
    # Our side: one KAM holds all (Exploratory, Basic); the KAM holds most, one or two
    # colleagues the rest (Cooperative); functions paired (Interdependent, Integrated).
    kam = rng.integers(0, _KAMS, n)
    colleague = rng.choice(_COLLEAGUES, (n, 2), replace=True)
    colleague[:, 1] = np.where(
        colleague[:, 1] == colleague[:, 0],
        _COLLEAGUES[(np.searchsorted(_COLLEAGUES, colleague[:, 0]) + 1) % _COLLEAGUES.size],
        colleague[:, 1],
    )
    kam_links = np.where(c <= 2, 1, c // 2 + 1)
    helpers = np.minimum(rng.integers(1, 3, n), np.maximum(c - kam_links, 0))
    by_kam = (pos < kam_links[acc]) | (helpers[acc] == 0)
    helper = colleague[acc, (pos - kam_links[acc]) % np.maximum(helpers[acc], 1)]
    cooperative = np.where(by_kam, kam[acc], helper)
    staff_function = np.array([fn for _, fn in SUPPLIER_STAFF])
    pick = rng.integers(0, 2, n)[acc]
    paired_first = np.array(
        [_KAMS] + [int(np.flatnonzero(staff_function == fn)[0]) for fn in CONTACT_FUNCTIONS[1:]]
    )
    paired = np.where(function == 0, kam[acc], paired_first[function] + pick)
    ours = np.where(k <= 1, kam[acc], np.where(k == 2, cooperative, paired))
    # Stance and last contact.
    p_row = np.where(declining | lapsed, len(STAGES), stage)[acc]
    cum = _STANCE_P.cumsum(axis=1)[p_row]
    stance = np.array(_STANCE_NAMES, dtype=object)[(rng.random(m)[:, None] > cum).sum(axis=1)]
    mean_days = np.where(
        lapsed,
        _CONTACT_DAYS_LAPSED,
        np.where(declining, _CONTACT_DAYS_DECLINING, _CONTACT_DAYS[stage]),
    )[acc]
    days = np.floor(rng.exponential(mean_days)).astype(np.int64)
    last = (pd.Timestamp(end) - pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    staff = np.array([name for name, _ in SUPPLIER_STAFF], dtype=object)
    return pd.DataFrame(
        {
            "account_id": accounts["account_id"].to_numpy()[acc],
            "person": person.astype(object),
            "role": role,
            "function": np.array(CONTACT_FUNCTIONS, dtype=object)[function],
            "seniority": seniority,
            "stance": stance,
            "reports_to": reports.astype(object),
            "counterpart": staff[ours],
            "counterpart_function": staff_function.astype(object)[ours],
            "last_contact": np.asarray(last, dtype=object),
        }
    )


# --- global customers (module docstring), from their own stream (seed, 4) --------------------

_GLOBAL_SHARE = 0.05  # of the buying accounts are entities of global customers
_GLOBAL_SIZES = (2, 5)  # entities per global customer
_GLOBAL_HOME_FIRST = 0.6  # chance the largest entity is in the home country
_COUNTRY_PRICE_SD = 0.06  # an entity abroad pays its country's prices: list price x N(1, 0.06)
_HOME_COUNTRY = "United Kingdom"
_COUNTRIES = {  # country: its legal form in an entity's name
    "United Kingdom": "Ltd",
    "Germany": "GmbH",
    "France": "SAS",
    "Netherlands": "BV",
    "Ireland": "Limited",
    "Spain": "SL",
    "Italy": "SpA",
    "Belgium": "NV",
}


def _global_customers(
    seed: int, accounts: pd.DataFrame, previous: pd.DataFrame, truth: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, np.ndarray]:
    """``accounts``, ``previous`` and ``truth`` with the global customers (module
    docstring): ``country``, ``parent_id``, ``parent_name`` and the entities renamed; and
    each account's price factor (1 but for the entities abroad)."""
    rng = np.random.default_rng([seed, 4])
    groups = _global_groups(rng, accounts, truth)
    n = len(accounts)
    country = np.full(n, _HOME_COUNTRY, dtype=object)
    parent = np.full(n, None, dtype=object)
    parent_name = np.full(n, None, dtype=object)
    names = accounts["account_name"].to_numpy(dtype=object).copy()
    bases = pd.Series(names).str.rsplit(" ", n=1).str[0].to_numpy(dtype=object)
    others = list(_COUNTRIES)[1:]
    count = Counter(bases.tolist())
    for j, members in enumerate(groups, start=1):
        base = _global_name(bases, members, count)
        home = rng.random() < _GLOBAL_HOME_FIRST
        abroad = rng.choice(others, size=len(members) - home, replace=False).tolist()
        places = [_HOME_COUNTRY] * home + abroad
        for member, place in zip(members, places, strict=True):
            country[member], parent[member], parent_name[member] = place, f"G{j:03d}", base
            names[member] = f"{base} {_COUNTRIES[place]}"
    columns = {"country": country, "parent_id": parent, "parent_name": parent_name}
    accounts = accounts.assign(account_name=names, **columns)[list(ACCOUNT_COLUMNS)]
    previous = previous.assign(account_name=names, **columns)[list(ACCOUNT_COLUMNS)]
    price = np.ones(n)
    entities = np.flatnonzero(parent != None)  # noqa: E711 (an object array of ids and None)
    price[entities] = np.clip(1 + rng.normal(0.0, _COUNTRY_PRICE_SD, entities.size), 0.85, 1.15)
    price[entities[country[entities] == _HOME_COUNTRY]] = 1.0
    return accounts, previous, truth.assign(parent_id=parent), price


def _global_groups(
    rng: np.random.Generator, accounts: pd.DataFrame, truth: pd.DataFrame
) -> list[np.ndarray]:
    """Row positions of each global customer's entities, largest expected spend first.

    Each draw picks an industry's pool of eligible accounts (customers of above-median
    expected spend, not yet in a group) with probability by its size, then 2-5 of its
    accounts. The pools are kept per industry (ascending positions) and shrink as
    groups form, so the draws cost the pool sizes, not a pass over all accounts.
    """
    customer = ~truth["prospect"].to_numpy(dtype=bool)
    spend = (truth["lambda_per_day"] * 365.25 * truth["gg_p"] / truth["nu"]).to_numpy()
    eligible = customer & (spend > np.median(spend[customer]))
    industry = accounts["industry"].to_numpy()
    pools = {i: np.flatnonzero(eligible & (industry == i)) for i in INDUSTRIES}
    left = max(2, int(round(_GLOBAL_SHARE * customer.sum())))
    groups = []
    while left >= 2:
        open_pools = {i: p for i, p in pools.items() if p.size >= 2}
        if not open_pools:
            break
        sizes = np.array([p.size for p in open_pools.values()], dtype=float)
        name = list(open_pools)[rng.choice(len(open_pools), p=sizes / sizes.sum())]
        pool = pools[name]
        k = min(int(rng.integers(_GLOBAL_SIZES[0], _GLOBAL_SIZES[1] + 1)), pool.size, left)
        members = rng.choice(pool, size=k, replace=False)
        members = members[np.argsort(-spend[members], kind="stable")]
        pools[name] = np.delete(pool, np.searchsorted(pool, members))
        groups.append(members)
        left -= k
    return groups


def _global_name(bases: np.ndarray, members: np.ndarray, count: Counter) -> str:
    """A global customer's name: its largest entity's name without the legal form, or the
    next entity's when another account already has it ("... International" if all do).

    ``count`` is how many accounts have each base name: another account has an entity's
    name when more accounts than the group's own entities have it.
    """
    own = Counter(bases[members].tolist())
    for member in members:
        if count[bases[member]] == own[bases[member]]:
            return str(bases[member])
    return f"{bases[members[0]]} International"
