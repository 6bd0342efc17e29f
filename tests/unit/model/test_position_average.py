"""Average entry of positions: arithmetic for linear contracts, harmonic for inverse ones.

Hand-worked: buy 1 contract at 100, buy 1 at 200, sell 2 at 150.

* linear (1 unit per lot): average 150; realized (150 - 150) * 2 = 0.
* inverse (10 USD per contract, settled in BTC): average 2 / (1/100 + 1/200) = 400/3;
  realized 10 * (1/100 - 1/150) + 10 * (1/200 - 1/150) = 10 * (1/600) = 1/60 BTC, what
  the two fills make when held apart (an arithmetic average of 150 would realize 0).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from sapphire.model.instruments import Perpetual, SpotPair
from sapphire.model.position import ContractMath, Position


def linear() -> ContractMath:
    return ContractMath(SpotPair(id="BTCUSD.SIM", quote_currency="USD", base_currency="BTC",
                                 price_increment=Decimal(1), size_increment=Decimal(1)))


def inverse() -> ContractMath:
    return ContractMath(Perpetual(id="XBTUSD.SIM", quote_currency="USD", base_currency="BTC",
                                  settlement_currency="BTC", price_increment=Decimal(1),
                                  size_increment=Decimal(1), multiplier=Decimal(10),
                                  is_inverse=True))


def buy_buy_sell(math: ContractMath) -> tuple[Position, float, float]:
    position = Position("P", math, 0)
    position.apply_fill(+1, 1, 100, 0.0, 1)
    position.apply_fill(+1, 1, 200, 0.0, 2)
    average = position.avg_price
    realized = position.apply_fill(-1, 2, 150, 0.0, 3)
    return position, average, realized


def test_linear_average_is_arithmetic() -> None:
    position, average, realized = buy_buy_sell(linear())
    assert average == 150.0
    assert realized == 0.0
    assert position.quantity == 0


def test_inverse_average_is_harmonic_and_pnl_adds_up() -> None:
    position, average, realized = buy_buy_sell(inverse())
    assert average == pytest.approx(400 / 3, rel=1e-15)
    assert realized == pytest.approx(10 * (1 / 100 + 1 / 200 - 2 / 150), rel=1e-12)
    assert realized == pytest.approx(1 / 60, rel=1e-12)
    assert position.is_flat


def test_inverse_unrealized_equals_the_fills_held_apart() -> None:
    math = inverse()
    position = Position("P", math, 0)
    position.apply_fill(-1, 3, 100, 0.0, 1)  # short 3 at 100, then 1 more at 125
    position.apply_fill(-1, 1, 125, 0.0, 2)
    apart = math.pnl(-3, 100, 110) + math.pnl(-1, 125, 110)
    assert position.avg_price == pytest.approx(4 / (3 / 100 + 1 / 125), rel=1e-15)
    assert position.unrealized_pnl(110) == pytest.approx(apart, rel=1e-12)
