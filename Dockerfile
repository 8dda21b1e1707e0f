# syntax=docker/dockerfile:1
# Breakthrough's production image: one image for the web, worker and beat services of docker-compose.yml.

# --- Front end: GOV.UK Frontend compiled from npm into static/build -------------------------------
FROM python:3.11-slim-bookworm AS frontend
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- The application -----------------------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint renders PDFs with Pango and HarfBuzz; fonts-liberation gives it (and the pages) Arial's metrics.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 shared-mime-info fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app && useradd --system --gid app --create-home --home-dir /home/app app

WORKDIR /app

# Dependencies first, so that a change to the code does not reinstall them. Only pyproject.toml is
# here yet, so this installs the dependencies; the code itself runs from /app (PYTHONPATH).
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .

COPY . .
COPY --from=frontend /src/static/build static/build

# Collect static files into /app/staticfiles (hashed names, compressed). Production settings refuse to
# load without a secret, hosts and mail server: these throwaway values exist only inside this RUN.
RUN DJANGO_ENV=production \
    DJANGO_SECRET_KEY=build-time-only-collectstatic-key-never-used-to-serve-requests-0123456789 \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    EMAIL_URL=smtp://build.invalid:587 \
    SITE_URL=https://build.invalid \
    DATABASE_URL=postgres://build.invalid/none \
    REDIS_URL=redis://build.invalid:6379/0 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media \
    && chown -R app:app /app/staticfiles /app/media

USER app
EXPOSE 8000
CMD ["gunicorn", "breakthrough.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
