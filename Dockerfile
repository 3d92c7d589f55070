# Multi-stage build: compile with cargo-leptos, run from a slim non-root image.
# (Not exercised by CI: the CI machines have no Docker engine.)

FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
# The tools' own speed hardly matters: a cheap profile builds them faster.
ENV CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_OPT_LEVEL=1
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads
WORKDIR /src
COPY Cargo.lock ./
RUN cargo install wasm-bindgen-cli --version "$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)"
COPY package.json ./
RUN npm install --no-audit --no-fund
COPY . .
# Ponte itself is built with the workspace's own release profile.
RUN env -u CARGO_PROFILE_RELEASE_LTO -u CARGO_PROFILE_RELEASE_CODEGEN_UNITS -u CARGO_PROFILE_RELEASE_OPT_LEVEL \
        cargo leptos build --release --split \
 && node scripts/precompress.mjs target/site

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app ponte \
 && mkdir -p /data && chown ponte /data
COPY --from=build /src/target/release/ponte /src/target/release/hash.txt /app/
COPY --from=build /src/target/site /app/site
ENV LEPTOS_SITE_ROOT=/app/site \
    PONTE_ADDR=0.0.0.0:3000 \
    PONTE_DATA_DIR=/data \
    RUST_LOG=info
USER ponte
VOLUME ["/data"]
EXPOSE 3000
ENTRYPOINT ["/app/ponte"]
CMD ["serve"]
