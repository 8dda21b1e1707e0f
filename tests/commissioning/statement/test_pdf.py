"""The statement's PDF: its text (the same as the page), its structure tags, and PDF/UA-1 with no findings."""

import io
from collections import Counter

import pikepdf
import pypdf
import pytest

from brokerage.models import BreakFor, EligibilityCriteria, OfferKind, PriceUnit, SdsOption
from tests.commissioning.statement.helpers import publish
from tests.factories import OfferFactory, ProviderFactory
from tests.pdf_checks import pdfua_findings

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement(x, y):
    """X: Harbour Sitters' 6 sitter services (X only) and Scotland Respite's 2 residential breaks in Y (X and Y)."""
    sitters = ProviderFactory(name="Harbour Sitters")
    sitters.partnerships_served.set([x.partnership])
    respite = ProviderFactory(name="Scotland Respite")
    respite.partnerships_served.set([x.partnership, y.partnership])
    for i in range(6):
        OfferFactory(
            provider=sitters,
            locality=x.locality,
            kind=OfferKind.SITTER,
            break_for=BreakFor.CARER,
            title=f"Sitter {i}",
            price_pence=1500,
            price_unit=PriceUnit.HOUR,
        )
    for _ in range(2):
        OfferFactory(provider=respite, locality=y.locality, kind=OfferKind.RESIDENTIAL)
    EligibilityCriteria.objects.create(partnership=x.partnership, text="Carers caring 20 hours a week or more.")
    return publish(
        x.partnership,
        x.commissioner,
        carers_words="The sitter gave me my Thursdays back.",
        hub_phone="0131 555 0100",
        department_address="1 High Street\nEdinburgh",
    )


def _text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _tags(data: bytes) -> Counter:
    with pikepdf.open(io.BytesIO(data)) as document:
        found = Counter()

        def walk(node):
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    found[str(kid.S)] += 1
                    walk(kid)

        walk(document.Root.StructTreeRoot)
        return found


def test_the_pdf_says_what_the_page_says(statement):
    text = _text(bytes(statement.pdf))
    for expected in (
        "Short Breaks Services Statement",
        "Partnership X",
        f"Version 1, published {statement.content['on_text']}",
        f"Next review {statement.content['next_review_text']}",
        "Purpose and legal basis",
        "Section 35 of the Carers (Scotland) Act 2016",
        "Who can get a short break",
        "Carers caring 20 hours a week or more.",
        "Harbour Sitters: in X North; for the carer",
        "Scotland Respite: in Partnership Y; for the person cared for",
        SdsOption.ISF.label,
        "The sitter gave me my Thursdays back.",
        "Carers Services",
        "1 High Street",
        "0131 555 0100",
        "We asked the carers' forum in March.",
        "http://localhost:8000/statements/partnership-x/",
        "Priced per hour £15",
        "fewer than 5",  # Scotland Respite's 2 residential breaks
    ):
        assert expected in text, expected
    assert "Date of publication" in text


def test_the_pdf_is_tagged_with_headings_lists_and_tables_and_passes_pdfua(statement):
    data = bytes(statement.pdf)
    reader = pypdf.PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == "Short Breaks Services Statement: Partnership X, version 1"
    tags = _tags(data)
    assert tags["/H1"] == 1
    assert tags["/H2"] == 11  # the contents, and the ten sections
    assert tags["/Table"] == 1  # the kinds of break (no feedback questions published, so no outcomes table)
    assert tags["/TH"] == 4 + 13  # the header row, and a header for each of the 12 kinds and the total row
    assert tags["/L"] >= 5
    assert pdfua_findings(data) == []
