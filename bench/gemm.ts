// GEMM benchmark: kerno (through the Node binding, 1 and 2 threads) against tensorflow.js's cpu
// and wasm backends measured in the same run, next to the machine's measured FMA peak.
//
//   npm run bench:gemm [-- --quick] [-- --json]
//
// Timing is the median of repeated runs after a warm-up; slow peers get fewer repetitions
// (at least one) so the whole run stays within a few minutes on a 2-core machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { backendInfo, getNumThreads, setNumThreads } from '../src/backend.js';
import { gemm } from '../src/native.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');

interface Shape {
  label: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
}

// The MLP shapes are the products of a 784-256 Dense layer's training step at batch 32:
// forward inp·kernel, and the kernel gradient inpᵀ·dout (a transposed A with a short K).
const shapes: Shape[] = [
  ...(quick ? [256, 1024] : [128, 256, 512, 1024, 2048]).map((s) => ({
    label: `${s}x${s}x${s}`, m: s, n: s, k: s, transA: false,
  })),
  { label: 'mlp fwd 32x784x256', m: 32, k: 784, n: 256, transA: false },
  { label: 'mlp dW 784x32x256 (Aᵀ)', m: 784, k: 32, n: 256, transA: true },
  ...(quick ? [] : [{ label: 'mlp full 60000x784x256', m: 60000, k: 784, n: 256, transA: false }]),
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// Runs fn until `budgetMs` is spent (at least `minReps`, at most `maxReps`) after one warm-up.
async function timeIt(fn: () => unknown | Promise<unknown>, budgetMs: number, minReps = 3, maxReps = 30): Promise<number> {
  await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxReps && (times.length < minReps || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    if (times.length >= 1 && performance.now() - start > budgetMs * 4) break;
  }
  return median(times);
}

function randomArray(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

interface Peak {
  threads1: number;
  threadsN: number;
  n: number;
  isa: string;
}

function measurePeak(): Peak | undefined {
  const exe = ['build/Release/kerno_fma_peak', 'build/kerno_fma_peak'].map((p) => join(root, p)).find(existsSync);
  if (!exe) return undefined;
  const r = spawnSync(exe, ['--json', '--threads', '2'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const rows = JSON.parse(r.stdout).results as { isa: string; threads: number; gflops: number }[];
  const best = (t: number) => rows.filter((x) => x.threads === t).reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const one = best(1), two = best(2);
  return { threads1: one.gflops, threadsN: two.gflops, n: 2, isa: two.isa };
}

interface Row {
  shape: string;
  kerno1: number;
  kerno2: number;
  tfjsWasm?: number;
  tfjsCpu?: number;
}

async function tfjsGflops(backend: 'wasm' | 'cpu', s: Shape, a: Float32Array, b: Float32Array, flops: number): Promise<number | undefined> {
  // Pure-JS cpu takes minutes on the largest products; its rate is flat in size, so skip those.
  if (backend === 'cpu' && flops > 4e9) return undefined;
  await tf.setBackend(backend);
  await tf.ready();
  const ta = s.transA ? tf.tensor2d(a, [s.k, s.m]) : tf.tensor2d(a, [s.m, s.k]);
  const tb = tf.tensor2d(b, [s.k, s.n]);
  const budget = backend === 'cpu' ? 1500 : 800;
  const ms = await timeIt(async () => {
    const c = tf.matMul(ta, tb, s.transA, false);
    await c.data();
    c.dispose();
  }, budget, 1, 10);
  ta.dispose();
  tb.dispose();
  return flops / (ms * 1e6);
}

async function main(): Promise<void> {
  const info = backendInfo();
  const peak = measurePeak();
  const rows: Row[] = [];
  const savedThreads = getNumThreads();
  for (const s of shapes) {
    const flops = 2 * s.m * s.n * s.k;
    const a = randomArray(s.m * s.k), b = randomArray(s.k * s.n), c = new Float32Array(s.m * s.n);
    const kerno = async (threads: number) => {
      setNumThreads(threads);
      const ms = await timeIt(() => gemm({ a, b, c, m: s.m, n: s.n, k: s.k, transA: s.transA }), 600, 5, 50);
      return flops / (ms * 1e6);
    };
    const row: Row = { shape: s.label, kerno1: await kerno(1), kerno2: await kerno(2) };
    setNumThreads(savedThreads);
    row.tfjsWasm = await tfjsGflops('wasm', s, a, b, flops);
    row.tfjsCpu = await tfjsGflops('cpu', s, a, b, flops);
    rows.push(row);
    if (!asJson) process.stderr.write(`  measured ${s.label}\n`);
  }
  if (asJson) {
    console.log(JSON.stringify({ bench: 'gemm', cpu: cpus()[0]?.model, simd: info.simd, peak, rows }, null, 2));
    return;
  }
  const fmt = (x: number | undefined, d = 1) => (x === undefined ? '—' : x.toFixed(d));
  const pct = (x: number, p: number | undefined) => (p ? `${((100 * x) / p).toFixed(0)}%` : '—');
  console.log(`\nkerno GEMM (${info.simd}, ${cpus()[0]?.model ?? 'cpu'}), GFLOP/s, medians`);
  if (peak) console.log(`FMA peak (${peak.isa}): ${peak.threads1.toFixed(1)} GFLOP/s on 1 thread, ${peak.threadsN.toFixed(1)} on ${peak.n}`);
  console.log('| shape | kerno 1T | % peak | kerno 2T | % peak | tfjs-wasm | tfjs-cpu | kerno 2T / wasm | kerno 2T / cpu |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.shape} | ${fmt(r.kerno1)} | ${pct(r.kerno1, peak?.threads1)} | ${fmt(r.kerno2)} | ${pct(r.kerno2, peak?.threadsN)} | ` +
      `${fmt(r.tfjsWasm, 2)} | ${fmt(r.tfjsCpu, 2)} | ${r.tfjsWasm ? (r.kerno2 / r.tfjsWasm).toFixed(1) + '×' : '—'} | ` +
      `${r.tfjsCpu ? (r.kerno2 / r.tfjsCpu).toFixed(0) + '×' : '—'} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
