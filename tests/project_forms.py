"""Every form class the project defines, found by walking its apps' forms modules: tests that must cover every
field of a kind (every date, every name) start here, so a new form is covered without being listed."""

import importlib
import inspect
import pkgutil

from django import forms

APPS = ("breakthrough", "brokerage", "ras", "audits", "commissioning")


def project_forms() -> list[type[forms.BaseForm]]:
    found = set()
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if "forms" not in module.name.rsplit(".", 1)[-1]:
                continue
            for _, value in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
                if issubclass(value, forms.BaseForm) and value.__module__.startswith(APPS):
                    found.add(value)
    assert found
    return sorted(found, key=lambda form: f"{form.__module__}.{form.__name__}")


def project_fields(kind) -> list[tuple[str, str, forms.Field]]:
    """(form name, field name, field) for every declared field that is an instance of `kind`."""
    return [
        (form.__name__, name, field)
        for form in project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, kind)
    ]
