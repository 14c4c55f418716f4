# partnerbot in a container: a slim Python base, a non-root user, HEALTHCHECK on /healthz.
#
# BASE is any image with Python >= 3.11 and its venv module. With a registry: the default.
# Without one (as on the build machine of docs/operations.md), make a Debian base locally with
# debootstrap and `docker import`, then `docker build --build-arg BASE=debian-python:bookworm .`
ARG BASE=python:3.12-slim
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/partnerbot/bin:$PATH

RUN python3 -m venv /opt/partnerbot
WORKDIR /app
COPY pyproject.toml README.md ./
COPY partnerbot ./partnerbot
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
# The matching data (vocabulary, places, word frequencies) is package data: loaded once here so
# a broken install fails the build, not the first /findpartner.
RUN pip install . \
 && python -c "from bot.matching.vocabulary import load_vocabulary; from bot.matching.places import gazetteer; load_vocabulary(); gazetteer()"

COPY docker/entrypoint.sh /usr/local/bin/partnerbot-entrypoint
RUN useradd --system --uid 10001 --create-home --home-dir /home/partnerbot partnerbot \
 && mkdir -p /var/lib/partnerbot && chown partnerbot /var/lib/partnerbot
USER partnerbot
WORKDIR /var/lib/partnerbot

ENV PORT=3000 \
    DATABASE_URL=sqlite:////var/lib/partnerbot/partnerbot.db \
    LOG_FORMAT=json \
    PARTNERBOT_CACHE_DIR=/var/lib/partnerbot/cache
EXPOSE 3000
# Liveness only; a load balancer should use /readyz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=2)"
STOPSIGNAL SIGTERM
ENTRYPOINT ["partnerbot-entrypoint"]
CMD ["serve"]
