"""Selection criteria as configuration: factors, weights, sources, and the portfolio rules.

The shipped defaults are ``kamlab/portfolio/criteria.yaml`` (commented: read it first).
:func:`load_criteria` reads a user's file (or a dict) over those defaults; each top-level
section the user gives replaces the default section whole, so the weights of a group are
always the user's own and must sum to 100.

The Python equivalent of the YAML::

    Criteria(
        attractiveness=(Factor("revenue", 60, measure="revenue"),
                        Factor("strategic_alignment", 40, judgement="strategic_alignment")),
        strength=(Factor("quality", 100, judgement="quality"),),
    )
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from kamlab.errors import ConfigError
from kamlab.yamlfile import number, read_yaml, shown, text

__all__ = [
    "BOXES",
    "EXIT_ACTIONS",
    "GROUPS",
    "HEALTH",
    "MEASURES",
    "SERVICE",
    "TIERS",
    "HealthLevel",
    "HealthRule",
    "PotentialRule",
    "SCALE",
    "Criteria",
    "ExitRule",
    "Factor",
    "load_criteria",
]

SCALE = (1.0, 10.0)
"""Every score, and attractiveness and strength, run from 1 to 10."""

GROUPS = ("attractiveness", "strength")

BOXES = ("Strategic", "Star", "Status", "Streamline")
"""The McDonald & Woodburn key customer portfolio boxes."""

TIERS = ("key", "key development", "maintain", "transactional")
"""The tiers, highest first (:func:`kamlab.portfolio.matrix.assign_tiers`); the last is the
lowest, below which there is only exiting completely."""

HEALTH = ("active", "lapsing", "likely lost")
"""The account health classes, best first (:mod:`kamlab.portfolio.health`)."""

SERVICE: dict[str, tuple[str, ...]] = {
    "key": ("kam_hours", "service_calls"),
    "key development": ("kam_hours", "service_calls"),
    "maintain": ("service_calls",),
    "transactional": (),
}
"""The default service model: the account-level cost drivers (``account_drivers`` of the
cost rates) each tier carries (``tiers: service:`` in ``criteria.yaml``)."""

EXIT_ACTIONS = ("exit completely", "exit to a lower tier", "review")
"""What an exit rule can propose (:mod:`kamlab.portfolio.exits`)."""

MEASURES: dict[str, str] = {
    "revenue": "net revenue in the last 12 months",
    "growth": "revenue growth year on year as a fraction: revenue in the last 12 months / "
    "revenue in the 12 before - 1 (-0.25 = down 25%; missing when the 12 before had none)",
    "potential": "annual margin headroom: the margin a year of the account's spend we do not "
    "win yet (share of wallet, else peers; kamlab.portfolio.potential)",
    "contribution": "profit after cost to serve in the last 12 months (customer P&L)",
    "clv": "customer lifetime value (discounted, from a purchase and spend model)",
    "share_of_wallet": "our share of the account's spend in the category (accounts file)",
    "purchase_frequency": "purchase days per month of tenure",
    "tenure": "months since the first purchase",
}
"""Data measures a factor can score, with their meaning (columns of the measures table)."""

RULES = ("percentile", "deciles", "linear")

SHARE_FLOOR_MIN = 0.001
"""The smallest ``potential.share_floor``: the wallet is at most 1,000 x the revenue."""

KEY_CAP_MAX = 100_000
"""The largest ``tiers.key_cap`` (and ``potential.min_peers``) read from a file."""


@dataclass(frozen=True)
class Factor:
    """One selection factor: a weight and one source, a data ``measure`` or a ``judgement``
    column of the accounts table scored 1-10 by people.

    ``rule`` turns a measure into 1-10: ``"percentile"`` (the default: 1 + 9 x (rank - 1)
    / (n - 1), continuous, ties averaged, so the top accounts stay apart), ``"deciles"``
    (1 = bottom tenth of the portfolio, 10 = top tenth) or ``"linear"`` (1 at or below
    ``low``, 10 at or above ``high``; by default the portfolio's 5th and 95th percentiles).
    """

    name: str
    weight: float
    measure: str | None = None
    judgement: str | None = None
    rule: str = "percentile"
    low: float | None = None
    high: float | None = None

    @property
    def source(self) -> str:
        return f"judgement column {self.judgement!r}" if self.judgement else self.measure


@dataclass(frozen=True)
class ExitRule:
    """Propose ``action`` (one of :data:`EXIT_ACTIONS`) for accounts where every condition
    in ``when`` holds: ``box``, ``tier`` and ``health`` among the listed values (``None``:
    any), each bound on a column; ``why`` is the reason given."""

    action: str
    why: str
    boxes: tuple[str, ...] | None = None
    bounds: tuple[tuple[str, str, float], ...] = ()  # (column, "below" | "above", value)
    tiers: tuple[str, ...] | None = None
    health: tuple[str, ...] | None = None

    def __post_init__(self):
        if self.action not in EXIT_ACTIONS:
            raise ConfigError(
                f"exit rule action must be one of {', '.join(repr(a) for a in EXIT_ACTIONS)}, "
                f"got {self.action!r}"
            )


@dataclass(frozen=True)
class HealthLevel:
    """One level of the health rule: an account is at this level when P(alive) is below
    ``p_alive_below``, or when the days since its last purchase exceed
    ``min(max(days_above, gaps_above x its typical gap between purchase days), days_cap)``:
    the gap scales the test to the account's rhythm, ``days_cap`` bounds it (a quarter
    without an order is lapsing, a year likely lost, whatever the rhythm)."""

    p_alive_below: float
    days_above: float
    gaps_above: float
    days_cap: float


@dataclass(frozen=True)
class HealthRule:
    """The account health rule (``health:`` in ``criteria.yaml``): ``likely lost`` when
    the ``likely_lost`` level holds, else ``lapsing`` when the ``lapsing`` level holds,
    else ``active`` (:func:`kamlab.portfolio.health.classify_health`)."""

    lapsing: HealthLevel = HealthLevel(p_alive_below=0.5, days_above=60, gaps_above=3, days_cap=90)
    likely_lost: HealthLevel = HealthLevel(
        p_alive_below=0.2, days_above=180, gaps_above=6, days_cap=365
    )


@dataclass(frozen=True)
class PotentialRule:
    """How ``potential`` is estimated (``potential:`` in ``criteria.yaml``;
    :func:`kamlab.portfolio.potential.account_potential`): the share of wallet is floored
    at ``share_floor`` (the wallet is at most 1 / share_floor x the revenue); the peer
    benchmark is the ``peer_quantile`` of the 12-month revenue of the buying accounts of
    the account's industry when it has at least ``min_peers`` of them, else of the whole
    portfolio."""

    share_floor: float = 0.05
    peer_quantile: float = 0.75
    min_peers: int = 5


@dataclass(frozen=True)
class Criteria:
    """The whole portfolio configuration (see ``criteria.yaml`` for each part)."""

    attractiveness: tuple[Factor, ...]
    strength: tuple[Factor, ...]
    fallback: dict[str, tuple[Factor, ...]] = field(default_factory=dict)
    attractiveness_cutoff: float = 5.5
    strength_cutoff: float = 5.5
    key_cap: int = 25
    service: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(SERVICE))
    exits: tuple[ExitRule, ...] = ()
    health: HealthRule = HealthRule()
    potential: PotentialRule = PotentialRule()
    source: str = "kamlab defaults"

    def __post_init__(self):
        for group in GROUPS:
            _check_group(getattr(self, group), group, self.source)
            if group in self.fallback:
                _check_group(self.fallback[group], f"fallback.{group}", self.source)
        for name in ("attractiveness_cutoff", "strength_cutoff"):
            value = getattr(self, name)
            if not SCALE[0] < value <= SCALE[1]:
                raise ConfigError(
                    f"{self.source}: {name} must be above 1 and at most 10, got {value}"
                )
        if self.key_cap < 1:
            raise ConfigError(
                f"{self.source}: tiers.key_cap must be at least 1, got {self.key_cap}"
            )
        _check_service(self.service, self.source)
        _check_health(self.health, self.source)
        _check_potential(self.potential, self.source)

    def factors(self, group: str) -> tuple[Factor, ...]:
        return getattr(self, group)

    def with_weights(self, group: str, weights: Mapping[str, float]) -> Criteria:
        """A copy with new weights for ``group`` (factor name -> weight; they must sum to
        100): the exercise of changing the weights and seeing who becomes key."""
        factors = self.factors(group)
        unknown = set(weights) - {f.name for f in factors}
        if unknown:
            raise ConfigError(
                f"no {group} factor {sorted(unknown)[0]!r}; factors: "
                f"{', '.join(f.name for f in factors)}"
            )
        new = tuple(
            replace(
                f,
                weight=_number(
                    weights.get(f.name, f.weight), self.source, f"{group}.{f.name}.weight"
                ),
            )
            for f in factors
        )
        return replace(self, **{group: new})


def _check_group(factors: tuple[Factor, ...], group: str, where: str) -> None:
    if not factors:
        raise ConfigError(f"{where}: {group} has no factors")
    for f in factors:
        if (f.measure is None) == (f.judgement is None):
            raise ConfigError(
                f"{where}: {group}.{f.name} needs exactly one source: 'measure: NAME' or "
                f"'judgement: COLUMN'"
            )
        if f.measure is not None and f.measure not in MEASURES:
            raise ConfigError(
                f"{where}: {group}.{f.name}: unknown measure {f.measure!r}; measures: "
                f"{', '.join(MEASURES)}"
            )
        if f.rule not in RULES:
            raise ConfigError(
                f"{where}: {group}.{f.name}: unknown rule {f.rule!r}; rules: {', '.join(RULES)}"
            )
        if f.low is not None and f.high is not None and not f.low < f.high:
            raise ConfigError(
                f"{where}: {group}.{f.name}: low ({f.low}) must be below high ({f.high})"
            )
        number(f.weight, where, f"{group}.{f.name}.weight", low=0, high=100)
        if not f.weight > 0:
            raise ConfigError(f"{where}: {group}.{f.name}: weight must be above 0, got {f.weight}")
    total = sum(f.weight for f in factors)
    if abs(total - 100) > 1e-6:
        listed = ", ".join(f"{f.name} {f.weight:g}" for f in factors)
        raise ConfigError(f"{where}: the {group} weights sum to {total:g}, not 100 ({listed})")


def _check_service(service: Mapping[str, tuple[str, ...]], where: str) -> None:
    unknown = [t for t in service if t not in TIERS]
    if unknown:
        raise ConfigError(
            f"{where}: tiers.service: unknown tier {unknown[0]!r}; tiers: {', '.join(TIERS)}"
        )
    missing = [t for t in TIERS if t not in service]
    if missing:
        raise ConfigError(
            f"{where}: tiers.service has no entry for tier {missing[0]!r}: list the drivers "
            f"of every tier ([] for none)"
        )
    for tier, drivers in service.items():
        bad = [d for d in drivers if not isinstance(d, str) or not d.strip()]
        if bad:
            raise ConfigError(
                f"{where}: tiers.service.{tier}: drivers must be accounts-table column names "
                f"such as kam_hours, got {bad[0]!r}"
            )


def _check_health(rule: HealthRule, where: str) -> None:
    for name in ("lapsing", "likely_lost"):
        level = getattr(rule, name)
        if not 0 <= level.p_alive_below <= 1:
            raise ConfigError(
                f"{where}: health.{name}.p_alive_below must be between 0 and 1, "
                f"got {level.p_alive_below:g}"
            )
        if not level.days_above >= 0:
            raise ConfigError(
                f"{where}: health.{name}.days_above must be 0 or more, got {level.days_above:g}"
            )
        if not level.gaps_above > 0:
            raise ConfigError(
                f"{where}: health.{name}.gaps_above must be above 0, got {level.gaps_above:g}"
            )
        if not level.days_cap >= level.days_above:
            raise ConfigError(
                f"{where}: health.{name}.days_cap ({level.days_cap:g}) must be at least "
                f"days_above ({level.days_above:g})"
            )
    for key in _HEALTH_KEYS:
        mild, severe = getattr(rule.lapsing, key), getattr(rule.likely_lost, key)
        wrong = severe > mild if key == "p_alive_below" else severe < mild
        if wrong:
            raise ConfigError(
                f"{where}: health.likely_lost.{key} ({severe:g}) must be at least as strict as "
                f"health.lapsing.{key} ({mild:g}): a likely-lost account is also lapsing"
            )


def _check_potential(rule: PotentialRule, where: str) -> None:
    checks = (
        # a floor of 0.001 keeps the wallet at most 1,000 x the revenue (and finite)
        ("share_floor", SHARE_FLOOR_MIN <= rule.share_floor <= 1, "at least 0.001 and at most 1"),
        ("peer_quantile", 0 < rule.peer_quantile <= 1, "above 0 and at most 1"),
        ("min_peers", rule.min_peers >= 1, "at least 1"),
    )
    for key, ok, expected in checks:
        if not ok:
            raise ConfigError(
                f"{where}: potential.{key} must be {expected}, got {getattr(rule, key):g}"
            )


# --- reading YAML -----------------------------------------------------------------------

_TOP = (
    "attractiveness",
    "strength",
    "fallback",
    "matrix",
    "tiers",
    "exits",
    "health",
    "potential",
)
_HEALTH_KEYS = ("p_alive_below", "days_above", "gaps_above", "days_cap")
_FACTOR_KEYS = ("weight", "measure", "judgement", "rule", "low", "high")
_MATRIX_KEYS = ("attractiveness_cutoff", "strength_cutoff")


_SHIPPED = "kamlab/portfolio/criteria.yaml"


def _default_path():
    return resources.files("kamlab.portfolio").joinpath("criteria.yaml")


def _mapping(value, where: str, what: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {what} must be 'key: value' lines, got {shown(value)}")
    return value


def _number(value, where: str, key: str, **bounds) -> float:
    """A finite number (not a yes/no, a list or text); ranges are checked by ``bounds``
    (:func:`kamlab.yamlfile.number`), else by :class:`Criteria` itself."""
    return number(value, where, key, **({"low": None} | bounds))


def _unknown_key(spec: dict, known, where: str, what: str) -> None:
    extra = [k for k in spec if k not in known]
    if extra:
        raise ConfigError(
            f"{where}: unknown key {shown(extra[0])} in {what}; known: {', '.join(known)}"
        )


def _factors(data, where: str, group: str) -> tuple[Factor, ...]:
    return tuple(
        _factor(name, spec, where, group) for name, spec in _mapping(data, where, group).items()
    )


def _factor(name, spec, where: str, group: str) -> Factor:
    """One factor of ``group``; every key is checked for its type (and the weight for its
    range) here, the rest by :class:`Criteria` (sources, rules, low < high, sums)."""
    name = text(name, where, f"a factor name in {group}", example="revenue", numbers=True)
    key = f"{group}.{name}"
    spec = _mapping(spec, where, key)
    _unknown_key(spec, _FACTOR_KEYS, where, key)
    if "weight" not in spec:
        raise ConfigError(f"{where}: {key} has no weight; add 'weight: NUMBER'")

    def optional(field: str, check, **options):
        value = spec.get(field)
        return None if value is None else check(value, where, f"{key}.{field}", **options)

    return Factor(
        name=name,
        weight=_number(spec["weight"], where, f"{key}.weight", low=0, high=100),
        measure=optional("measure", text, example="revenue"),
        judgement=optional("judgement", text, example="quality", numbers=True),
        rule=optional("rule", text, example="linear") or "percentile",
        low=optional("low", _number),
        high=optional("high", _number),
    )


_LISTS = {"box": ("boxes", BOXES), "tier": ("tiers", TIERS), "health": ("health", HEALTH)}
"""Exit-rule conditions that list values: key -> (ExitRule field, the values allowed)."""


def _exit_rule(spec, where: str, k: int) -> ExitRule:
    spec = _mapping(spec, where, f"exit rule {k}")
    _unknown_key(spec, ("action", "when", "why"), where, f"exit rule {k}")
    action = spec.get("action")
    if not isinstance(action, str) or action not in EXIT_ACTIONS:
        raise ConfigError(
            f"{where}: exit rule {k}: action must be one of "
            f"{', '.join(repr(a) for a in EXIT_ACTIONS)}, got {action!r}"
        )
    lists, bounds = {}, []
    for column, test in _mapping(spec.get("when") or {}, where, f"exit rule {k} when").items():
        if column in _LISTS:
            name, allowed = _LISTS[column]
            values = tuple(test) if isinstance(test, list) else (test,)
            unknown = [v for v in values if not isinstance(v, str) or v not in allowed]
            if unknown:
                raise ConfigError(
                    f"{where}: exit rule {k}: unknown {column} {shown(unknown[0])}; "
                    f"{column} is one of: {', '.join(allowed)}"
                )
            lists[name] = values
            continue
        column = text(column, where, f"a column in exit rule {k} when", example="growth")
        for side, value in _mapping(test, where, f"exit rule {k} {column}").items():
            if side not in ("below", "above"):
                raise ConfigError(
                    f"{where}: exit rule {k} {column}: use 'below' or 'above', got {shown(side)}"
                )
            bounds.append((column, side, _number(value, where, f"exit rule {k} {column}.{side}")))
    why = spec.get("why")
    why = action if why is None else text(why, where, f"exit rule {k} why", example="a reason")
    return ExitRule(action, why, bounds=tuple(bounds), **lists)


def _exit_rules(data, where: str) -> tuple[ExitRule, ...]:
    if not isinstance(data, list):
        raise ConfigError(f"{where}: exits must be a list of rules ('- action: ...')")
    return tuple(_exit_rule(spec, where, k) for k, spec in enumerate(data, start=1))


def _service(tiers: dict, where: str) -> dict[str, tuple[str, ...]]:
    """``tiers: service:``, tier -> the drivers it carries (the default when not given)."""
    if "service" not in tiers:
        return dict(SERVICE)
    out = {}
    for tier, drivers in _mapping(tiers["service"], where, "tiers.service").items():
        drivers = [] if drivers is None else drivers
        if not isinstance(drivers, list):
            raise ConfigError(
                f"{where}: tiers.service.{tier} must be a list of drivers such as "
                f"[kam_hours, service_calls] ([] for none), got {shown(drivers)}"
            )
        out[tier] = tuple(drivers)
    return out


def _health(data, where: str) -> HealthRule:
    """The ``health:`` section; a level or key left out keeps the default."""
    default = HealthRule()
    levels = {}
    for name, spec in _mapping(data, where, "health").items():
        _unknown_key({name: spec}, ("lapsing", "likely_lost"), where, "health")
        spec = _mapping(spec or {}, where, f"health.{name}")
        _unknown_key(spec, _HEALTH_KEYS, where, f"health.{name}")
        values = {k: _number(v, where, f"health.{name}.{k}") for k, v in spec.items()}
        levels[name] = replace(getattr(default, name), **values)
    return replace(default, **levels)


def _potential(data, where: str) -> PotentialRule:
    """The ``potential:`` section; a key left out keeps the default."""
    spec = _mapping(data, where, "potential")
    _unknown_key(spec, tuple(PotentialRule.__dataclass_fields__), where, "potential")
    values = {k: _number(v, where, f"potential.{k}") for k, v in spec.items()}
    if "min_peers" in values:
        values["min_peers"] = _whole(spec["min_peers"], where, "potential.min_peers")
    return replace(PotentialRule(), **values)


def _whole(value, where: str, key: str) -> int:
    return int(_number(value, where, key, low=1, high=KEY_CAP_MAX, whole=True))


def _parse(data: dict, where: str) -> Criteria:
    extra = [k for k in data if k not in _TOP]
    if extra:
        raise ConfigError(
            f"{where}: unknown section {shown(extra[0])}; sections: {', '.join(_TOP)}"
        )
    fallback = _mapping(data.get("fallback") or {}, where, "fallback")
    _unknown_key(fallback, GROUPS, where, "fallback")
    fallback = {g: _factors(spec, where, f"fallback.{g}") for g, spec in fallback.items()}
    matrix = _mapping(data.get("matrix") or {}, where, "matrix")
    _unknown_key(matrix, _MATRIX_KEYS, where, "matrix")
    tiers = _mapping(data.get("tiers") or {}, where, "tiers")
    _unknown_key(tiers, ("key_cap", "service"), where, "tiers")
    cap = _whole(tiers.get("key_cap", 25), where, "tiers.key_cap")
    return Criteria(
        attractiveness=_factors(data.get("attractiveness"), where, "attractiveness"),
        strength=_factors(data.get("strength"), where, "strength"),
        fallback=fallback,
        **{k: _number(matrix.get(k, 5.5), where, f"matrix.{k}") for k in _MATRIX_KEYS},
        key_cap=cap,
        service=_service(tiers, where),
        exits=_exit_rules(data.get("exits") or [], where),
        health=_health(data.get("health") or {}, where),
        potential=_potential(data.get("potential") or {}, where),
        source=where,
    )


def _read(path, where: str) -> dict:
    """The file's sections, read by :func:`kamlab.yamlfile.read_yaml` (size, alias and
    nesting limits; one-line errors naming the file and line)."""
    return read_yaml(path, "the criteria", name=where, template=_SHIPPED)


def load_criteria(config: str | Path | Mapping | Criteria | None = None) -> Criteria:
    """The portfolio configuration: the shipped defaults with ``config``'s sections over
    them (a YAML path or a dict in the same shape; a :class:`Criteria` is returned as is).
    Raises :class:`~kamlab.errors.ConfigError` saying what is wrong and where."""
    if isinstance(config, Criteria):
        return config
    data = _read(_default_path(), _SHIPPED)
    where = "kamlab defaults"
    if config is not None:
        if isinstance(config, Mapping):
            user, where = dict(config), "criteria"
        else:
            path = Path(config)
            user, where = _read(path, str(path)), str(path)
        data.update(user)
    return _parse(data, where)
