"""Money is whole pence (integers) everywhere; this is the one place that writes it for people to read."""


def format_pence(pence: int) -> str:
    """1250 -> '£12.50'; 1200 -> '£12'; 123456 -> '£1,234.56'."""
    pounds, rest = divmod(int(pence), 100)
    return f"£{pounds:,}" if not rest else f"£{pounds:,}.{rest:02d}"
