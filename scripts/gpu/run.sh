#!/usr/bin/env bash
# Runs the bundles from scripts/gpu/bundle.sh on a GPU machine (needs build/Release/kerno.node and
# .gpu/ carried from the machine that built them).
set -uo pipefail
cd "$(dirname "$0")/../.."
[ -x /tmp/node ] || xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node
/tmp/node .gpu/device.test.mjs
/tmp/node .gpu/cudaFit.mjs --data data/fashion-mnist "$@"
