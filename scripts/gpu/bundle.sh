#!/usr/bin/env bash
# Packs what a GPU machine without Node needs to run kerno's Node-side CUDA checks: a Node binary
# (xz), the built addon stays in build/Release, and two self-contained bundles of TypeScript:
# test/engine/device.test.ts on the vitest shim and bench/cudaFit.ts. Output in .gpu/ (ignored).
# On the GPU machine, from the repository root: bash scripts/gpu/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu
[ -f .gpu/node.xz ] || xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > .gpu/node.xz
common=(--bundle --platform=node --format=esm --target=node20 --log-level=warning
  "--banner:js=import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);")
npx esbuild test/engine/device.test.ts "${common[@]}" --alias:vitest=./scripts/gpu/vitestShim.ts --outfile=.gpu/device.test.mjs
npx esbuild bench/cudaFit.ts "${common[@]}" --outfile=.gpu/cudaFit.mjs
ls -la .gpu
