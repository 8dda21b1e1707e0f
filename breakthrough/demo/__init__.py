"""Demo and benchmark data: two fictional partnerships, their organisations, a login per role, households.

`manage.py seed_demo` calls `seed_demo()`, and `seed_scale()` for `--scale N`. Both are deterministic (one
seed drives every choice, dates are fixed) and idempotent: rows are found by natural keys (slugs, names,
e-mail addresses) and a second run creates nothing. Nothing here may run in production: the logins share a
published password and a published authenticator secret.

Household plans are pure functions of the seed (`demo_households`, `scale_household`), so tests can compare
them without a database; the `seed_*` functions turn plans into rows.

- `reference`: the seed, the fixed dates, the partnerships, organisations, providers and logins
- `names`: the name lists and the words people use
- `households`: household plans, generated from a seeded random.Random, and the demo's households
- `seed`: writing the demo (`seed_demo`)
- `scale`: many generated carers, fast (`seed_scale`), written with `bulk_insert`
- `authenticator`: the shared demo authenticator secret and its codes
- `guard`: the refusal to run in production
"""

from .authenticator import DEMO_TOTP_SECRET, NotADemoAuthenticator, demo_totp_code, otpauth_uri
from .guard import DemoRefused, refuse_in_production
from .households import demo_households
from .reference import DEFAULT_SEED, DEMO_LOGINS, DEMO_PASSWORD
from .scale import SCALE_BATCH, SCALE_DOMAIN, SCALE_SHARED_EVERY, scale_email, seed_scale
from .seed import seed_demo

__all__ = [
    "DEFAULT_SEED",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DEMO_TOTP_SECRET",
    "SCALE_BATCH",
    "SCALE_DOMAIN",
    "SCALE_SHARED_EVERY",
    "DemoRefused",
    "NotADemoAuthenticator",
    "demo_households",
    "demo_totp_code",
    "otpauth_uri",
    "refuse_in_production",
    "scale_email",
    "seed_demo",
    "seed_scale",
]
