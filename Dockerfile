# Groundwork production image: one image, three entry points.
#   api (default):  node dist/api/main.js      (PORT, default 3000)
#   worker:         node dist/worker/main.js   (WORKER_PORT, default 3001)
#   migrations:     npm run db:migrate         (prisma migrate deploy, one-shot)
#
#   docker build -t groundwork .
#   docker run --env-file prod.env groundwork
#   docker run --env-file prod.env groundwork node dist/worker/main.js
#
# Only the npm registry is contacted during the build. Dependency install scripts are
# skipped (`--ignore-scripts`), matching package.json's `allowScripts` policy: every
# listed script is denied because it would fetch or compile binaries (Prisma's engines,
# for one); the packages that need native code ship it as optional dependencies.
# `--ignore-scripts` keeps that guarantee with whatever npm the base image bundles.
#
# No HEALTHCHECK: the same image also runs the worker (another port) and one-shot
# migrations, so one baked-in probe would be wrong for two of the three. Orchestrators
# probe /health/live and /health/ready (see k8s/ and docker-compose.yml).

ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Just the workspace manifests (libs/*/package.json): `npm ci` needs them to link the
# workspace packages, and copying them alone keeps the dependency layers cached while
# library sources change (COPY --from is cached by content).
FROM base AS manifests
COPY libs ./libs
RUN find libs -mindepth 2 -maxdepth 2 ! -name package.json -exec rm -rf {} +

# Full dependency tree, for the build.
FROM base AS deps
COPY package.json package-lock.json ./
COPY --from=manifests /app/libs ./libs
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --ignore-scripts

# Compile both apps and the workspace libraries (prisma generate, then tsc -b).
FROM deps AS build
COPY . .
RUN npm run build
# Keep only what runs: the apps' dist/ and each workspace library's dist/ (their
# package.json `exports` point there). Sources, including the generated Prisma
# client's TypeScript, stay behind.
RUN set -eu; \
    mkdir -p /opt/runtime; \
    cp -R dist /opt/runtime/dist; \
    for lib in libs/*/; do \
      if [ -d "${lib}dist" ]; then \
        mkdir -p "/opt/runtime/${lib}"; \
        cp -R "${lib}dist" "/opt/runtime/${lib}"; \
      fi; \
    done; \
    find /opt/runtime -name '*.tsbuildinfo' -delete

# Production dependencies only: what the final image gets as node_modules. `prisma`
# and `@prisma/schema-engine-wasm` are production dependencies on purpose, so the
# migration Job runs from this same image. Workspace packages are symlinks
# (node_modules/@groundwork/* -> libs/*), so libs/*/package.json must sit next to them.
FROM base AS prod-deps
COPY package.json package-lock.json ./
COPY --from=manifests /app/libs ./libs
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev --ignore-scripts

FROM ${NODE_IMAGE} AS runtime
# NPM_CONFIG_CACHE: `npm run db:migrate` writes its cache and logs there, and in
# Kubernetes the root filesystem is read-only with an emptyDir on /tmp.
# CHECKPOINT_DISABLE: no Prisma CLI telemetry / update check from production.
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_CACHE=/tmp/.npm \
    CHECKPOINT_DISABLE=1
WORKDIR /app

# Application files stay owned by root: the process can read its code, not rewrite it.
# libs/ from prod-deps brings each library's package.json (and nested node_modules,
# should npm ever need one); the build stage adds the compiled dist/ directories.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=prod-deps /app/libs ./libs
COPY --from=build /opt/runtime/ ./
# package-lock.json is not used at run time; it lets image scanners list dependencies.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# The .proto files the api serves and encodes with (read at start-up).
COPY proto ./proto
# The offline stand-in for Prisma's native schema engine (prisma.config.ts points
# PRISMA_SCHEMA_ENGINE_BINARY at it); it must keep its executable bit.
COPY tools ./tools

# Writable directories for the `node` user (uid 1000): var/ for runtime output (mail
# outbox when SMTP is unset, local uploads), .secrets/ for docker-compose's generated
# keys (a fresh volume inherits the directory's owner). In Kubernetes the root
# filesystem is read-only and /app/var is an emptyDir.
RUN mkdir -p var .secrets && chown node:node var .secrets

# The base image's `node` user, numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000

EXPOSE 3000 3001

# The apps handle SIGTERM themselves (readiness 503, drain, close): run node as PID 1
# directly, with no shell or npm in between to swallow the signal.
CMD ["node", "dist/api/main.js"]
