#!/usr/bin/env bash
# Installs node_modules from package-lock.json when it is missing or was
# installed from another lock file. The check is by content, not by mtime:
# a fresh checkout (or a git worktree sharing node_modules through a link)
# has a lock file newer than the install, and npm ci there would empty the
# shared directory.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(sha256sum package-lock.json | cut -d' ' -f1)
have=$(cat node_modules/.portico-lock-sha256 2>/dev/null || true)
if [ ! -d node_modules ] || [ "$want" != "$have" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.portico-lock-sha256
fi
