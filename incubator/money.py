"""Money: yuan with two decimals, stored as integer fen (分).

Accepts what people type: 12000, 12,000.50, ¥3,000, 1.2万, 12 000 and full-width digits."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from incubator.i18n import gettext as _

MAX_FEN = 10**14  # a trillion yuan: anything above is a typing mistake


class MoneyError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_fen(raw: str) -> int:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = text.replace("¥", "").replace("￥", "").replace("元", "").replace(",", "").replace(" ", "")
    if not text:
        raise MoneyError(_("Enter an amount in yuan, for example 12,000.50."))
    multiplier = Decimal(1)
    if text.endswith("万"):
        multiplier, text = Decimal(10_000), text[:-1]
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise MoneyError(_("“%(raw)s” is not an amount. Write it like 12000, 12,000.50 or 1.2万.", raw=raw.strip()))
    try:
        value = Decimal(text) * multiplier
    except InvalidOperation:
        raise MoneyError(_("“%(raw)s” is not an amount. Write it like 12000, 12,000.50 or 1.2万.",
                           raw=raw.strip())) from None
    if value < 0:
        raise MoneyError(_("The amount cannot be negative."))
    fen = value * 100
    if fen != fen.to_integral_value():
        raise MoneyError(_("Use at most two decimals (fen)."))
    if fen == 0:
        raise MoneyError(_("The amount must be more than zero."))
    if fen > MAX_FEN:
        raise MoneyError(_("This amount is too large."))
    return int(fen)


def fen_to_text(fen: int) -> str:
    """The plain form a field shows back: 1200050 → "12000.50"."""
    return f"{Decimal(fen) / 100:.2f}"
