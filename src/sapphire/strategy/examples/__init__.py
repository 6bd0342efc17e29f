"""Example strategies: EMA cross, Bollinger mean reversion, a quoting market maker."""

from sapphire.strategy.examples.bollinger_reversion import (
    BollingerReversion,
    BollingerReversionConfig,
)
from sapphire.strategy.examples.ema_cross import EMACross, EMACrossConfig
from sapphire.strategy.examples.market_maker import QuotingMarketMaker, QuotingMarketMakerConfig

__all__ = ["BollingerReversion", "BollingerReversionConfig", "EMACross", "EMACrossConfig",
           "QuotingMarketMaker", "QuotingMarketMakerConfig"]
