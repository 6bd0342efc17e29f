"""Order books over integer ticks and lots: numba kernels under a Python facade.

:class:`L2Book` is the market-by-price book; :mod:`sapphire.book.integrity` says what
is checked and what happens on a failure; :mod:`sapphire.book.builders` turns vendor
files into catalog L2 deltas under each vendor's sequencing rules.
"""

from __future__ import annotations

from sapphire.book.integrity import Fault, L2BookConfig, LevelRule, OnError, SequenceCheck
from sapphire.book.l2 import FillEstimate, L2Book

__all__ = ["Fault", "FillEstimate", "L2Book", "L2BookConfig", "LevelRule", "OnError",
           "SequenceCheck"]
