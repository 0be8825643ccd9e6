#!/usr/bin/env bash
# The committed src/model/tflite_schema_generated.h must be exactly what flatc makes of
# src/model/tflite_schema.fbs (it is committed so cross builds need no flatc; this keeps it honest).
#   tests/model/check_schema.sh <flatc>
set -euo pipefail
flatc=${1:-flatc}
src="$(cd "$(dirname "$0")/../.." && pwd)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$flatc" --cpp --scoped-enums -o "$out" "$src/src/model/tflite_schema.fbs"
if ! diff -q "$out/tflite_schema_generated.h" "$src/src/model/tflite_schema_generated.h" >/dev/null; then
  echo "src/model/tflite_schema_generated.h is stale: regenerate it with" >&2
  echo "  flatc --cpp --scoped-enums -o src/model src/model/tflite_schema.fbs" >&2
  exit 1
fi
echo "tflite_schema_generated.h matches tflite_schema.fbs ($("$flatc" --version))"
