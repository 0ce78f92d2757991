#!/usr/bin/env bash
# Runs every test: unit, store (SQLite and PostgreSQL), browser. This is the
# README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
go vet ./...
go test ./... 
