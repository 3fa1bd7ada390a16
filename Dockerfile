# Tonearm image: built from Debian 12 packages only.
FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config libboost-dev libpqxx-dev libhiredis-dev \
      nlohmann-json3-dev libspdlog-dev libgtest-dev libgmock-dev libsodium-dev libtag1-dev libvips-dev zlib1g-dev libssl-dev \
      prometheus-cpp-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY migrations migrations
COPY include include
COPY src src
COPY tests tests
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTONEARM_BUILD_TESTS=OFF \
    && ninja -C build tonearm

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpqxx-6.4 libhiredis0.14 libspdlog1.10 libfmt9 libsodium23 libtag1v5 libvips42 libprometheus-cpp-core1.0 libssl3 \
      ffmpeg \
      curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/tonearm tonearm \
    && mkdir -p /var/lib/tonearm/blobs && chown -R tonearm /var/lib/tonearm
COPY --from=build /src/build/tonearm /usr/local/bin/tonearm
COPY config /etc/tonearm
COPY web /usr/share/tonearm/web
USER tonearm
WORKDIR /var/lib/tonearm
ENV TONEARM_CONFIG=/etc/tonearm/tonearm.json \
    TONEARM_LISTEN=0.0.0.0:8080 \
    TONEARM_BLOB_DIR=/var/lib/tonearm/blobs \
    TONEARM_WEB_DIR=/usr/share/tonearm/web
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["tonearm"]
CMD ["serve"]
