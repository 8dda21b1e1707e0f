"""manage.py seed_demo [--seed N] [--scale N]: the demo partnerships, logins and households (see breakthrough.demo)."""

import time

from django.core.management.base import BaseCommand, CommandError

from breakthrough import demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent); --scale N adds N generated carers for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="random seed (default %(default)s)")
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="also make sure scale carers 1..N exist (each with a login and one or two cared-for people)",
        )

    def handle(self, *args, seed, scale, verbosity, **options):
        self.verbosity = verbosity
        if scale < 0:
            raise CommandError("--scale must be 0 or more.")
        try:
            created = demo.seed_demo(seed=seed)
            self.stdout.write(f"Demo data (seed {seed}): {_describe(created)}.")
            if scale:
                started = time.monotonic()
                created = demo.seed_scale(count=scale, seed=seed, progress=self._progress)
                self.stdout.write(
                    f"Scale carers 1..{scale}: {_describe(created)} in {time.monotonic() - started:.1f}s."
                )
        except demo.DemoRefused as error:
            raise CommandError(str(error)) from error
        self._print_logins(scale)

    def _progress(self, done: int, total: int) -> None:
        if self.verbosity >= 1 and (done == total or done % 10_000 < demo.SCALE_BATCH):
            self.stdout.write(f"  {done:,} of {total:,} new scale carers")

    def _print_logins(self, scale: int) -> None:
        rows = [("role", "e-mail", "password", "second step")]
        for login in demo.DEMO_LOGINS:
            second = "none" if login.role == "carer" else f"manage.py demo_totp {login.email}"
            rows.append((login.role, login.email, demo.DEMO_PASSWORD, second))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        for i, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
            if i == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write("")
        self.stdout.write(
            f"Staff sign in with an authenticator code. Add the demo secret {demo.DEMO_TOTP_SECRET} to any "
            "authenticator app (TOTP, 6 digits, 30 seconds), or print the current code with "
            "`.venv/bin/python manage.py demo_totp <e-mail>`."
        )
        self.stdout.write(f"As a link for an authenticator app: {demo.otpauth_uri()}")
        if scale:
            self.stdout.write(
                f"Scale carers sign in as {demo.scale_email(1)} … {demo.scale_email(scale)}, "
                f"password {demo.DEMO_PASSWORD}."
            )


def _describe(created) -> str:
    if not created:
        return "nothing new, everything was already there"
    return "created " + ", ".join(f"{count:,} {label}" for label, count in sorted(created.items()))
