// Runs every benchmark in sequence, each as its own child process (so one's threads, memory and
// tfjs backends never disturb the next), and prints their outputs as they come.
//
//   npm run bench
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { root } from './lib/common.js';

const runs: [file: string, args: string[]][] = [
  ['bench/gemm.ts', ['--quick']],
  ['bench/conv.ts', []],
  ['bench/infer.ts', []],
  ['bench/io.ts', []],
  ['bench/data.ts', []],
  ['bench/train.ts', []],
];

let failed = 0;
for (const [file, args] of runs) {
  if (!existsSync(join(root, file))) {
    console.log(`\n=== ${file}: skipped (file not found)`);
    continue;
  }
  console.log(`\n=== ${file} ${args.join(' ')}`.trimEnd());
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`=== ${file} exited with ${r.status ?? r.signal}`);
  }
}
process.exitCode = failed ? 1 : 0;
