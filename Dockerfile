# The newswire worker image used by docker-compose.yml.
# Build stage: the full Python image has the C compiler that workers/pipeline/*.pyx
# need; the runtime image gets wheels only.
FROM python:3.11 AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY workers ./workers
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl \
 && rm -rf /wheels \
 && useradd --system --uid 10001 newswire \
 && mkdir -p /var/lib/newswire && chown newswire /var/lib/newswire
USER newswire
ENV NEWSWIRE_DATA_DIR=/var/lib/newswire
ENTRYPOINT ["newswire"]
CMD ["worker"]
