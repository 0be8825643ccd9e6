#!/usr/bin/env bash
# Installs ONNX Runtime (onnxruntime-node) for tests/onnx and bench/runtime_vs_onnxruntime.sh from
# package-lock.json, once: quick when node_modules already holds the locked versions. Its install
# script would download CUDA files (PEERS.md): skipped; the package ships the CPU library.
set -euo pipefail
npm=${1:-npm}
cd "$(dirname "$0")"
if [ -f node_modules/.package-lock.json ] && cmp -s <(sed -n '/"packages"/,$p' package-lock.json | grep -o '"version": "[^"]*"' | sort) \
     <(grep -o '"version": "[^"]*"' node_modules/.package-lock.json | sort); then
  echo "tests/onnx: node_modules is up to date"
  exit 0
fi
ONNXRUNTIME_NODE_INSTALL=skip "$npm" ci --no-audit --no-fund --ignore-scripts
