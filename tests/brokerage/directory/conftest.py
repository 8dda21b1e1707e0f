"""Directory fixtures: a few outward codes (no download needed) and offers placed on the grid."""

import pytest

from brokerage.models import OutwardCode

# Real centroids from Code-Point Open (metres on the British National Grid).
CENTROIDS = {
    "EH1": (325603, 673734),  # Edinburgh
    "EH4": (321500, 675800),  # about 3 miles west of EH1
    "G1": (259300, 665300),  # Glasgow, about 42 miles west of EH1
    "AB10": (393800, 805300),  # Aberdeen, about 92 miles north of EH1
}


@pytest.fixture
def outward_codes(db):
    return {
        code: OutwardCode.objects.create(code=code, easting=e, northing=n, postcodes=10)
        for code, (e, n) in CENTROIDS.items()
    }


def at(code: str) -> dict:
    """Offer factory kwargs placing an offer at an outward code."""
    easting, northing = CENTROIDS[code]
    inward = {"EH1": "1YZ", "EH4": "2AB", "G1": "1AA", "AB10": "1AB"}[code]
    return {"postcode": f"{code} {inward}", "easting": easting, "northing": northing}
