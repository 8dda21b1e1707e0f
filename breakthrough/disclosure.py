"""Disclosure control: a table of counts as it may leave a partnership, with no family re-identifiable from it.

Every count that leaves a partnership (the national view, providers' feedback, exports, the public statement)
goes through `publish`. Two rules:

- **Primary suppression.** A count from 1 to SUPPRESSION_THRESHOLD - 1 shows as "fewer than 5" (the threshold
  is a setting). Zero is shown: it identifies no one.
- **Secondary suppression.** A hidden count must not be recoverable from what is shown: from a row or column
  total, or the difference of two published figures, or any sum of them. So after the small counts are hidden,
  `publish` asks the same question an attacker would (`determined_cells`): knowing every shown count, every
  total, that a "fewer than 5" is 1 to 4 and that a cell hidden to protect another is at least 5, can any hidden
  cell take only one value? While one can, the smallest shown count in its row or column (a plain cell before
  a total) is hidden too, and the question is asked again, until no hidden cell is pinned down. Where nothing
  shown could protect it (a small group, every count in it small), its row and column show "not shown", zeros
  too: a "not shown" could be any count at all.

How the question is answered exactly, not by a rule of thumb: write the table with its totals as one grid,
each total negated, so that every published row and column of the grid sums to zero. The hidden cells are
then the arcs of a graph between row and column nodes (lines without a published total merge into one free
node), and the ways the hidden values could differ from the truth are exactly the circulations on that graph
within each cell's bounds. A cell can take another value if and only if a cycle through it exists in the
residual graph (each arc with room of at least one in that direction); with integer bounds, pushing one unit
round that cycle gives another table consistent with everything shown. No cycle: the cell is worked out.
This is the "one hidden cell in a row" rule made complete: it also catches a hidden cell pinned down by a
chain of rows and columns, and one pinned by the bounds (a "fewer than 5" next to a 5 that must be a 5).
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

from breakthrough.money import format_pence

INFINITY = 10**12


class _Unprotectable(Exception):
    """No shown count can be hidden to protect this one."""


class Hidden(StrEnum):
    SMALL = "small"  # a count from 1 to the threshold - 1
    SECONDARY = "secondary"  # a count hidden so that a small one cannot be worked out
    WITHHELD = "withheld"  # any count, zero included: where nothing else protects a small one (a small group)


@dataclass(frozen=True)
class Shown:
    """One published figure: its count, or None with the reason it is hidden."""

    count: int | None
    hidden: Hidden | None = None
    pence: bool = False  # an amount of money in pence, not a count

    @property
    def text(self) -> str:
        if self.hidden is Hidden.SMALL:
            return f"fewer than {threshold()}"
        if self.hidden is Hidden.SECONDARY:
            return "hidden"
        if self.hidden is Hidden.WITHHELD:
            return "not shown"
        return format_pence(self.count) if self.pence else f"{self.count:,}"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class PublishedTable:
    """What may be shown: `cells[i][j]`, `row_totals[i]`, `column_totals[j]` and `grand_total` (None where the
    table has no such totals), each a Shown."""

    rows: list[str]
    columns: list[str]
    cells: list[list[Shown]]
    row_totals: list[Shown] | None
    column_totals: list[Shown] | None
    grand_total: Shown | None

    @property
    def any_hidden(self) -> bool:
        return any(s.hidden for s in self._all())

    @property
    def any_secondary(self) -> bool:
        return any(s.hidden is Hidden.SECONDARY for s in self._all())

    def _all(self):
        for row in self.cells:
            yield from row
        yield from self.row_totals or ()
        yield from self.column_totals or ()
        if self.grand_total is not None:
            yield self.grand_total


def threshold() -> int:
    return settings.SUPPRESSION_THRESHOLD


def publish(
    counts: list[list[int]],
    *,
    rows: list[str],
    columns: list[str],
    row_totals: bool = True,
    column_totals: bool = True,
) -> PublishedTable:
    """The table of counts (rows x columns) with its totals, small counts hidden and every hidden count protected.

    `row_totals=False` for a table whose columns do not add up (different measures side by side); the column
    totals are then the only sums shown, and protected alike."""
    grid = _Grid(counts, row_totals=row_totals, column_totals=column_totals)
    limit = threshold()
    hidden = {cell: Hidden.SMALL for cell, value in grid.values.items() if 0 < value < limit}
    while pinned := grid.determined(hidden, limit):
        try:
            for cell in grid.complement(pinned[0], hidden, limit):
                hidden[cell] = Hidden.SECONDARY
        except _Unprotectable:
            # Nothing shown can be hidden to protect it (every count around it is small, as in a group of four
            # people in four cells, each "fewer than 5"): its row and column are withheld whole, zeros included,
            # so that what they hold cannot be worked out from what they say.
            i, j = pinned[0]
            line = [c for c in grid.values if (c[0] == i or c[1] == j) and hidden.get(c) is not Hidden.WITHHELD]
            if not line:
                line = [c for c in grid.values if hidden.get(c) is not Hidden.WITHHELD]
            if not line:
                break
            for cell in line:
                hidden[cell] = Hidden.WITHHELD
    return grid.published(hidden, rows=rows, columns=columns)


def publish_amounts(amounts: list[int], *, protect: list[bool], rows: list[str], column: str) -> PublishedTable:
    """A column of money (pence) beside a table of counts, with its total: an amount is hidden wherever the count
    of what it paid for is (`protect`), so that spending cannot point to a small group. A total less one hidden
    amount would give it away, so a hidden amount never stands alone: the next smallest is hidden with it, or
    where there is none, the total. (An amount has no "fewer than 5" bounds: two hidden amounts are known
    only by their sum.)"""
    if len(amounts) != len(rows) or len(protect) != len(rows):
        raise ValueError("Name every row, and say for each whether it is protected.")
    hidden = {i for i, (amount, guard) in enumerate(zip(amounts, protect, strict=True)) if guard and amount > 0}
    total_hidden = False
    if len(hidden) == 1:
        others = sorted((amounts[i], i) for i in range(len(amounts)) if i not in hidden and amounts[i] > 0)
        if others:
            hidden.add(others[0][1])
        else:
            total_hidden = True
    cells = [
        [Shown(None, Hidden.SECONDARY, pence=True) if i in hidden else Shown(a, pence=True)]
        for i, a in enumerate(amounts)
    ]
    total = Shown(None, Hidden.SECONDARY, pence=True) if total_hidden else Shown(sum(amounts), pence=True)
    return PublishedTable(
        rows=list(rows), columns=[column], cells=cells, row_totals=None, column_totals=[total], grand_total=None
    )


def determined_cells(table: PublishedTable, truth: list[list[int]]) -> list[tuple[int, int]]:
    """The hidden cells of a published table that could be worked out from it (the attacker's question, asked of
    the published table and the true counts behind it; used by the tests and by `publish` itself)."""
    grid = _Grid(truth, row_totals=table.row_totals is not None, column_totals=table.column_totals is not None)
    hidden = {}
    for (i, j), _ in grid.values.items():
        shown = grid.shown_in(table, i, j)
        if shown.hidden:
            hidden[(i, j)] = shown.hidden
    return grid.determined(hidden, threshold())


class _Grid:
    """The table and its totals as one grid: (i, j) with i == len(rows) for the total row and j == len(columns)
    for the total column, present only where those totals are published."""

    def __init__(self, counts, *, row_totals: bool, column_totals: bool):
        if any(value < 0 for row in counts for value in row):
            raise ValueError("Counts cannot be negative.")
        self.n_rows = len(counts)
        self.n_cols = len(counts[0]) if counts else 0
        if any(len(row) != self.n_cols for row in counts):
            raise ValueError("Every row of the table needs the same number of columns.")
        self.row_totals, self.column_totals = row_totals, column_totals
        values = {(i, j): value for i, row in enumerate(counts) for j, value in enumerate(row)}
        if row_totals:
            for i, row in enumerate(counts):
                values[(i, self.n_cols)] = sum(row)
        if column_totals:
            for j in range(self.n_cols):
                values[(self.n_rows, j)] = sum(row[j] for row in counts)
        if row_totals and column_totals:
            values[(self.n_rows, self.n_cols)] = sum(map(sum, counts))
        self.values = values

    # Which lines of the grid carry a constraint (a published sum), and the node each line is in the graph.
    def _row_node(self, i):
        constrained = self.row_totals and (i < self.n_rows or self.column_totals)
        return ("r", i) if constrained else "free"

    def _col_node(self, j):
        constrained = self.column_totals and (j < self.n_cols or self.row_totals)
        return ("c", j) if constrained else "free"

    def _sign(self, i, j) -> int:
        return (-1 if i == self.n_rows else 1) * (-1 if j == self.n_cols else 1)

    def determined(self, hidden: dict, limit: int) -> list[tuple[int, int]]:
        """The hidden cells that can take only one value given everything else (see the module's docstring)."""
        arcs = {cell: self._arc(cell, kind, limit) for cell, kind in hidden.items()}
        graph = _residual(arcs)
        return [cell for cell in hidden if not _movable(cell, arcs[cell], graph)]

    def _arc(self, cell, kind, limit):
        """The cell as an arc of the graph: its two nodes and its room to rise and fall (in the negated grid)."""
        value = self.values[cell]
        low, high = {Hidden.SMALL: (1, limit - 1), Hidden.SECONDARY: (limit, INFINITY)}.get(kind, (0, INFINITY))
        up, down = (high - value, value - low) if self._sign(*cell) > 0 else (value - low, high - value)
        return self._row_node(cell[0]), self._col_node(cell[1]), up, down

    def complement(self, cell, hidden: dict, limit: int) -> list:
        """The fewest, smallest shown counts to hide so that `cell` is no longer pinned: the cheapest cycle through
        it (Dijkstra), where a hidden cell costs nothing and a shown one its count (a total a little more), each
        crossed only in a direction it has room to move. Hiding those cells lets `cell` move by one."""
        arcs = {}
        for other, value in self.values.items():
            if other == cell:
                continue
            if other in hidden:
                arcs[other] = (*self._arc(other, hidden[other], limit), 0)
            elif value >= limit:  # a zero or a small count is never the one hidden to protect another
                is_total = other[0] == self.n_rows or other[1] == self.n_cols
                arcs[other] = (*self._arc(other, Hidden.SECONDARY, limit), 2 * value + is_total)
        tail, head, up, down = self._arc(cell, hidden[cell], limit)
        paths = [self._cheapest(arcs, head, tail)] if up >= 1 else []
        paths += [self._cheapest(arcs, tail, head)] if down >= 1 else []
        paths = [p for p in paths if p is not None]
        if not paths:
            raise _Unprotectable(cell)
        cost, path = min(paths)
        return [c for c in path if c not in hidden]

    @staticmethod
    def _cheapest(arcs, start, goal):
        """(cost, cells) of the cheapest path from start to goal, each arc crossed where it has room, or None."""
        graph = _residual({cell: arc[:4] for cell, arc in arcs.items()})
        best, queue, done, tick = {start: (0, [])}, [(0, 0, start)], set(), 0
        while queue:
            cost, _, node = heapq.heappop(queue)
            if node in done:
                continue
            if node == goal:
                return best[node]
            done.add(node)
            for other, to in graph.get(node, ()):
                total = cost + arcs[other][4]
                if to not in done and (to not in best or total < best[to][0]):
                    tick += 1
                    best[to] = (total, [*best[node][1], other])
                    heapq.heappush(queue, (total, tick, to))
        return None

    def shown_in(self, table: PublishedTable, i, j) -> Shown:
        if i < self.n_rows and j < self.n_cols:
            return table.cells[i][j]
        if i < self.n_rows:
            return table.row_totals[i]
        if j < self.n_cols:
            return table.column_totals[j]
        return table.grand_total

    def published(self, hidden: dict, *, rows, columns) -> PublishedTable:
        def shown(cell) -> Shown:
            kind = hidden.get(cell)
            return Shown(None, kind) if kind else Shown(self.values[cell])

        if len(rows) != self.n_rows or len(columns) != self.n_cols:
            raise ValueError("Name every row and every column of the table.")
        return PublishedTable(
            rows=list(rows),
            columns=list(columns),
            cells=[[shown((i, j)) for j in range(self.n_cols)] for i in range(self.n_rows)],
            row_totals=[shown((i, self.n_cols)) for i in range(self.n_rows)] if self.row_totals else None,
            column_totals=[shown((self.n_rows, j)) for j in range(self.n_cols)] if self.column_totals else None,
            grand_total=shown((self.n_rows, self.n_cols)) if self.row_totals and self.column_totals else None,
        )


def _residual(arcs: dict) -> dict:
    """{node: [(cell, next node)]}: where each cell's arc can be crossed, forwards where it has room to rise and
    backwards where it has room to fall."""
    graph: dict = {}
    for cell, (tail, head, up, down) in arcs.items():
        if up >= 1:
            graph.setdefault(tail, []).append((cell, head))
        if down >= 1:
            graph.setdefault(head, []).append((cell, tail))
    return graph


def _movable(cell, arc, graph) -> bool:
    """Whether a cycle through `cell` exists in the residual graph, not crossing the cell itself again."""
    tail, head, up, down = arc

    def reaches(start, goal) -> bool:
        seen, queue = {start}, deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                return True
            for other, to in graph.get(node, ()):
                if other != cell and to not in seen:
                    seen.add(to)
                    queue.append(to)
        return False

    return (up >= 1 and reaches(head, tail)) or (down >= 1 and reaches(tail, head))
