"""Money is whole pence (integers) everywhere; this is the one place that writes it for people to read."""


def format_pence(pence: int) -> str:
    """1250 -> '£12.50'; 1200 -> '£12'; 123456 -> '£1,234.56'; -1250 -> '-£12.50'."""
    pence = int(pence)
    pounds, rest = divmod(abs(pence), 100)
    text = f"£{pounds:,}" if not rest else f"£{pounds:,}.{rest:02d}"
    return f"-{text}" if pence < 0 else text
