#!/usr/bin/env bash
# Installs the npm peers of tests/peers (LiteRT.js) from package-lock.json, once: quick when
# node_modules already holds the locked versions.
set -euo pipefail
npm=${1:-npm}
cd "$(dirname "$0")"
if [ -f node_modules/.package-lock.json ] && cmp -s <(sed -n '/"packages"/,$p' package-lock.json | grep -o '"version": "[^"]*"' | sort) \
     <(grep -o '"version": "[^"]*"' node_modules/.package-lock.json | sort); then
  echo "tests/peers: node_modules is up to date"
  exit 0
fi
"$npm" ci --no-audit --no-fund
