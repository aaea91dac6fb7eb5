"""Decimal arithmetic for money and graduated (tiered) prices.

AWS bills with prices of up to 10 decimals on quantities in the billions; binary floats lose cents there, so
every price and quantity is a `Decimal` and rounding happens once, at the end, half-up to the cent, which is
how AWS's own worked examples round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)


def dec(value: object) -> Decimal:
    """A Decimal from an int, str or Decimal; floats go through `str` so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(str(value))


def cents(amount: Decimal) -> Decimal:
    """Round half-up to the cent (AWS: $1.2875 -> $1.29)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def ceil_div(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Smallest whole number >= numerator/denominator (metering increments)."""
    return (numerator / denominator).to_integral_value(rounding=ROUND_CEILING)


@dataclass(frozen=True)
class PriceTier:
    """Units from `begin` (inclusive) up to the next tier's begin cost `unit_price` each."""

    begin: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class TierSlice:
    """The part of a quantity that fell into one price tier."""

    begin: Decimal
    end: Decimal | None
    quantity: Decimal
    unit_price: Decimal

    @property
    def usd(self) -> Decimal:
        return self.quantity * self.unit_price


def graduated(quantity: Decimal, tiers: Sequence[PriceTier]) -> list[TierSlice]:
    """Split a quantity over graduated tiers: each unit is billed at the price of the tier it falls in.

    Tiers are sorted by `begin` here, since Price List dimensions come in no particular order.
    """
    ordered = sorted(tiers, key=lambda t: t.begin)
    slices: list[TierSlice] = []
    for index, tier in enumerate(ordered):
        end = ordered[index + 1].begin if index + 1 < len(ordered) else None
        upper = quantity if end is None else min(quantity, end)
        amount = upper - tier.begin
        if amount > 0:
            slices.append(TierSlice(tier.begin, end, amount, tier.unit_price))
    return slices
