# syntax=docker/dockerfile:1
#
# The image that action.yml runs (ghcr.io/release-action/release-action). It is
# built once per release by workflows-examples/publish-action.yml, never per
# workflow run. Three stages:
#   skeleton  the manifests plus a stub for every Rust file, so the dependency
#             layer below is rebuilt only when Cargo.toml, Cargo.lock or the
#             set of source files changes (the cargo-chef idea, without the tool)
#   build     a static x86_64 musl binary, smoke-tested with `--version`
#   final     scratch: the binary, the CA bundle and an empty /tmp, no shell
#
# Local use:
#   docker build -t release-action .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/repo" -w /repo \
#     --entrypoint /release-action release-action check --repo /repo

# Debian 12 (bookworm) for the build stage: its musl-tools version can be
# pinned and checked, and nothing from it reaches the final image.
FROM rust:1.95-slim-bookworm AS skeleton
WORKDIR /src
COPY . .
# Keep only what the dependency build needs: the manifests, cargo's own
# configuration and every Rust file. Cargo refuses a manifest whose targets
# (bins, benches, tests) are missing, but their contents do not matter here,
# so each becomes a stub that panics if it is ever run (build scripts become
# no-ops). Edits to sources, docs or fixtures leave this stage's output as it
# was, and the dependency layer in the next stage stays cached.
RUN find . -type f ! -name '*.rs' ! -name Cargo.toml ! -name Cargo.lock ! -path './.cargo/*' -delete \
    && find . -mindepth 1 -type d -empty -delete \
    && find . -name '*.rs' -type f -exec sh -c 'for f; do if [ "${f##*/}" = build.rs ]; then echo "fn main() { }"; else echo "fn main() { panic!(\"stub\") }"; fi > "$f"; done' sh {} +

FROM rust:1.95-slim-bookworm AS build
ARG TARGET=x86_64-unknown-linux-musl
# musl-gcc compiles the C parts of dependencies (aws-lc-sys) for the musl
# target; without it cc-rs would use the glibc gcc.
ENV CC_x86_64_unknown_linux_musl=musl-gcc \
    CARGO_TERM_COLOR=never
RUN apt-get update \
    && apt-get install -y --no-install-recommends musl-tools=1.2.3-1 \
    && rm -rf /var/lib/apt/lists/* \
    && rustup target add "${TARGET}"
WORKDIR /src

# Dependencies only: this layer is reused until the skeleton changes.
COPY --from=skeleton /src/ ./
RUN cargo build --release --locked --target "${TARGET}"

# The real sources. COPY keeps the files' modification times, which can be
# older than the stub build, so touch them or cargo would keep the stubs.
COPY . .
RUN find . -name '*.rs' -type f -exec touch {} + \
    && cargo build --release --locked --target "${TARGET}" \
    && mkdir -p /rootfs/etc/ssl/certs /rootfs/tmp \
    && chmod 1777 /rootfs/tmp \
    && cp "target/${TARGET}/release/release-action" /rootfs/release-action \
    && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt \
    && cp /rootfs/release-action /release-action

# Smoke test: the binary starts and is not a stub.
RUN ["/release-action", "--version"]

# Final stage: scratch runs as root (uid 0) on purpose. GitHub runs container
# actions as root with the runner's workspace and file-command files
# (GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) bind-mounted from the
# host, owned by the runner user. A non-root user such as distroless's 65532
# could not write outputs, the job summary, or the working tree for `--local`,
# and GitHub's documentation asks container actions not to set USER. The
# binary is static and needs no shell, libc or users; run the image locally
# with `--user "$(id -u):$(id -g)"` so files it writes belong to you.
FROM scratch
LABEL org.opencontainers.image.title="release-action" \
      org.opencontainers.image.description="Gated, reviewable Helm chart releases and promotions for GitHub Actions" \
      org.opencontainers.image.source="https://github.com/release-action/release-action" \
      org.opencontainers.image.licenses="MIT"
COPY --from=build /rootfs/ /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/release-action", "action"]
