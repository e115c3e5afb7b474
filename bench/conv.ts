// Conv2D benchmark: the two convolutions of the reference CNN (28×28×1→32 and 13×13×32→64,
// 3×3 'valid', stride 1) at batch 32 and 128 — forward, backward-data, backward-filter and their
// sum — in GFLOP/s, as a fraction of the FMA peak measured in the same run, and against
// tensorflow.js's wasm and cpu backends measured in the same run on the same data. Then the peak
// memory of a conv backward at batch 1,024 against the size of its tensors (a child process per
// layer, so nothing else in this process shapes the high-water mark).
//
//   npm run bench:conv [-- --quick] [-- --json] [-- --threads N]
//
// kerno runs through the raw addon, exactly as the Conv2D layer calls it; forward adds the bias
// and backward-filter accumulates the bias gradient, and the tfjs peers do the same work
// (fused conv2d with bias; Conv2DBackpropFilter plus a sum over dy). tfjs-wasm has no
// Conv2DBackpropFilter kernel, so its filter gradient is computed as a tfjs-wasm user would have
// to: conv2d of the transposed input with the transposed output gradient as the filter
// (transposes included in the time). tfjs-wasm runs single-threaded in Node (its XNNPACK thread
// pool needs browser workers); kerno runs on --threads (default 2).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { backendInfo, setNumThreads } from '../src/backend.js';
import { resolveBackend } from '../src/native.js';
import { type ConvGeometryArgs, convAddon } from '../src/nativeConv.js';
import type { MemoryRow } from './lib/convMemory.js';
import { type Peak, fmt, machineLine, measurePeak, randomArray, ratio, root, timeIt } from './lib/common.js';

interface Shape {
  label: string;
  H: number;
  W: number;
  C: number;
  K: number;
  KH: number;
  KW: number;
}

// The reference CNN: Conv2D(32, 3×3) on 28×28×1, MaxPool 2×2, Conv2D(64, 3×3) on 13×13×32.
const SHAPES: Shape[] = [
  { label: 'conv1 28×28×1→32', H: 28, W: 28, C: 1, K: 32, KH: 3, KW: 3 },
  { label: 'conv2 13×13×32→64', H: 13, W: 13, C: 32, K: 64, KH: 3, KW: 3 },
];
const PASSES = ['fwd', 'bwdData', 'bwdFilter'] as const;
type Pass = (typeof PASSES)[number];
type Times = Partial<Record<Pass, number>>;

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const asJson = argv.includes('--json');
const threadsArg = argv.indexOf('--threads');
const threads = threadsArg >= 0 ? Number(argv[threadsArg + 1]) : 2;

function geometry(s: Shape, B: number): ConvGeometryArgs {
  return [B, s.H, s.W, s.C, s.H - s.KH + 1, s.W - s.KW + 1, s.KH, s.KW, s.K, 1, 1, 1, 1, 0, 0];
}

/** Flops of one pass (each of the three is one GEMM-sized product 2·P·D·K). */
function passFlops(s: Shape, B: number): number {
  return 2 * B * (s.H - s.KH + 1) * (s.W - s.KW + 1) * s.KH * s.KW * s.C * s.K;
}

interface Data {
  x: Float32Array; // (B,H,W,C)
  w: Float32Array; // (KH,KW,C,K)
  bias: Float32Array; // (K)
  dy: Float32Array; // (B,OH,OW,K)
}

function makeData(s: Shape, B: number): Data {
  const OH = s.H - s.KH + 1, OW = s.W - s.KW + 1;
  return {
    x: randomArray(B * s.H * s.W * s.C, 1),
    w: randomArray(s.KH * s.KW * s.C * s.K, 2),
    bias: randomArray(s.K, 3),
    dy: randomArray(B * OH * OW * s.K, 4),
  };
}

// ------------------------------------------------------------------------------------ kerno

/** kerno's three passes on d, through the raw addon as the Conv2D layer calls it. */
function kernoPasses(s: Shape, B: number, d: Data): Record<Pass, () => void> & { result(): KernoResult } {
  const addon = convAddon(), be = resolveBackend(undefined), g = geometry(s, B);
  const out = new Float32Array(d.dy.length), dinp = new Float32Array(d.x.length);
  const dkernel = new Float32Array(d.w.length), dbias = new Float32Array(s.K);
  return {
    fwd: () => addon.conv2dForward(be, out, d.x, d.w, d.bias, ...g, 0, 0),
    bwdData: () => addon.conv2dBackwardData(be, dinp, d.dy, d.w, ...g),
    bwdFilter: () => addon.conv2dBackwardFilter(be, dkernel, dbias, d.dy, d.x, ...g),
    // One clean accumulation of each gradient (the timed calls keep adding into them).
    result: () => {
      addon.conv2dForward(be, out, d.x, d.w, d.bias, ...g, 0, 0);
      dinp.fill(0); dkernel.fill(0); dbias.fill(0);
      addon.conv2dBackwardData(be, dinp, d.dy, d.w, ...g);
      addon.conv2dBackwardFilter(be, dkernel, dbias, d.dy, d.x, ...g);
      return { out, dinp, dkernel, dbias };
    },
  };
}

