"""The indicative budget as a pure function of points and a price scale, with its explanation line by line.

`budget_compute` takes plain values (no database), so the same sum serves a completed assessment, a
virtual budget and a test that recomputes a stored budget. The order of the sum, which every line follows:

1. points per domain, then the points in all;
2. the base: points x the price per point, or the amount of the band the points fall in;
3. adjustments: each named circumstance the answers record adds (or takes away) a fixed amount;
4. the floor raises the result to it, the ceiling limits it (never below zero: the floor is at least 0);
5. the contingency share (a percentage, rounded half up to the penny) is held back for the panel;
6. what is left is the indicative budget.

Each line is read by the carer as well as by staff, so it says the thing in plain words first and gives the
term staff use (floor, ceiling, contingency, indicative budget) after it, in brackets.

The recalibration query (`ras.selectors.recalibration_rows`) does the same sum in SQL, in integers, and a
test holds the two together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from breakthrough.money import format_pence

PER_POINT = "per_point"
BANDS = "bands"


@dataclass(frozen=True)
class Band:
    points_from: int
    points_to: int | None  # None: this many points or more
    amount_pence: int

    def holds(self, points: int) -> bool:
        return points >= self.points_from and (self.points_to is None or points <= self.points_to)


@dataclass(frozen=True)
class ScaleTerms:
    """What a price scale says, as plain values."""

    method: str
    price_per_point_pence: int | None = None
    bands: tuple[Band, ...] = ()
    floor_pence: int = 0
    ceiling_pence: int | None = None
    contingency_percent: Decimal = Decimal("0")
    adjustments: tuple[tuple[str, str, int], ...] = ()  # (circumstance, name, amount in pence)


@dataclass(frozen=True)
class Budget:
    points: int
    base_pence: int
    contingency_pence: int
    amount_pence: int
    lines: list[str] = field(default_factory=list)


def percent_of(pence: int, percent: Decimal) -> int:
    """`percent`% of `pence`, rounded half up to the penny (Decimal throughout, never float)."""
    return int((Decimal(pence) * Decimal(percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_percent(percent: Decimal) -> str:
    """Decimal("5.00") -> '5%'; Decimal("2.50") -> '2.5%'."""
    text = f"{Decimal(percent):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _signed(pence: int) -> str:
    return f"+{format_pence(pence)}" if pence >= 0 else f"−{format_pence(-pence)}"


def _points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def band_for(bands, points: int) -> Band | None:
    return next((band for band in bands if band.holds(points)), None)


def budget_compute(*, domain_points: list[tuple[str, int]], circumstances: set[str], terms: ScaleTerms) -> Budget:
    """The indicative budget for these points (per domain, in order) and circumstances under `terms`."""
    lines = [f"{name}: {_points(points)}" for name, points in domain_points]
    points = sum(p for _, p in domain_points)
    lines.append(f"{_points(points)} in all")

    if terms.method == PER_POINT:
        price = terms.price_per_point_pence or 0
        base = points * price
        lines.append(f"{points} x {format_pence(price)} = {format_pence(base)}")
    else:
        band = band_for(terms.bands, points)
        base = band.amount_pence if band else 0
        if band is None:
            lines.append(f"{_points(points)} is in no band: {format_pence(0)}")
        elif band.points_to is None:
            lines.append(f"The band for {band.points_from} points or more: {format_pence(base)}")
        else:
            lines.append(f"The band for {band.points_from} to {band.points_to} points: {format_pence(base)}")

    subtotal = base
    applied = [(name, amount) for code, name, amount in terms.adjustments if code in circumstances]
    for name, amount in applied:
        subtotal += amount
        lines.append(f"{name}: {_signed(amount)}")
    if applied:
        lines.append(f"After adjustments: {format_pence(subtotal) if subtotal >= 0 else _signed(subtotal)}")

    limited = max(subtotal, terms.floor_pence)
    if terms.floor_pence:
        if limited > subtotal:
            lines.append(f"Raised to the least anyone is given, {format_pence(terms.floor_pence)} (the floor)")
        else:
            lines.append(f"More than the least anyone is given, {format_pence(terms.floor_pence)} (the floor)")
    if terms.ceiling_pence is None:
        lines.append("No upper limit (ceiling)")
    elif limited > terms.ceiling_pence:
        limited = terms.ceiling_pence
        lines.append(f"Limited to the most anyone is given, {format_pence(terms.ceiling_pence)} (the ceiling)")
    else:
        lines.append(f"Less than the most anyone is given, {format_pence(terms.ceiling_pence)} (the ceiling)")

    contingency = percent_of(limited, terms.contingency_percent)
    if contingency or terms.contingency_percent:
        lines.append(
            f"{format_percent(terms.contingency_percent)} of {format_pence(limited)} kept back for costs nobody "
            f"expected, which the panel can add (contingency): {format_pence(contingency)}"
        )
    amount = limited - contingency
    lines.append(f"Your budget to plan with (indicative budget): {format_pence(amount)}")
    return Budget(points=points, base_pence=base, contingency_pence=contingency, amount_pence=amount, lines=lines)
