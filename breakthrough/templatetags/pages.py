"""Tags for the page shell (base.html)."""

from django import forms, template
from django.forms.formsets import BaseFormSet
from django.utils.functional import LazyObject

register = template.Library()


def page_has_errors(context) -> bool:
    """Whether the page shows the GOV.UK error summary: any bound form or formset in the context with errors, or
    a service's refusal in `error` or `errors` (the name every page that shows one in its own summary uses)."""
    flat = context.flatten()
    if flat.get("error") or flat.get("errors"):
        return True
    for value in flat.values():
        if isinstance(value, LazyObject):  # the user, the CSRF token: never a form, and not to be evaluated here
            continue
        if isinstance(value, forms.BaseForm) and value.is_bound and value.errors:
            return True
        if isinstance(value, BaseFormSet) and value.is_bound and value.total_error_count():
            return True
    return False


@register.simple_tag(takes_context=True)
def error_prefix(context) -> str:
    """'Error: ' when the page is re-shown with errors, as GOV.UK asks of every such page's title."""
    return "Error: " if page_has_errors(context) else ""
