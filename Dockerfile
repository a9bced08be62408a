# syntax=docker/dockerfile:1
#
# Production image: build with dev dependencies, prune them, copy only what runs.
#
# The base image is pinned by tag (Node 24 LTS, 24.22, on Debian bookworm, slim). It is not pinned
# by digest because the digest cannot be resolved from the machines this repository is built on
# (no access to the container registry); pin it as `node:24.22-bookworm-slim@sha256:<digest>`
# where you can run `docker buildx imagetools inspect node:24.22-bookworm-slim`. Dependabot
# (docker ecosystem) proposes tag bumps. `.ci/run` runs the test suite on this same Node
# major.minor (read from the line below), so a bump is tested before it ships.
ARG NODE_IMAGE=node:24.22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Install scripts are skipped outright, whatever the image's npm makes of `allowScripts`: nothing
# this image runs needs one (bcrypt loads its bundled Node-API prebuild; the embedded PostgreSQL
# is a development-only tool). See docs/SUPPLY-CHAIN.md.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_DIR=/app/logs \
    SWAGGER_ENABLED=false
# V8's young generation sized here, not left to V8, which sizes it from the memory it sees: 128 MB
# of new space on a large host (peak RSS 366 MB under load), ~4 MB under a 512 MB container limit
# (3x the CPU per request, all in scavenges). V8 reads it only at start-up, so it cannot join the
# runtime settings in src/v8-settings.ts. Measured and costed in docs/OPERATIONS.md ("Memory");
# `npm run bench` runs every server with this line.
ENV NODE_OPTIONS="--max-semi-space-size=8"
WORKDIR /app
# Application files stay owned by root and read-only to the runtime user; only the log
# directory is writable. No secret is baked in: every one comes from the environment.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/logs && chown node:node /app/logs
# `node` (uid 1000) ships with the official image.
USER node
EXPOSE 3000
# The slim image has no curl: Node's own fetch probes the liveness route.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
