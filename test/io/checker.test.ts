/**
 * The files kerno saves pass the official ONNX checker with `full_check` (shape and type
 * inference included), run through Debian's python3-onnx in a child process. npm test must not
 * need Python: without python3 or its onnx module the test is skipped with a message saying how to
 * install it. (scripts/fixtures/check_onnx_files.py is the by-hand variant with more files.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sequential } from '../../src/engine/sequential.js';
import { ACTIVATION_NAMES } from '../../src/layers/activations.js';
import * as L from '../../src/layers/index.js';
import { setSeed } from '../../src/random.js';
import { tensor } from '../../src/tensor.js';

/** The first interpreter that imports onnx: Debian's first, then whatever python3 is on PATH. */
function findPython(): string | undefined {
  for (const exe of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(exe, ['-c', 'import onnx'], { stdio: 'ignore', timeout: 30_000 });
    if (r.status === 0) return exe;
  }
  return undefined;
}

const python = findPython();
const SKIP = 'skipped: python3 with the onnx module not found — `apt-get install python3-onnx` to run the ONNX checker';
if (!python) console.warn(`test/io/checker.test.ts ${SKIP}`);

// One line of JSON per file, so every file is reported even after a failure. Files whose IR version
// is newer than the installed checker knows are reported as such rather than failed.
const CHECK = `
import json, sys, onnx
for path in sys.argv[1:]:
    try:
        m = onnx.load(path)
        onnx.checker.check_model(m, full_check=True)
        print(json.dumps({"file": path, "ok": True, "ir": m.ir_version, "opset": m.opset_import[0].version}))
    except Exception as e:
        print(json.dumps({"file": path, "ok": False, "error": str(e)[:500]}))
`;

interface Verdict { file: string; ok: boolean; error?: string; ir?: number; opset?: number }

function check(files: string[]): Verdict[] {
  const r = spawnSync(python!, ['-c', CHECK, ...files], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`python3 exited with ${r.status}: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as Verdict);
}

const img = [8, 8, 3];

/** Every activation kerno offers, each as an Activation layer after a Dense. */
function mlp(): Sequential {
  return new Sequential([
    new L.Dense({ units: 6, inputShape: [5], activation: 'relu' }),
    ...ACTIVATION_NAMES.map((a) => new L.Activation({ activation: a })),
    new L.Dropout({ rate: 0.3 }), new L.Dense({ units: 3, activation: 'softmax' }),
  ]);
}

function cnn(): Sequential {
  return new Sequential([
    new L.Rescaling({ scale: 1 / 255, inputShape: img }), new L.ZeroPadding2D({ padding: 1 }),
    new L.Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), new L.BatchNormalization(),
    new L.DepthwiseConv2D({ kernelSize: 2, depthMultiplier: 2 }), new L.SeparableConv2D({ filters: 3, kernelSize: 2, padding: 'same' }),
    new L.MaxPooling2D({ poolSize: 2, padding: 'same' }), new L.AveragePooling2D({ poolSize: 2 }), new L.UpSampling2D({ size: 2 }),
    new L.Conv2D({ filters: 2, kernelSize: 2, strides: 2 }), new L.LeakyReLU(), new L.Dropout({ rate: 0.2 }),
    new L.Flatten(), new L.Dense({ units: 4, activation: 'gelu' }), new L.BatchNormalization(), new L.Dense({ units: 2, activation: 'sigmoid' }),
  ]);
}

function gap(): Sequential {
  return new Sequential([
    new L.Conv2D({ filters: 3, kernelSize: 3, inputShape: img }), new L.GlobalAveragePooling2D(), new L.Dense({ units: 2 }),
  ]);
}

function gmp(): Sequential {
  return new Sequential([
    new L.Conv2D({ filters: 3, kernelSize: 3, inputShape: img }), new L.GlobalMaxPooling2D(), new L.Reshape({ targetShape: [3, 1] }),
    new L.Flatten(), new L.ReLU({ negativeSlope: 0.1 }), new L.Softmax(),
  ]);
}

describe('official ONNX checker (full_check)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kerno-onnx-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!python)(`saved models pass onnx.checker.check_model(full_check=True) at opset 17${python ? '' : ` (${SKIP})`}`, async () => {
    setSeed(1);
    const files: string[] = [];
    const save = async (name: string, m: Sequential, opts?: { includeOptimizer?: boolean }) => {
      const path = join(dir, name);
      await m.save(path, { opset: 17, ...opts });
      files.push(path);
    };
    await save('mlp_activations.onnx', mlp());
    await save('cnn.onnx', cnn());
    await save('global_avg_pool.onnx', gap());
    await save('global_max_pool.onnx', gmp());

    // A trained, compiled model: training_info (optimizer state) and metadata are checked as well.
    const trained = cnn();
    trained.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const x = tensor(Float32Array.from({ length: 6 * 8 * 8 * 3 }, (_, i) => (i * 37) % 256), [6, ...img]);
    const y = tensor(Float32Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 1 : 0)), [6, 2]);
    await trained.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0 });
    await save('cnn_trained.onnx', trained);
    await save('cnn_trained_no_optimizer.onnx', trained, { includeOptimizer: false });
    const weights = join(dir, 'cnn_trained.weights.onnx');
    await trained.saveWeights(weights);
    files.push(weights);

    const verdicts = check(files);
    expect(verdicts.map((v) => v.file)).toEqual(files);
    const failed = verdicts.filter((v) => !v.ok).map((v) => `${v.file}: ${v.error}`);
    expect(failed).toEqual([]);
    for (const v of verdicts.slice(0, -1)) expect([v.ir, v.opset]).toEqual([8, 17]);
  }, 120_000);

  // The harness can fail: a file the checker rejects is reported as a failure, not passed over.
  it.skipIf(!python)(`the check reports a file that is not ONNX as a failure${python ? '' : ` (${SKIP})`}`, () => {
    const bad = join(dir, 'not_onnx.onnx');
    writeFileSync(bad, Buffer.from('this is not a protobuf ModelProto'));
    const [v] = check([bad]);
    expect(v.ok).toBe(false);
  }, 60_000);
});
