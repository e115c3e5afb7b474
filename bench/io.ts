// ONNX save/load benchmark: model.save and loadModel of a ~100 MB model (Dense layers, ~25M
// float32 parameters), next to raw fs.writeFileSync / readFileSync of a 100 MB buffer.
//
//   npm run bench:io [-- --no-results]      (tsx bench/io.ts)
//
// Method: every measurement runs in its own child process (this file with --child), which first
// prepares its input (builds the model, or allocates the buffer), then times one operation and
// reports process.resourceUsage().maxRSS (the kernel's high-water mark) and the RSS just before the
// operation. "peak extra" = maxRSS after − RSS before: the memory the operation itself needed on
// top of what was already resident (for load, that includes the loaded model). Each operation runs
// in 3 children; the table shows the median time and the median peak. model.save fsyncs before its
// rename (atomic save), so raw write is shown both without and with fsync. MB here is 2^20 bytes.
// A peak extra of 0 means the operation never pushed RSS above its starting level (save writes the
// weight arrays as they are, without a serialized copy).
// Appends a "## ONNX save/load" section to bench/RESULTS.md (one appendFileSync) unless --no-results.
import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Sequential } from '../src/engine/sequential.js';
import { loadModel } from '../src/io/onnx/index.js';
import * as L from '../src/layers/index.js';
import { setSeed } from '../src/random.js';

const here = fileURLToPath(import.meta.url);
const root = join(dirname(here), '..');
const MB = 1024 * 1024;
const WIDTH = 2048, DEPTH = 6; // 6 Dense 2048→2048 + a 2048→10 head: 25.2M parameters, 100.7 MB
const RAW_BYTES = 100 * MB;
const REPS = 3;

type Op = 'save' | 'load' | 'raw-write' | 'raw-write-fsync' | 'raw-read';
interface Sample { ms: number; rssBefore: number; maxRss: number; fileBytes: number }

function buildModel(): Sequential {
  setSeed(1);
  const m = new Sequential([
    ...Array.from({ length: DEPTH }, () => new L.Dense({ units: WIDTH, activation: 'relu' })),
    new L.Dense({ units: 10 }),
  ]);
  m.build([WIDTH]);
  return m;
}

/** What the timed operation returned (the loaded model or buffer), referenced so it is not collected early. */
export let result: unknown;

/** Runs one operation in this (child) process and prints its Sample as JSON. */
async function child(op: Op, path: string): Promise<void> {
  let run: () => unknown;
  if (op === 'save') {
    const m = buildModel();
    run = () => m.save(path);
  } else if (op === 'load') {
    run = () => loadModel(path);
  } else if (op === 'raw-read') {
    run = () => readFileSync(path);
  } else {
    const buf = Buffer.alloc(RAW_BYTES, 7);
    run = op === 'raw-write' ? () => writeFileSync(path, buf) : () => {
      const fd = openSync(path, 'w');
      try { for (let at = 0; at < buf.length;) at += writeSync(fd, buf, at); fsyncSync(fd); } finally { closeSync(fd); }
    };
  }
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  result = await run(); // kept alive until maxRSS is read, as a caller would keep it
  const ms = performance.now() - t0;
  const maxRss = process.resourceUsage().maxRSS * 1024; // KiB → bytes
  console.log(JSON.stringify({ ms, rssBefore, maxRss, fileBytes: statSync(path).size } satisfies Sample));
}

function measure(op: Op, path: string): Sample {
  const r = spawnSync(process.execPath, [...process.execArgv, here, '--child', op, path], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${op} child exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Sample;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kerno-bench-io-'));
  const model = join(dir, 'model.onnx'), raw = join(dir, 'raw.bin');
  try {
    const ops: [string, Op, string][] = [
      ['model.save', 'save', model], ['loadModel', 'load', model],
      ['fs.writeFileSync', 'raw-write', raw], ['write + fsync', 'raw-write-fsync', raw], ['fs.readFileSync', 'raw-read', raw],
    ];
    const rows: string[][] = [];
    for (const [label, op, path] of ops) {
      const s = Array.from({ length: REPS }, () => measure(op, path));
      const ms = median(s.map((x) => x.ms)), bytes = s[0].fileBytes;
      rows.push([label, (bytes / MB).toFixed(1), ms.toFixed(0), (bytes / MB / (ms / 1000)).toFixed(0),
        (median(s.map((x) => x.maxRss - x.rssBefore)) / MB).toFixed(0), (median(s.map((x) => x.maxRss)) / MB).toFixed(0)]);
    }
    const head = ['operation', 'file MB', 'median ms', 'MB/s', 'peak extra MB', 'maxRSS MB'];
    const table = [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
    const params = DEPTH * (WIDTH * WIDTH + WIDTH) + WIDTH * 10 + 10;
    const machine = `${cpus()[0]?.model ?? 'cpu'} × ${cpus().length} logical CPUs, Node ${process.version}`;
    const text = [
      `model: ${DEPTH}× Dense ${WIDTH}→${WIDTH} + Dense ${WIDTH}→10, ${(params / 1e6).toFixed(1)}M float32 parameters, uncompiled (no optimizer state)`,
      `time: median of ${REPS}, one operation per child process; peak: process.resourceUsage().maxRSS − RSS just before the operation (median)`,
      `machine: ${machine}; files in ${tmpdir()}`,
      '',
      table,
    ].join('\n');
    console.log(text);
    if (!process.argv.includes('--no-results')) {
      appendFileSync(join(root, 'bench', 'RESULTS.md'),
        `\n## ONNX save/load\n\nCommand: \`npm run bench:io\` (${new Date().toISOString().slice(0, 10)})\n\n${text}\n`);
      console.log('\nappended to bench/RESULTS.md');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(process.argv[at + 1] as Op, process.argv[at + 2]);
else await main();
