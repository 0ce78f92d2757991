#!/usr/bin/env bash
# Installs what the test suite needs, idempotently: Debian's Chromium, the npm
# packages (Tailwind, htmx, playwright-core as the Playwright driver, GitHub's
# OpenAPI description for the API-docs tests). Skips whatever is present.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_missing=()
command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
command -v node >/dev/null 2>&1 || apt_missing+=(nodejs npm)
command -v pg_ctlcluster >/dev/null 2>&1 || apt_missing+=(postgresql)
command -v gcc >/dev/null 2>&1 || apt_missing+=(gcc) # go test -race links cgo
if ((${#apt_missing[@]})); then
  echo "setup: apt-get install ${apt_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

# Swagger UI for the API-page benchmark (go run ./scripts/refbench), which
# measures it beside Portico; optional, so a failed install only warns.
if [ ! -f .cache/refbench/node_modules/swagger-ui-dist/swagger-ui-bundle.js ]; then
  echo "setup: npm install swagger-ui-dist (for scripts/refbench)"
  mkdir -p .cache/refbench
  SCARF_ANALYTICS=false npm install --prefix .cache/refbench --no-save --no-audit --no-fund --loglevel=error swagger-ui-dist >/dev/null ||
    echo "setup: swagger-ui-dist did not install; scripts/refbench will skip Swagger UI" >&2
fi

if [ -f package-lock.json ]; then
  bash scripts/npm-ci.sh
  mkdir -p .cache/pwdriver
  ln -sfn "$PWD/node_modules/playwright-core" .cache/pwdriver/package
fi

# GitHub's REST description (13 MB) for the API-docs tests and benchmark.
if [ ! -f .cache/octokit/node_modules/@octokit/openapi/package.json ]; then
  echo "setup: npm install @octokit/openapi"
  mkdir -p .cache/octokit
  npm install --prefix .cache/octokit --no-save --no-audit --no-fund --loglevel=error @octokit/openapi >/dev/null
fi

# An earlier release of it, so the API diff is tested on a real pair.
if [ ! -f .cache/octokit-22/node_modules/@octokit/openapi/package.json ]; then
  echo "setup: npm install @octokit/openapi@22.0.0"
  mkdir -p .cache/octokit-22
  npm install --prefix .cache/octokit-22 --no-save --no-audit --no-fund --loglevel=error @octokit/openapi@22.0.0 >/dev/null
fi
