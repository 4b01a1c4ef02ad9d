# One image for every smartgrid role: gateway, balancer, substation, up, simulate.
#   docker build -t smartgrid .
#   docker run --rm -p 7000:7000 smartgrid up --host 0.0.0.0
ARG SWIFT_VERSION=6.3

FROM swift:${SWIFT_VERSION}-noble AS build
WORKDIR /build
# Dependencies first, so they are cached while only sources change.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product smartgrid --static-swift-stdlib \
    && mkdir -p /staging \
    && cp "$(swift build -c release --show-bin-path)/smartgrid" /staging/

FROM ubuntu:noble
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin smartgrid \
    && mkdir -p /var/lib/smartgrid && chown smartgrid /var/lib/smartgrid
COPY --from=build /staging/smartgrid /usr/local/bin/smartgrid
USER smartgrid
# Bookings and sessions that must survive a restart live here (--data-dir, relative by default).
WORKDIR /var/lib/smartgrid
VOLUME /var/lib/smartgrid
# Each role listens on its own port; SMARTGRID_PORT tells the health check which one.
ENV SMARTGRID_PORT=7000
EXPOSE 7000 7001 7101
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${SMARTGRID_PORT}/health" || exit 1
ENTRYPOINT ["/usr/local/bin/smartgrid"]
CMD ["up", "--host", "0.0.0.0", "--prometheus", "off"]
