from django import template

from breakthrough.money import format_pence

register = template.Library()


@register.filter
def pounds_signed(pence) -> str:
    """-5000 -> '−£50'; 7500 -> '+£75': an adjustment or a change, with its sign in words' place."""
    pence = int(pence or 0)
    return f"+{format_pence(pence)}" if pence >= 0 else f"−{format_pence(-pence)}"


@register.filter
def pounds_size(pence) -> str:
    """The size of an amount, without its sign: -5000 -> '£50'."""
    return format_pence(abs(int(pence or 0)))
