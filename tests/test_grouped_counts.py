"""A count or sum per group (`.values(...).annotate(...)`) clears the ordering first, in every app.

A model's default ordering joins the GROUP BY as soon as the queryset is `distinct()` or ordered, and each row
becomes a group of its own (the commissioner's overview showed 1 person at every needs level). `.order_by()` in the
same chain, before `.values()`, is the one way to write it; this walks the source so a new aggregate is checked too.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("breakthrough", "brokerage", "ras", "audits", "commissioning")


def _chain(node):
    """The method names called along a chain like a.b().c().d(), innermost first."""
    names = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        names.append(node.func.attr)
        node = node.func.value
    return list(reversed(names))


def _grouped_without_order_by(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "annotate"):
            continue
        before = _chain(node.func.value)
        grouped = [i for i, name in enumerate(before) if name in ("values", "values_list")]
        if grouped and "order_by" not in before[: grouped[0]]:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_grouped_aggregate_clears_the_ordering_before_grouping():
    files = [path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    assert files
    offenders = [where for path in files for where in _grouped_without_order_by(path)]
    assert offenders == []


def test_the_check_finds_a_grouped_aggregate_without_order_by(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('Carer.objects.filter(a=1).values("locality").annotate(n=Count("pk"))\n')
    good = tmp_path / "good.py"
    good.write_text('Carer.objects.filter(a=1).order_by().values("locality").annotate(n=Count("pk"))\n')
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert _grouped_without_order_by(bad) == ["bad.py:1"]
        assert _grouped_without_order_by(good) == []
    finally:
        ROOT = saved
