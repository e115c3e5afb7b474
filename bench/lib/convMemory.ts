// Child process of bench/conv.ts: the peak memory of one Conv2D backward (data + filter) against
// the size of its tensors. It imports kerno only (no tfjs), allocates and touches every tensor,
// resets the kernel's resident-set high-water mark, runs the backward once, and prints one JSON
// line. Usage: tsx bench/lib/convMemory.ts '{"H":13,"W":13,"C":32,"K":64,"KH":3,"KW":3,"batch":1024,"threads":2,"label":"..."}'
import { readFileSync, writeFileSync } from 'node:fs';

import { setNumThreads } from '../../src/backend.js';
import { resolveBackend } from '../../src/native.js';
import { convAddon } from '../../src/nativeConv.js';
import { randomArray } from './common.js';

export interface MemoryRow {
  shape: string;
  batch: number;
  /** Bytes of x, dy, kernel, dx, dkernel, dbias. */
  tensorBytes: number;
  /** Peak resident set during backward-data + backward-filter minus the resident set before. */
  extraBytes: number;
  method: string;
  /** (tensors + extra) / tensors. */
  ratio: number;
}

function main(): void {
  const s = JSON.parse(process.argv[2]) as { label: string; H: number; W: number; C: number; K: number; KH: number; KW: number; batch: number; threads: number };
  const B = s.batch, OH = s.H - s.KH + 1, OW = s.W - s.KW + 1;
  setNumThreads(s.threads);
  const addon = convAddon(), be = resolveBackend(undefined);
  const g = [B, s.H, s.W, s.C, OH, OW, s.KH, s.KW, s.K, 1, 1, 1, 1, 0, 0] as const;
  const x = randomArray(B * s.H * s.W * s.C, 1), w = randomArray(s.KH * s.KW * s.C * s.K, 2);
  const dy = randomArray(B * OH * OW * s.K, 4);
  const dinp = new Float32Array(x.length).fill(0), dkernel = new Float32Array(w.length).fill(0);
  const dbias = new Float32Array(s.K).fill(0);
  const tensorBytes = 4 * (x.length + w.length + dy.length + dinp.length + dkernel.length + dbias.length);
  // Linux: writing 5 to clear_refs resets VmHWM to the current RSS, so VmHWM afterwards is the
  // peak of the backward alone. Elsewhere: getrusage's lifetime maximum (an upper bound).
  const status = () => readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string, text: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1]) * 1024;
  let method = 'Linux VmHWM (reset through /proc/self/clear_refs) minus VmRSS before, fresh process';
  let before: number;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    before = kib('VmRSS', status());
  } catch {
    method = 'getrusage maxRSS minus RSS before, fresh process';
    before = process.memoryUsage().rss;
  }
  addon.conv2dBackwardData(be, dinp, dy, w, ...g);
  addon.conv2dBackwardFilter(be, dkernel, dbias, dy, x, ...g);
  const peak = method.startsWith('Linux') ? kib('VmHWM', status()) : process.resourceUsage().maxRSS * 1024;
  const extraBytes = Math.max(0, peak - before);
  const row: MemoryRow = { shape: s.label, batch: B, tensorBytes, extraBytes, method, ratio: (tensorBytes + extraBytes) / tensorBytes };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

main();
