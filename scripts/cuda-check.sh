#!/usr/bin/env bash
# Build the native tests and the CUDA benchmark with plain CMake (no Node needed) and run them on
# the GPU. Used on GPU machines: `bash scripts/cuda-check.sh [OUTDIR]`; logs land in OUTDIR.
set -uo pipefail
out=${1:-/tmp/kerno-cuda-check}
b=${KERNO_BUILD_DIR:-/tmp/kerno-cuda-build}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv,noheader
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S . -B "$b" "${gen[@]}" -DKERNO_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=${KERNO_CUDA_ARCHS:-90} \
  >"$out/cmake.log" 2>&1 || { tail -40 "$out/cmake.log"; exit 1; }
start=$(date +%s)
timeout ${KERNO_BUILD_TIMEOUT:-300} cmake --build "$b" -j"$(nproc)" >"$out/build.log" 2>&1
rc=$?; echo "build rc=$rc in $(( $(date +%s) - start )) s"
grep -E "error|warning" "$out/build.log" | head -30
[ $rc -eq 0 ] || { tail -30 "$out/build.log"; exit 1; }
timeout ${KERNO_TEST_TIMEOUT:-180} "$b/kerno_tests" >"$out/tests.log" 2>&1
echo "kerno_tests rc=$?"
grep -E "FAIL|SKIP|skip|passed" "$out/tests.log" | head -60
timeout ${KERNO_BENCH_TIMEOUT:-150} "$b/kerno_cuda_bench" --seconds ${KERNO_BENCH_SECONDS:-0.5} 2>&1 | tee "$out/bench.log"
