// Shared helpers of the conv and inference benchmarks: medians, a time-budgeted timer, the
// measured FMA peak (build/Release/kerno_fma_peak), the machine's load, and table formatting.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Median milliseconds of one call of fn: one warm-up, then runs until `budgetMs` is spent
 * (at least `minReps`, at most `maxReps`; stops early past 4× the budget).
 */
export async function timeIt(fn: () => unknown | Promise<unknown>, budgetMs: number, minReps = 3, maxReps = 30): Promise<number> {
  await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxReps && (times.length < minReps || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    if (performance.now() - start > budgetMs * 4) break;
  }
  return median(times);
}

/** Deterministic uniform values in [lo, hi) (xorshift32), so every peer sees the same data. */
export function randomArray(n: number, seed = 1, lo = -0.5, hi = 0.5): Float32Array {
  const a = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    a[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return a;
}

export interface Peak {
  /** GFLOP/s of the best FMA level on one thread and on `threads` threads. */
  one: number;
  all: number;
  threads: number;
  isa: string;
}

/** The FMA peak measured now by the native kerno_fma_peak (undefined when it was not built). */
export function measurePeak(threads: number): Peak | undefined {
  const exe = ['build/Release/kerno_fma_peak', 'build/kerno_fma_peak'].map((p) => join(root, p)).find(existsSync);
  if (!exe) return undefined;
  const r = spawnSync(exe, ['--json', '--threads', String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const rows = JSON.parse(r.stdout).results as { isa: string; threads: number; gflops: number }[];
  const best = (t: number) => rows.filter((x) => x.threads === t).reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const one = best(1), all = best(threads);
  return { one: one.gflops, all: all.gflops, threads, isa: all.isa };
}

/** One line describing the machine and its load right now (the 1-minute load average). */
export function machineLine(): string {
  const c = cpus();
  return `${c[0]?.model ?? 'cpu'} × ${c.length} logical CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`;
}

export const fmt = (x: number | undefined, d = 1): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
export const ratio = (a: number | undefined, b: number | undefined, d = 1): string =>
  a === undefined || b === undefined || !(b > 0) ? '—' : `${(a / b).toFixed(d)}×`;
