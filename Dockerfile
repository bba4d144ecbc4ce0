# The bot image, built from pyproject.toml. Run with docker compose (see README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY seeds ./seeds
RUN pip install . && useradd --create-home briefbot && mkdir -p /data/inbox && chown -R briefbot /data

USER briefbot
WORKDIR /data
ENV BRIEFBOT_INBOX=/data/inbox

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["briefbot", "health"]

CMD ["briefbot", "run"]
