# syntax=docker/dockerfile:1
# Build: a static binary with views, static files and migrations embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/crowdwise ./cmd/crowdwise

# Run: distroless static image, non-root, nothing but the binary and CA roots.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/crowdwise /usr/local/bin/crowdwise
USER nonroot:nonroot
ENV CROWDWISE_ADDR=:8080 CROWDWISE_ENV=production
EXPOSE 8080
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/crowdwise"]
CMD ["serve"]
