# syntax=docker/dockerfile:1
# Build a static binary (modernc SQLite needs no cgo), then run it as an
# unprivileged user with /data as the volume for SQLite, host keys and the
# mail sink.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/supplyhub ./cmd/supplyhub

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/supplyhub /usr/local/bin/supplyhub
ENV SUPPLYHUB_DATA_DIR=/data \
    SUPPLYHUB_HTTP_ADDR=:8080 \
    SUPPLYHUB_SFTP_ADDR=:2222
VOLUME ["/data"]
EXPOSE 8080 2222
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/supplyhub"]
CMD ["serve"]
