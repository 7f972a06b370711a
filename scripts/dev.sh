#!/usr/bin/env bash
# One command from a fresh clone to a running Groundwork: install, build, migrate, seed, then
# run the api and the worker side by side until Ctrl-C (which shuts both down gracefully).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
npm run db:migrate
npm run db:seed

pids=()
stop() {
  trap - INT TERM
  echo "stopping api and worker..."
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM

node dist/api/main.js &
pids+=($!)
node dist/worker/main.js &
pids+=($!)
echo "api on http://localhost:${PORT:-3000} (docs at /docs), worker health on http://localhost:${WORKER_PORT:-3001}/health/ready"
# Either process ending ends the session: a crashed half is never left running alone.
wait -n "${pids[@]}" || true
stop