interface KernoResult {
  out: Float32Array;
  dinp: Float32Array;
  dkernel: Float32Array;
  dbias: Float32Array;
}

/** kerno's passes, then tfjs-wasm's (each pass: medians of back-to-back calls, as bench/gemm.ts). */
async function kernoAndWasmTimes(s: Shape, B: number, d: Data, budget: number): Promise<{ kerno: Times; wasm: Times }> {
  const k = kernoPasses(s, B, d);
  const kerno: Times = {}, wasm: Times = {};
  for (const p of PASSES) kerno[p] = await timeIt(k[p], budget, 5, 60);
  await tf.setBackend('wasm');
  await tf.ready();
  const t = tfTensors(s, B, d), w = tfPasses('wasm', s, t);
  for (const p of PASSES) wasm[p] = await timeIt(() => settle(w[p]()), budget, 3, 20);
  tf.dispose(Object.values(t));
  return { kerno, wasm };
}

// ------------------------------------------------------------------------------------ tfjs

/** dW (KH,KW,C,K) as conv2d(xᵀ (C,H,W,B), dyᵀ (OH,OW,B,K)) → (C,KH,KW,K) → transposed; stride 1, 'valid'. */
function filterGradViaConv(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const xt = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
    const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    return tf.transpose(tf.conv2d(xt, dyt, 1, 'valid'), [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** Batch at which tfjs-cpu's Conv2DBackpropFilter is timed: its naive loop runs at ~0.01 GFLOP/s, a
 * minute per call at batch 128, and its time is linear in the batch, so it is scaled up from here. */
const CPU_FILTER_BATCH = 4;

interface TfTensors {
  x: tf.Tensor4D;
  w: tf.Tensor4D;
  bias: tf.Tensor1D;
  dy: tf.Tensor4D;
}

function tfTensors(s: Shape, B: number, d: Data): TfTensors {
  const OH = s.H - s.KH + 1, OW = s.W - s.KW + 1;
  return {
    x: tf.tensor4d(d.x.subarray(0, B * s.H * s.W * s.C), [B, s.H, s.W, s.C]), w: tf.tensor4d(d.w, [s.KH, s.KW, s.C, s.K]),
    bias: tf.tensor1d(d.bias), dy: tf.tensor4d(d.dy.subarray(0, B * OH * OW * s.K), [B, OH, OW, s.K]),
  };
}

/** The three passes as tfjs ops on `backend`; each returns the tensors it produced. */
function tfPasses(backend: 'wasm' | 'cpu', s: Shape, t: TfTensors): Record<Pass, () => tf.Tensor[]> {
  const B = t.x.shape[0];
  return {
    fwd: () => [tf.fused.conv2d({ x: t.x, filter: t.w, bias: t.bias, strides: 1, pad: 'valid' })],
    bwdData: () => [tf.conv2dTranspose(t.dy, t.w, [B, s.H, s.W, s.C], 1, 'valid')],
    bwdFilter: backend === 'wasm'
      ? () => [filterGradViaConv(t.x, t.dy), tf.sum(t.dy, [0, 1, 2])]
      : () => [
        tf.engine().runKernel('Conv2DBackpropFilter', { x: t.x, dy: t.dy },
          { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [s.KH, s.KW, s.C, s.K] }) as tf.Tensor,
        tf.sum(t.dy, [0, 1, 2]),
      ],
  };
}

async function settle(ts: tf.Tensor[]): Promise<Float32Array> {
  const first = (await ts[0].data()) as Float32Array;
  for (const t of ts.slice(1)) await t.data();
  tf.dispose(ts);
  return first;
}

/** tfjs-cpu (pure JS, 100–10,000× slower: timed on its own, few repetitions). */
async function tfjsCpuTimes(s: Shape, B: number, d: Data, budget: number): Promise<Times> {
  const backend = 'cpu';
  await tf.setBackend(backend);
  await tf.ready();
  const t = tfTensors(s, B, d), passes = tfPasses(backend, s, t);
  const minReps = 1, maxReps = 5;
  const times: Times = {
    fwd: await timeIt(() => settle(passes.fwd()), budget, minReps, maxReps),
    bwdData: await timeIt(() => settle(passes.bwdData()), budget, minReps, maxReps),
  };
  if (B <= CPU_FILTER_BATCH) {
    times.bwdFilter = await timeIt(() => settle(passes.bwdFilter()), budget, minReps, maxReps);
  } else {
    const small = tfTensors(s, CPU_FILTER_BATCH, d);
    times.bwdFilter = (await timeIt(() => settle(tfPasses(backend, s, small).bwdFilter()), 0, 1, 1)) * (B / CPU_FILTER_BATCH);
    tf.dispose(Object.values(small));
  }
  tf.dispose(Object.values(t));
  return times;
}

/** kerno's three passes against tfjs-cpu (and the wasm filter-gradient trick) at a small batch. */
async function crossCheck(s: Shape, B: number): Promise<Record<string, number>> {
  const d = makeData(s, B);
  const k = kernoPasses(s, B, d).result();
  const result = async (backend: 'wasm' | 'cpu') => {
    await tf.setBackend(backend);
    await tf.ready();
    const t = tfTensors(s, B, d), p = tfPasses(backend, s, t);
    const r = { fwd: await settle(p.fwd()), bwdData: await settle(p.bwdData()), bwdFilter: await settle(p.bwdFilter()) };
    tf.dispose(Object.values(t));
    return r;
  };
  const cpu = await result('cpu'), wasm = await result('wasm');
  const db = new Float32Array(s.K);
  for (let i = 0; i < d.dy.length; i++) db[i % s.K] += d.dy[i];
  return {
    fwd: relErr(k.out, cpu.fwd), bwdData: relErr(k.dinp, cpu.bwdData), bwdFilter: relErr(k.dkernel, cpu.bwdFilter),
    bias: relErr(k.dbias, db), wasmFwd: relErr(wasm.fwd, cpu.fwd), wasmFilterTrick: relErr(wasm.bwdFilter, cpu.bwdFilter),
  };
}

/** max |a − b| / (1 + max |b|): a relative error that ignores elements near zero. */
function relErr(a: Float32Array, b: Float32Array | undefined): number {
  if (!b) return NaN;
  let m = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return m / (1 + s);
}

// ------------------------------------------------------------------------------------ memory

/** Runs bench/lib/convMemory.ts (kerno only, no tfjs) in a fresh process per layer. */
function measureMemory(B: number): MemoryRow[] {
  const rows: MemoryRow[] = [];
  const script = fileURLToPath(new URL('./lib/convMemory.ts', import.meta.url));
  for (const s of SHAPES) {
    const r = spawnSync(process.execPath, [...process.execArgv, script, JSON.stringify({ ...s, batch: B, threads })],
      { encoding: 'utf8', cwd: root });
    if (r.status !== 0) throw new Error(`memory child failed: ${r.stderr}`);
    rows.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as MemoryRow);
  }
  return rows;
}

// ------------------------------------------------------------------------------------ report

interface Row {
  shape: string;
  batch: number;
  flops: number;
  kerno: Times;
  wasm: Times;
  cpu: Times;
}

interface Check {
  shape: string;
  batch: number;
  err: Record<string, number>;
}

const total = (t: Times, passes: readonly Pass[] = PASSES): number | undefined =>
  passes.every((p) => t[p] !== undefined) ? passes.reduce((a, p) => a + t[p]!, 0) : undefined;
const gflops = (flops: number, ms: number | undefined): number | undefined => (ms === undefined ? undefined : flops / (ms * 1e6));

function printTables(rows: Row[], peak: Peak | undefined, checks: Check[], memory: MemoryRow[]): void {
  const pct = (g: number | undefined) => (g === undefined || !peak ? '—' : `${((100 * g) / peak.all).toFixed(0)}%`);
  console.log(`\nkerno Conv2D (${backendInfo().simd}, ${threads} threads) — ${machineLine()}`);
  if (peak) console.log(`FMA peak (${peak.isa}, the larger of runs before and after the timings): ${peak.one.toFixed(1)} GFLOP/s on 1 thread, ${peak.all.toFixed(1)} on ${peak.threads}`);
  console.log('GFLOP/s from the median time of each pass (back-to-back calls after a warm-up); ' +
    'fwd+bwd = flops of the three passes / the sum of their medians.');
  console.log('| layer | batch | pass | kerno GFLOP/s | % peak | tfjs-wasm | tfjs-cpu | kerno / wasm | kerno / cpu |');
  console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const names: Record<Pass | 'total', string> = { fwd: 'forward', bwdData: 'backward-data', bwdFilter: 'backward-filter', total: 'fwd+bwd' };
  for (const r of rows) {
    for (const p of [...PASSES, 'total'] as const) {
      const f = p === 'total' ? 3 * r.flops : r.flops;
      const t = (x: Times) => (p === 'total' ? total(x) : x[p]);
      const k = gflops(f, t(r.kerno)), w = gflops(f, t(r.wasm)), c = gflops(f, t(r.cpu));
      console.log(`| ${r.shape} | ${r.batch} | ${names[p]} | ${fmt(k)} | ${pct(k)} | ${fmt(w, 2)} | ${fmt(c, 2)} | ${ratio(k, w)} | ${ratio(k, c, 0)} |`);
    }
  }
  // The whole reference CNN's conv work per training step: conv1's input gradient is never
  // needed (it is the first layer), so a training step runs conv1 forward + filter only.
  console.log('\nBoth layers together (sum of the medians above):');
  console.log('| batch | work | kerno GFLOP/s | % peak | tfjs-wasm | kerno / wasm |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
  for (const B of [...new Set(rows.map((r) => r.batch))]) {
    const rs = rows.filter((r) => r.batch === B);
    for (const [label, firstPasses] of [['all six passes', PASSES], ['training step (conv1 without backward-data)', ['fwd', 'bwdFilter']]] as const) {
      const flops = rs[0].flops * firstPasses.length + rs.slice(1).reduce((a, r) => a + 3 * r.flops, 0);
      const sum = (pick: (r: Row) => Times) => {
        const parts = [total(pick(rs[0]), firstPasses), ...rs.slice(1).map((r) => total(pick(r)))];
        return parts.every((x) => x !== undefined) ? parts.reduce((a, b) => a! + b!, 0) : undefined;
      };
      const k = gflops(flops, sum((r) => r.kerno)), w = gflops(flops, sum((r) => r.wasm));
      console.log(`| ${B} | ${label} | ${fmt(k)} | ${pct(k)} | ${fmt(w, 2)} | ${ratio(k, w)} |`);
    }
  }
  console.log(`tfjs-cpu backward-filter is timed once at batch ${CPU_FILTER_BATCH} and scaled linearly (its naive loop ` +
    'takes about a minute per call at batch 128); tfjs-wasm has no Conv2DBackpropFilter kernel, so its filter gradient is ' +
    'conv2d on transposed tensors (transposes included). tfjs-wasm runs on 1 thread in Node.');
  console.log('\nCross-check against tfjs-cpu, max |Δ| / (1 + max |ref|): ' + checks.map((c) =>
    `${c.shape} B=${c.batch}: ${Object.entries(c.err).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`).join('; '));
  if (memory.length) {
    console.log(`\nPeak memory of conv backward (data + filter) at batch ${memory[0].batch} (${memory[0].method}):`);
    console.log('| layer | tensors (x, dy, w, dx, dw, db) | extra during backward | peak / tensors |');
    console.log('| --- | ---: | ---: | ---: |');
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    for (const m of memory) console.log(`| ${m.shape} | ${mib(m.tensorBytes)} | ${mib(m.extraBytes)} | ${m.ratio.toFixed(2)}× |`);
  }
}

async function main(): Promise<void> {
  setNumThreads(threads);
  const peak = measurePeak(threads);
  const rows: Row[] = [];
  const budget = quick ? 300 : 800;
  for (const B of quick ? [128] : [32, 128]) {
    for (const s of SHAPES) {
      const d = makeData(s, B);
      const { kerno, wasm } = await kernoAndWasmTimes(s, B, d, budget);
      const cpu = await tfjsCpuTimes(s, B, d, budget * 2);
      rows.push({ shape: s.label, batch: B, flops: passFlops(s, B), kerno, wasm, cpu });
      if (!asJson) process.stderr.write(`  measured ${s.label} B=${B}\n`);
    }
  }
  const checks: Check[] = [];
  for (const s of SHAPES) checks.push({ shape: s.label, batch: 2, err: await crossCheck(s, 2) });
  const memory = measureMemory(1024);
  // The peak again after the timings: with other work on the machine, the larger of the two is
  // the conservative denominator.
  const peakEnd = measurePeak(threads);
  if (peak && peakEnd && peakEnd.all > peak.all) Object.assign(peak, { one: Math.max(peak.one, peakEnd.one), all: peakEnd.all });
  if (asJson) {
    console.log(JSON.stringify({ bench: 'conv', machine: machineLine(), threads, peak, rows, checks, memory }, null, 2));
    return;
  }
  printTables(rows, peak, checks, memory);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
