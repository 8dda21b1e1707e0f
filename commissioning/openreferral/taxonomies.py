"""The feed's three taxonomies: the kinds of break, who takes the break, and the levels of needs a break supports.

Each term is one of the directory's choices (brokerage.models), so a taxonomy always lists exactly what an offer
can be; ids are UUID 5s of the taxonomy's and the term's codes (commissioning.openreferral.ids), which never change.
A choice renamed keeps its id; a new choice gets a new term.
"""

from dataclasses import dataclass

from django.db.models import Q

from brokerage.models import BreakFor, NeedsLevel, OfferKind
from brokerage.models.offers import NEEDS_FIELDS
from commissioning.openreferral import ids

VERSION = "1"


@dataclass(frozen=True)
class Term:
    taxonomy: "Taxonomy"
    code: str
    name: str
    description: str

    @property
    def id(self) -> str:
        return ids.named(f"taxonomy_term:{self.taxonomy.code}:{self.code}")

    def offers(self) -> Q:
        """The offers this term describes."""
        if self.taxonomy.code == "needs_level":
            return Q(**{NEEDS_FIELDS[self.code]: True})
        return Q(**{self.taxonomy.code: self.code})


@dataclass(frozen=True)
class Taxonomy:
    code: str
    name: str
    description: str
    choices: tuple[tuple[str, str, str], ...]  # (code, name, description)

    @property
    def id(self) -> str:
        return ids.named(f"taxonomy:{self.code}")

    @property
    def terms(self) -> list[Term]:
        return [Term(self, code, name, description) for code, name, description in self.choices]

    def offers(self) -> Q:
        """The offers with any term of this taxonomy."""
        found = Q(pk__in=[])
        for term in self.terms:
            found |= term.offers()
        return found


_KIND_WORDS = {
    OfferKind.REPLACEMENT_CARE: "Someone steps in to care at home while the carer has time away.",
    OfferKind.SITTER: "A trained sitter stays with the person cared for, usually for a few hours.",
    OfferKind.DAY: "A day out or a day-time activity, so both have a break in the day.",
    OfferKind.EVENING: "An evening activity or an evening of care.",
    OfferKind.OVERNIGHT: "A night's care, at home or away, so the carer can sleep.",
    OfferKind.WEEKEND: "A break over a weekend.",
    OfferKind.RESIDENTIAL: "A stay in a care home or respite house with care on hand.",
    OfferKind.LINK_CARE: "A stay with an approved link or foster carer's family.",
    OfferKind.PROPERTY: "A property to stay in, built or adapted for access, let as a whole by the night.",
    OfferKind.ACTIVITY: "A dated activity or event: a club, a class, an outing.",
    OfferKind.HOLIDAY: "A holiday, with or without the person cared for.",
    OfferKind.CREATIVE: "A break of the carer's own choosing, such as lessons, a hobby or equipment.",
}
_BREAK_FOR_WORDS = {
    BreakFor.CARER: "The carer takes the break on their own.",
    BreakFor.CARED_FOR: "The person cared for takes the break, which gives the carer time off.",
    BreakFor.BOTH: "The carer and the person they care for take the break together, booked as one.",
}
_NEEDS_WORDS = {
    NeedsLevel.LOW: "The break supports people whose needs are low.",
    NeedsLevel.MEDIUM: "The break supports people whose needs are medium.",
    NeedsLevel.HIGH: "The break supports people whose needs are high.",
    NeedsLevel.COMPLEX: "The break supports people whose needs are complex.",
}

KIND = Taxonomy(
    "kind",
    "Kinds of break",
    "The kinds of short break the directory lists, defined broadly: care at home, breaks away, activities.",
    tuple((value, label, _KIND_WORDS[value]) for value, label in OfferKind.choices),
)
BREAK_FOR = Taxonomy(
    "break_for",
    "Who takes the break",
    "Whether the carer, the person cared for, or both together take the break.",
    tuple((value, label, _BREAK_FOR_WORDS[value]) for value, label in BreakFor.choices),
)
NEEDS_LEVEL = Taxonomy(
    "needs_level",
    "Levels of needs supported",
    "The levels of needs of the person cared for that a break supports (an offer may support several).",
    tuple((value, f"{label} needs", _NEEDS_WORDS[value]) for value, label in NeedsLevel.choices),
)
TAXONOMIES = (KIND, BREAK_FOR, NEEDS_LEVEL)
TERMS = tuple(term for taxonomy in TAXONOMIES for term in taxonomy.terms)
TAXONOMY_BY_ID = {taxonomy.id: taxonomy for taxonomy in TAXONOMIES}
TERM_BY_ID = {term.id: term for term in TERMS}
_TERM_BY_CODE = {(term.taxonomy.code, term.code): term for term in TERMS}


def term(taxonomy: Taxonomy, code: str) -> Term:
    return _TERM_BY_CODE[(taxonomy.code, code)]


def terms_of(offer) -> list[Term]:
    """The terms that describe an offer: its kind, who takes it, and each needs level it supports."""
    return [
        term(KIND, offer.kind),
        term(BREAK_FOR, offer.break_for),
        *(term(NEEDS_LEVEL, level) for level in offer.needs_levels),
    ]
