/**
 * Atomic checkpoint writes: a child process (fixtures/saveThenCrash.ts) saves a first checkpoint,
 * then is killed with SIGKILL in the middle of writing a larger model to the same path. The final
 * path must still hold the first checkpoint, loadable and intact; only the temporary file, which
 * is partial, may be left behind.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/io/onnx/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kerno-ckpt-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = resolve(__dirname, 'fixtures/saveThenCrash.ts');

describe('checkpoint atomicity', () => {
  it('a SIGKILL mid-write leaves the previous checkpoint loadable under the final name', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { cwd: resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<{ code: number | null; signal: string | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('PAUSED\n')) child.kill('SIGKILL');
    });
    const { code, signal } = await exited;
    expect({ code, signal, err }).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(out).not.toContain('FINISHED');

    const first = JSON.parse(/^FIRST (.*)$/m.exec(out)![1]) as number[][];
    const largeSize = Number(/^LARGE_SIZE (\d+)$/m.exec(out)![1]);
    unlinkSync(join(dir, 'probe'));
    // The killed write left its partial temporary file, and only that, beside the checkpoint.
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^\.ckpt\.onnx\.\d+\.[0-9a-f]{12}\.tmp$/);
    expect(files[1]).toBe('ckpt.onnx');
    const tmpSize = statSync(join(dir, files[0])).size;
    expect(tmpSize).toBeGreaterThan(0);
    expect(tmpSize).toBeLessThan(largeSize);
    // The final name holds the first checkpoint, whole.
    expect(statSync(join(dir, 'ckpt.onnx')).size).toBeLessThan(largeSize);
    const loaded = await loadModel(join(dir, 'ckpt.onnx'));
    expect(loaded.inputShape).toEqual([3]);
    expect(loaded.getWeights().map((w) => Array.from(w.data as Float32Array))).toEqual(first);
  }, 60_000);
});
