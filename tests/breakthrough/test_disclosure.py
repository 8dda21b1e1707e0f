"""Disclosure control: small counts hidden, and no hidden count can be worked out from what is shown.

The attacker here is written independently of breakthrough/disclosure.py: it writes down every equation the
published table gives (each row and column adds up to its total), solves them exactly with fractions, and then
tries every value the remaining unknowns could take (a "fewer than 5" is 1 to 4, a count hidden to protect it is
at least 5), near the true ones (see `bounds`). A hidden cell is worked out when only one value fits.
"""

import itertools
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breakthrough.disclosure import Hidden, PublishedTable, Shown, determined_cells, publish, publish_amounts

T = 5


def _grid(table, truth):
    """The published grid's entries: {(i, j): (shown count or None, hidden kind, true value)} and its lines."""
    n, m = len(truth), len(truth[0])
    entries = {}
    for i in range(n):
        for j in range(m):
            entries[(i, j)] = (table.cells[i][j], truth[i][j])
    if table.row_totals is not None:
        for i in range(n):
            entries[(i, m)] = (table.row_totals[i], sum(truth[i]))
    if table.column_totals is not None:
        for j in range(m):
            entries[(n, j)] = (table.column_totals[j], sum(row[j] for row in truth))
    if table.grand_total is not None:
        entries[(n, m)] = (table.grand_total, sum(map(sum, truth)))
    lines = []  # (the cells that add up, the total cell)
    if table.row_totals is not None:
        lines += [([(i, j) for j in range(m)], (i, m)) for i in range(n)]
        if table.column_totals is not None:
            lines.append(([(n, j) for j in range(m)], (n, m)))
    if table.column_totals is not None:
        lines += [([(i, j) for i in range(n)], (n, j)) for j in range(m)]
        if table.row_totals is not None:
            lines.append(([(i, m) for i in range(n)], (n, m)))
    return entries, lines


def attack(table, truth) -> dict:
    """Each hidden cell's possible values, found by solving the published sums and trying what is left free."""
    entries, lines = _grid(table, truth)
    unknown = [cell for cell, (shown, _) in entries.items() if shown.hidden]
    index = {cell: k for k, cell in enumerate(unknown)}
    rows = []
    for parts, total in lines:
        coefficients, constant = [Fraction(0)] * len(unknown), Fraction(0)
        for cell, sign in [(c, 1) for c in parts] + [(total, -1)]:
            shown, _ = entries[cell]
            if shown.hidden:
                coefficients[index[cell]] += sign
            else:
                constant -= sign * shown.count
        rows.append(coefficients + [constant])
    pivots = _rref(rows, len(unknown))
    free = [k for k in range(len(unknown)) if k not in pivots]

    def bounds(k):
        # What the attacker knows: a "fewer than 5" is 1 to 4, a count hidden to protect one is at least 5. The
        # search also stays within 1 of the truth: an attacker who knew that much more would be stronger, so if
        # even they cannot pin a cell down, the real one cannot; and it loses nothing, since a table with another
        # solution has one within 1 of the truth in every cell (one unit moved round a cycle of hidden cells).
        kind, value = entries[unknown[k]][0].hidden, entries[unknown[k]][1]
        low, high = {Hidden.SMALL: (1, T - 1), Hidden.SECONDARY: (T, value + 1)}.get(kind, (0, value + 1))
        return range(max(low, value - 1), min(high, value + 1) + 1)

    possible = {cell: set() for cell in unknown}
    for values in itertools.product(*(bounds(k) for k in free)):
        solution = dict(zip(free, values, strict=True))
        ok = True
        for k, row in pivots.items():
            value = row[-1] - sum(row[f] * solution[f] for f in free)
            if value.denominator != 1 or int(value) not in bounds(k):
                ok = False
                break
            solution[k] = int(value)
        if ok:
            for k, value in solution.items():
                possible[unknown[k]].add(value)
    return possible


