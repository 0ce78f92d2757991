#!/usr/bin/env bash
# Runs every test under the race detector: unit, store tests on SQLite and PostgreSQL,
# the example backend, the browser suite in Debian's Chromium, and the deploy checks
# (container image, Helm chart). Installs what it needs
# first (scripts/setup.sh). This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# PostgreSQL for the store suite: the server on 127.0.0.1:5432 when it
# answers, otherwise a throwaway cluster on loopback, stopped on exit.
if [ -z "${PORTICO_TEST_PG_DSN:-}" ]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    export PORTICO_TEST_PG_DSN="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
  else
    PGVER=$(ls /usr/lib/postgresql | sort -V | tail -1)
    if ! pg_lsclusters -h | awk '{print $2}' | grep -qx porticoci; then
      pg_createcluster "$PGVER" porticoci --port 55439 --start-conf=manual -- \
        --auth-local=trust --auth-host=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
      printf "listen_addresses = '127.0.0.1'\nfsync = off\n" > "/etc/postgresql/$PGVER/porticoci/conf.d/ci.conf"
    fi
    pg_ctlcluster "$PGVER" porticoci start
    trap 'pg_ctlcluster "$PGVER" porticoci stop || true' EXIT
    export PORTICO_TEST_PG_DSN="postgres://postgres@127.0.0.1:55439/postgres?sslmode=disable"
  fi
fi

export PLAYWRIGHT_DRIVER_PATH="$PWD/.cache/pwdriver"
export PLAYWRIGHT_NODEJS_PATH="$(command -v node)"
export PORTICO_GITHUB_OPENAPI="$PWD/.cache/octokit/node_modules/@octokit/openapi/generated/api.github.com.json"
export PORTICO_GITHUB_OPENAPI_PREVIOUS="$PWD/.cache/octokit-22/node_modules/@octokit/openapi/generated/api.github.com.json"

go vet ./...
CGO_ENABLED=0 go build -o /dev/null ./cmd/portico
go build ./examples/...
# Every package under the race detector (issue 12), in place of a plain
# run: the same tests, and a data race anywhere fails the build. Waits in
# the tests are bounded for a loaded machine under -race (the root
# package's patience), not for an idle one. The heaviest packages under
# -race are the ones that load GitHub's 13 MB description (catalog/apidiff
# alone: 148 s of CPU, 227 s wall; catalog/openapi, web/apidocs, the root).
# The whole run from a cold race build cache took 1,075 s of CPU (886 user,
# 189 sys), so at least 9 minutes of wall on two quiet cores; measured on
# the development machine at a load of 22 (68 minutes of wall there).
go test -count=1 -race -timeout 20m ./...

# Deploy artefacts, in their own module (deploy/go.mod keeps Helm, k8s.io and
# go-containerregistry out of the main module): the container image archive
# built without Docker and read back, and the Helm chart rendered with Helm's
# Go packages and strictly decoded into the Kubernetes API types.
(cd deploy && go vet ./... && go test -count=1 -timeout 15m ./...)

# Fuzz targets (issue 13): a short budget each on top of their committed
# corpora (testdata/fuzz), which the run above replays as regression tests.
# A crasher is written to testdata/fuzz/<target>/ and fails the build.
for target in "FuzzParseYAML ./catalog" "FuzzBuild ./web/apidocs" \
  "FuzzDefinition ./catalog/openapi" "FuzzShellQuote ./web/apidocs" \
  "FuzzParse ./catalog/asyncapi"; do
  set -- $target
  go test -run '^$' -fuzz "^$1\$" -fuzztime "${PORTICO_FUZZTIME:-10s}" -fuzzminimizetime 1s "$2"
done
