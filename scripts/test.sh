#!/usr/bin/env bash
# The whole test suite: unit, integration (real PostgreSQL and Redis) and e2e (the built apps
# as child processes). Builds first, so e2e tests always drive the code under test.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/check-runtime.cjs
echo "tests run on Node.js $(node --version) ($(command -v node))"
npm run build --silent
# --forceExit: a failed test can leave a connection open, and Jest would then wait for it forever
# after printing its results; a run must end with its verdict, never hang.
exec node --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand --forceExit "$@"
