"""Order books over integer ticks and lots: numba kernels under a Python facade.

:class:`L2Book` is the market-by-price book and :class:`L3Book` the market-by-order
one (FIFO queues, queue positions); :mod:`sapphire.book.integrity` and
:mod:`sapphire.book.l3_integrity` say what is checked and what happens on a failure;
:mod:`sapphire.book.builders` turns vendor files into catalog L2 deltas under each
vendor's sequencing rules.
"""

from __future__ import annotations

from sapphire.book.integrity import Fault, L2BookConfig, LevelRule, OnError, SequenceCheck
from sapphire.book.l2 import FillEstimate, L2Book
from sapphire.book.l3 import L3Book, QueuePosition, RestingOrder
from sapphire.book.l3_integrity import (
    DATABENTO_MBO,
    FillMode,
    L3BookConfig,
    L3Fault,
    L3SequenceCheck,
)

__all__ = ["DATABENTO_MBO", "Fault", "FillEstimate", "FillMode", "L2Book", "L2BookConfig",
           "L3Book", "L3BookConfig", "L3Fault", "L3SequenceCheck", "LevelRule", "OnError",
           "QueuePosition", "RestingOrder", "SequenceCheck"]
