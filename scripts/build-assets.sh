#!/usr/bin/env bash
# Regenerates the committed generated files: templ's *_templ.go, the vendored
# htmx and the Tailwind CSS. CI runs it and fails when `git diff --exit-code`
# shows a difference afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/npm-ci.sh

# Templ first: the CSS build scans the templates for class names. Without
# the version line, templ's header is no longer the package doc comment
# that go doc and go list show.
go tool templ generate -include-version=false

mkdir -p static/vendor
htmx_version=$(node -p 'require("./node_modules/htmx.org/package.json").version')
cp node_modules/htmx.org/dist/htmx.min.js "static/vendor/htmx-${htmx_version}.min.js"

node_modules/.bin/tailwindcss --input static/css/input.css --output static/css/app.css --minify --silent
