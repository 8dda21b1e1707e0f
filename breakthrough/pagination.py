"""Pages of long lists that cost the same however long the list grows."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

MOST_RESULTS = 1000


class CappedPaginator(Paginator):
    """Counts at most `most` rows (MOST_RESULTS unless told), so a page costs the same with 5,000 rows or 500,000.

    Past the cap the page says "more than 1,000" and lists the first 1,000: nobody pages further than
    that, and a filter or a search finds the rest faster.
    """

    def __init__(self, object_list, per_page, *, most: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.most = MOST_RESULTS if most is None else most

    @cached_property
    def counted(self) -> int:
        return self.object_list.order_by()[: self.most + 1].count()

    @cached_property
    def count(self):
        return min(self.counted, self.most)

    @property
    def capped(self) -> bool:
        return self.counted > self.most
