# The newswire worker image used by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY workers ./workers
RUN pip install --no-cache-dir . \
 && useradd --system --uid 10001 newswire \
 && mkdir -p /var/lib/newswire && chown newswire /var/lib/newswire
USER newswire
ENV NEWSWIRE_DATA_DIR=/var/lib/newswire
ENTRYPOINT ["newswire"]
CMD ["worker"]
