from django import template

from breakthrough.money import format_pence

register = template.Library()


@register.filter
def pounds(pence) -> str:
    """{{ booking.cost_pence|pounds }} -> '£12.50'."""
    return format_pence(pence or 0)
