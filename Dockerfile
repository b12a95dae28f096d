# Build with cgo (the SQLite driver is C) on Debian, run on a glibc image.
# The tag sqlite_fts5 compiles in SQLite's full-text search, which search needs.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -tags sqlite_fts5 -trimpath -ldflags="-s -w" -o /out/tracker .

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin tracker \
 && mkdir -p /data && chown tracker:tracker /data
COPY --from=build /out/tracker /usr/local/bin/tracker
USER tracker
WORKDIR /data
ENV TRACKER_HOST=0.0.0.0 \
    PORT=3000 \
    TRACKER_DB=/data/tracker.db \
    TRACKER_LOG=json
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
ENTRYPOINT ["tracker"]
CMD ["serve"]
