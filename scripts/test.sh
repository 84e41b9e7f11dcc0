#!/usr/bin/env bash
# The project's test command: installs system peers, builds, then runs every test with node's runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
[ -d node_modules ] || npm install --no-audit --no-fund
node scripts/build-native.mjs # the native UDP addon (npm install builds it too; quick when up to date)
npx tsc -p tsconfig.build.json
npx tsc -p tsconfig.json --noEmit
npx biome check
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=2 --test-timeout=120000 "${files[@]}"
