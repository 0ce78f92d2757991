# syntax=docker/dockerfile:1
#
# Portico's container image: the static binary on an empty base, running as
# uid 65532 with its data in /data (the volume and the working directory, so
# the default SQLite file is /data/portico.db). Without a Docker engine,
# deploy/cmd/portico-image builds the same file tree and config as an OCI
# archive; deploy/image's test checks this file against that config.
#
#   docker build --build-arg VERSION=v1.2.3 -t portico:v1.2.3 .
#   docker run -p 7007:7007 -v portico-data:/data portico:v1.2.3
#
# No HEALTHCHECK: the image has no program to probe HTTP with, and the OCI
# config has no such field. Orchestrators probe /healthz (alive) and /readyz
# (ready) on port 7007 themselves, as the Helm chart does.

ARG GO_VERSION=1.26
FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" \
      -o /out/rootfs/usr/local/bin/portico ./cmd/portico
RUN set -eu; r=/out/rootfs; \
    mkdir -p "$r/etc/ssl/certs" "$r/usr/share" "$r/tmp" /out/data; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nportico:x:65532:65532:portico:/data:/sbin/nologin\n' > "$r/etc/passwd"; \
    printf 'root:x:0:\nportico:x:65532:\n' > "$r/etc/group"; \
    printf 'hosts: files dns\n' > "$r/etc/nsswitch.conf"; \
    cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/"; \
    cp "$(go env GOROOT)/lib/time/zoneinfo.zip" "$r/usr/share/zoneinfo.zip"; \
    chmod 1777 "$r/tmp"; chmod 0750 /out/data

FROM scratch
COPY --from=build /out/rootfs/ /
COPY --from=build --chown=65532:65532 /out/data /data
ARG VERSION=dev
LABEL org.opencontainers.image.title="Portico" \
      org.opencontainers.image.description="API developer portal with a Backstage-compatible software catalog" \
      org.opencontainers.image.version="${VERSION}"
ENV PATH=/usr/local/bin:/usr/bin:/bin PORTICO_LISTEN=0.0.0.0:7007 ZONEINFO=/usr/share/zoneinfo.zip
USER 65532:65532
WORKDIR /data
VOLUME /data
EXPOSE 7007/tcp
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/portico"]
CMD ["serve"]
