"""manage.py demo_totp <email>: the current authenticator code of a demo login (never in production)."""

import time

from django.core.management.base import BaseCommand, CommandError

from breakthrough import demo


class Command(BaseCommand):
    help = "Print the current 6-digit authenticator (TOTP) code of a demo staff login made by seed_demo."

    def add_arguments(self, parser):
        parser.add_argument("email", help="a demo staff login, e.g. broker@glenmorven.example")

    def handle(self, *args, email, **options):
        try:
            code = demo.demo_totp_code(email, at=time.time())
        except (demo.DemoRefused, demo.NotADemoAuthenticator) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(code)
