# Groundwork production images: two targets.
#   runtime (default, last stage): the api and the worker, production dependencies only —
#     no TypeScript, no Prisma CLI, no development tooling.
#       api (default):  node --max-semi-space-size=8 dist/api/main.js      (PORT, default 3000)
#       worker:         node --max-semi-space-size=4 dist/worker/main.js   (WORKER_PORT, default 3001)
#   migrate: the Prisma CLI and prisma/ for the one-shot migration Job (`npm run db:migrate`).
#
#   docker build -t groundwork .
#   docker build --target migrate -t groundwork-migrate .
#   docker run --env-file prod.env groundwork
#   docker run --env-file prod.env groundwork node --max-semi-space-size=4 dist/worker/main.js
#   docker run --env-file prod.env groundwork-migrate
#
# --max-semi-space-size (MiB): V8's young generation stays small; on Node 24 it otherwise
# grows to 32–64 MiB that an idle app keeps resident. The api takes 8, which buys throughput
# under load for ~16 MiB; the worker 4 (docs/runtime.md has the figures).
#
# Only the npm registry is contacted during the build. Dependency install scripts are
# skipped (`--ignore-scripts`), matching package.json's `allowScripts` policy: every
# listed script is denied because it would fetch or compile binaries (Prisma's engines,
# for one); the packages that need native code ship it as optional dependencies.
# `--ignore-scripts` keeps that guarantee with whatever npm the base image bundles.
#
# No HEALTHCHECK: the same image runs the api and the worker (another port), so one
# baked-in probe would be wrong for one of them. Orchestrators probe /health/live and
# /health/ready (see k8s/ and docker-compose.yml).

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

# Production dependencies only: what the runtime image gets as node_modules. Workspace
# packages are symlinks (node_modules/@groundwork/* -> libs/*), so libs/*/package.json must
# sit next to them. npm keeps packages that a production package names as an optional peer
# although only development needs them (the Prisma CLI for @prisma/client, TypeScript for
# @nestjs/swagger); the prune script removes those and the Prisma query compilers of other
# databases (scripts/prune-runtime-modules.cjs; docs/runtime.md has the sizes).
FROM base AS prod-deps
COPY package.json package-lock.json ./
COPY --from=manifests /app/libs ./libs
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev --ignore-scripts
COPY prisma/schema.prisma ./prisma/schema.prisma
COPY scripts/prune-runtime-modules.cjs ./scripts/
RUN node scripts/prune-runtime-modules.cjs

# `docker build --target migrate`: `prisma migrate deploy` for the migration Job (k8s) and
# the compose `migrate` service. The Prisma CLI is a devDependency, so this target takes the
# full install; it runs once per release and serves no traffic.
FROM ${NODE_IMAGE} AS migrate
# NPM_CONFIG_CACHE: `npm run db:migrate` writes its cache and logs there, and in
# Kubernetes the root filesystem is read-only with an emptyDir on /tmp.
# CHECKPOINT_DISABLE: no Prisma CLI telemetry / update check from production.
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_CACHE=/tmp/.npm \
    CHECKPOINT_DISABLE=1
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# prisma.config.ts finds DATABASE_URL (or DATABASE_URL_FILE) the way the apps do, with this file.
COPY libs/platform/src/config/env-sources.ts ./libs/platform/src/config/env-sources.ts
# The offline stand-in for Prisma's native schema engine (prisma.config.ts points
# PRISMA_SCHEMA_ENGINE_BINARY at it); it must keep its executable bit.
COPY tools ./tools
USER 1000:1000
CMD ["npm", "run", "db:migrate"]

FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX=2: glibc otherwise gives each allocating thread (V8's GC and compiler
# helpers, libuv's pool) an arena of its own, up to 8 per core, and keeps what is freed in
# them; under sustained load that held the api's RSS tens of MiB higher, at no measurable
# cost in req/s (docs/runtime.md, "Memory under load").
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    MALLOC_ARENA_MAX=2
WORKDIR /app

# Application files stay owned by root: the process can read its code, not rewrite it.
# libs/ from prod-deps brings each library's package.json (and nested node_modules,
# should npm ever need one); the build stage adds the compiled dist/ directories, the
# generated Prisma client among them (libs/platform/dist/database/generated).
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=prod-deps /app/libs ./libs
COPY --from=build /opt/runtime/ ./
# package-lock.json is not used at run time; it lets image scanners list dependencies.
COPY package.json package-lock.json ./
# Readiness compares the applied migrations with prisma/migrations (an instance never serves
# a schema older than its code); the schema itself is not read at run time.
COPY prisma/migrations ./prisma/migrations
# The .proto files the api serves and encodes with, and the OpenAPI document it serves at
# /docs (both read at start-up).
COPY proto ./proto
COPY openapi.json ./

# Writable directories for the `node` user (uid 1000): var/ for runtime output (mail
# outbox when SMTP is unset, local uploads), .secrets/ for docker-compose's generated
# keys (a fresh volume inherits the directory's owner). In Kubernetes the root
# filesystem is read-only and /app/var is an emptyDir.
RUN mkdir -p var .secrets && chown node:node var .secrets

# The base image's `node` user, numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000

EXPOSE 3000 3001

# The apps handle SIGTERM themselves (readiness 503, drain, close): run node as PID 1
# directly, with no shell or npm in between to swallow the signal. Same command line as
# package.json's start:api.
CMD ["node", "--max-semi-space-size=8", "dist/api/main.js"]
