# Multi-stage build: compile with cargo-leptos, run from a slim non-root image.
# (Not exercised by CI: the CI machines have no Docker engine.)

FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads
WORKDIR /src
COPY Cargo.lock ./
RUN cargo install wasm-bindgen-cli --version "$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)"
COPY package.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN cargo leptos build --release

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app ponte \
 && mkdir -p /data && chown ponte /data
COPY --from=build /src/target/release/ponte /app/ponte
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