def _rref(rows, width) -> dict:
    """Reduces the rows in place; returns {pivot column: its row}."""
    pivots, r = {}, 0
    for col in range(width):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][col]
        rows[r] = [v / lead for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots[col] = r
        r += 1
    # Inconsistent equations would mean the published table lies.
    assert all(any(v != 0 for v in row[:-1]) or row[-1] == 0 for row in rows)
    return {col: rows[i] for col, i in pivots.items()}


def _assert_safe(truth, **kwargs):
    n, m = len(truth), len(truth[0])
    table = publish(truth, rows=[f"r{i}" for i in range(n)], columns=[f"c{j}" for j in range(m)], **kwargs)
    entries, _ = _grid(table, truth)
    for cell, (shown, value) in entries.items():
        if 0 < value < T:
            assert shown.hidden in (Hidden.SMALL, Hidden.WITHHELD), cell
        elif shown.hidden is None:
            assert shown.count == value, cell
        elif shown.hidden is Hidden.WITHHELD:
            assert shown.text == "not shown", cell
        else:
            assert shown.hidden is Hidden.SECONDARY, cell
            assert value >= T, cell
    possible = attack(table, truth)
    for cell, values in possible.items():
        assert entries[cell][1] in values, f"the attacker lost the true value of {cell}"
        assert len(values) > 1, f"{cell} ({entries[cell][1]}) can be worked out from the published table"
    assert determined_cells(table, truth) == []
    return table


def test_a_small_count_alone_in_its_row_and_column_is_protected_by_a_rectangle():
    # By hand: the 3 would follow from its row (25 - 10 - 12) or its column (11 - 8), so 10 and 8 go too;
    # then 8 would follow from its row (24 - 9 - 7), so 9 goes, closing the rectangle 3, 10, 9, 8.
    table = _assert_safe([[3, 10, 12], [8, 9, 7]])
    assert [[c.text for c in row] for row in table.cells] == [
        ["fewer than 5", "hidden", "12"],
        ["hidden", "hidden", "7"],
    ]
    assert [c.text for c in table.row_totals] == ["25", "24"]
    assert [c.text for c in table.column_totals] == ["11", "19", "19"]
    assert table.grand_total.text == "49"


def test_the_old_simple_suppression_is_undone_by_a_total():
    # The negative control: hiding only the 3 (as the national view did) gives it away (25 - 10 - 12), and the
    # attacker finds it; publish hides more.
    truth = [[3, 10, 12], [8, 9, 7]]
    table = publish(truth, rows=["a", "b"], columns=["x", "y", "z"])
    naive = PublishedTable(
        rows=table.rows,
        columns=table.columns,
        cells=[[Shown(None, Hidden.SMALL) if 0 < v < T else Shown(v) for v in row] for row in truth],
        row_totals=[Shown(sum(row)) for row in truth],
        column_totals=[Shown(sum(col)) for col in zip(*truth, strict=True)],
        grand_total=Shown(49),
    )
    assert attack(naive, truth) == {(0, 0): {3}}
    assert determined_cells(naive, truth) == [(0, 0)]
    assert sum(c.hidden is not None for row in table.cells for c in row) == 4


def test_figures_side_by_side_are_protected_by_their_column_totals_alone():
    # Partnerships x (carers, people cared for): no row totals. The 3 would be 19 - 7 - 9; the 7 goes with it.
    table = _assert_safe([[7, 12], [3, 20], [9, 6]], row_totals=False)
    assert [[c.text for c in row] for row in table.cells] == [["hidden", "12"], ["fewer than 5", "20"], ["9", "6"]]
    assert [c.text for c in table.column_totals] == ["19", "38"]
    assert table.row_totals is None
    assert table.grand_total is None


def test_a_small_total_is_hidden_and_protected_too():
    table = _assert_safe([[2, 1, 0], [6, 8, 9], [7, 5, 10]])
    assert table.row_totals[0].text == "fewer than 5"


def test_a_group_too_small_to_protect_is_withheld_whole():
    # Four people, one in each cell: every count and total is "fewer than 5", the grand total 4 at most, so each
    # cell would have to be 1. Nothing shown can protect them: the first cell's row and column are withheld, zeros
    # and all ("not shown" could be any count), and then nothing that is left pins the others down.
    table = _assert_safe([[1, 1], [1, 1]])
    assert [[c.text for c in row] for row in table.cells] == [["not shown", "not shown"], ["not shown", "fewer than 5"]]
    assert [c.text for c in table.row_totals] == ["not shown", "fewer than 5"]
    assert [c.text for c in table.column_totals] == ["not shown", "fewer than 5"]
    assert table.grand_total.text == "fewer than 5"


def test_zero_is_shown_and_a_table_with_nothing_small_is_published_whole():
    table = _assert_safe([[0, 10], [6, 8]])
    assert not table.any_hidden
    assert table.cells[0][0].text == "0"


def test_a_five_next_to_a_small_count_is_not_left_to_give_it_away_by_its_bounds():
    # 1 and 5 in a column summing to 6: hidden together, 1 + 5 = 6 with the 5 at least 5 pins the 1 to 1.
    _assert_safe([[1, 9], [5, 9]], row_totals=False)


def test_an_amount_is_hidden_where_its_count_is_and_never_alone():
    def texts(table):
        return [row[0].text for row in table.cells] + [table.column_totals[0].text]

    rows = ["a", "b", "c"]
    # b's breaks are hidden: its £30 is too, and the smallest other, £12.50, so that £92.50 - £50 - £12.50 fails.
    one = publish_amounts([5000, 3000, 1250], protect=[False, True, False], rows=rows, column="Cost")
    assert texts(one) == ["£50", "hidden", "hidden", "£92.50"]
    # Only b spent anything: the total goes instead.
    alone = publish_amounts([0, 3000, 0], protect=[False, True, False], rows=rows, column="Cost")
    assert texts(alone) == ["£0", "hidden", "£0", "hidden"]
    both = publish_amounts([5000, 3000, 1250], protect=[True, True, False], rows=rows, column="Cost")
    assert texts(both) == ["hidden", "hidden", "£12.50", "£92.50"]
    assert texts(publish_amounts([5000, 0, 1250], protect=[False] * 3, rows=rows, column="Cost"))[-1] == "£62.50"


def test_the_threshold_is_a_setting(settings):
    settings.SUPPRESSION_THRESHOLD = 10
    table = publish([[7, 30], [12, 11]], rows=["a", "b"], columns=["x", "y"])
    assert table.cells[0][0].text == "fewer than 10"


counts = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=1, max_value=3).flatmap(
        lambda m: st.lists(st.lists(counts, min_size=m, max_size=m), min_size=1, max_size=3)
    ),
    st.booleans(),
)
def test_no_hidden_count_in_any_table_can_be_worked_out(truth, row_totals):
    _assert_safe(truth, row_totals=row_totals)


def test_every_row_needs_the_same_columns():
    with pytest.raises(ValueError, match="same number of columns"):
        publish([[1, 2], [3]], rows=["a", "b"], columns=["x", "y"])
