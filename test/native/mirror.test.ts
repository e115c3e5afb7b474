/**
 * Device mirrors in the binding (native/binding/mirror.h), on the simulated device backend
 * (KERNO_DEVICE_SIM=1: CPU kernels over memory of their own). Checks that views resolve to the
 * device copy at the right offset, that transfers move exactly the bytes asked for, and that
 * every misuse — a view without a mirror, overlapping or freed mirrors, forged handles — is a JS
 * error rather than a crash.
 */
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.KERNO_DEVICE_SIM = '1';
});

import { loadAddon } from '../../src/native.js';
import { expectClose, rand } from './helpers.js';

const addon = loadAddon();
const info = addon.backendInfo();
const sim = info.backends.indexOf('device-sim');
const host = info.defaultBackend;

describe('device mirrors (device-sim)', () => {
  it('device-sim is registered by KERNO_DEVICE_SIM=1', () => {
    expect(sim).toBeGreaterThan(0);
  });

  it('ops on views inside a mirror compute on the device copy, at the view offset', () => {
    const arena = new Float32Array(64);
    arena.set(rand(64, 1));
    const expected = arena.slice();
    const h = addon.mirrorCreate(sim, arena);
    const inp = arena.subarray(16, 24), out = arena.subarray(40, 48);
    addon.activationForward(sim, out, inp, 1 /* relu */, 0);
    expect(Array.from(out)).toEqual(Array.from(expected.subarray(40, 48))); // the host copy is untouched
    addon.mirrorDownload(out);
    const want = expected.slice(40, 48);
    addon.activationForward(host, want, expected.subarray(16, 24), 1, 0);
    expect(Array.from(out)).toEqual(Array.from(want));
    addon.mirrorFree(h);
  });

  it('upload, download, zero and copy move exactly the bytes of their views', () => {
    const a = new Float32Array(32).fill(1);
    const h = addon.mirrorCreate(sim, a);
    a.fill(2);
    addon.mirrorUpload(a.subarray(4, 8)); // device: 1,1,1,1,2,2,2,2,1...
    addon.mirrorZero(a.subarray(0, 2)); // device: 0,0,1,1,2,...
    addon.mirrorCopy(a.subarray(20, 24), a.subarray(2, 6)); // device[20..24] = 1,1,2,2
    a.fill(9);
    addon.mirrorDownload(a);
    expect(Array.from(a.subarray(0, 10))).toEqual([0, 0, 1, 1, 2, 2, 2, 2, 1, 1]);
    expect(Array.from(a.subarray(18, 26))).toEqual([1, 1, 1, 1, 2, 2, 1, 1]);
    addon.mirrorFree(h);
  });

  it('sumSquares returns the device copy\'s value through a device scalar', () => {
    const x = new Float32Array([1, 2, 3, 4]);
    const h = addon.mirrorCreate(sim, x);
    x.fill(0); // the host copy no longer matters
    expect(addon.sumSquares(sim, x)).toBe(30);
    addon.mirrorFree(h);
  });

  it('sparse labels are checked as the kernel reads them: the device copy, by the kernel', () => {
    // The binding does not download labels to check them (a host round trip per loss call): the
    // kernel refuses a bad one (the simulated device runs the CPU kernel, which says so at once;
    // CUDA at the next synchronisation).
    const buf = new Float32Array(16);
    const pred = buf.subarray(0, 8), labels = buf.subarray(8, 12), loss = buf.subarray(12, 16);
    pred.set(rand(8, 3));
    labels.set([0, 1, 1, 0]);
    const h = addon.mirrorCreate(sim, buf);
    labels[2] = 7; // host only: the device still holds valid labels
    addon.lossForward(sim, loss, pred, labels, 4, 2, 3 /* sparse softmax crossentropy */, 0);
    addon.mirrorUpload(labels); // now the device copy holds 7
    labels[2] = 1;
    let error: unknown;
    try {
      addon.lossForward(sim, loss, pred, labels, 4, 2, 3, 0);
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string } | undefined)?.code).toBe('KERNO_ERR_INVALID_ARGUMENT');
    expect(String(error)).toMatch(/^Error: lossForward: /);
    // The same labels on the host backend: the binding names the element.
    labels[2] = 7;
    expect(() => addon.lossForward(host, loss, pred, labels, 4, 2, 3, 0)).toThrow(/argument "target" .*element 2 is 7/);
    addon.mirrorFree(h);
  });

  it('a view without a mirror is a TypeError naming the argument', () => {
    const a = new Float32Array(8), b = new Float32Array(8);
    const h = addon.mirrorCreate(sim, a);
    expect(() => addon.activationForward(sim, a, b, 1, 0)).toThrow(TypeError);
    expect(() => addon.activationForward(sim, a, b, 1, 0)).toThrow(
      /^activationForward: argument "inp" expected a Float32Array inside a device mirror of backend "device-sim" \(mirrorCreate\), received a Float32Array of length 8\.$/);
    // A view that runs past the mirrored region is not inside it either.
    const big = new Float32Array(a.buffer, 0, 8);
    const around = new Float32Array(16);
    const h2 = addon.mirrorCreate(sim, around.subarray(0, 8));
    expect(() => addon.scale(sim, around.subarray(4, 12), 2)).toThrow(/argument "x" expected a Float32Array inside a device mirror/);
    expect(() => addon.mirrorUpload(new Float32Array(4))).toThrow(/mirrorUpload: argument "view" expected a Float32Array inside a device mirror/);
    addon.scale(sim, big, 2); // the same region through another view object resolves
    addon.mirrorFree(h);
    addon.mirrorFree(h2);
  });

  it('refuses host backends, overlapping regions, freed mirrors and forged handles', () => {
    const a = new Float32Array(16);
    expect(() => addon.mirrorCreate(host, a)).toThrow(/mirrorCreate: argument "backend" expected a device backend/);
    const h = addon.mirrorCreate(sim, a.subarray(4, 12));
    expect(() => addon.mirrorCreate(sim, a.subarray(10, 16))).toThrow(/sharing no memory with an existing mirror/);
    expect(() => addon.mirrorCreate(sim, a)).toThrow(/sharing no memory with an existing mirror/);
    const h2 = addon.mirrorCreate(sim, a.subarray(12, 16)); // adjacent is fine
    addon.mirrorFree(h);
    addon.mirrorFree(h); // twice: a no-op
    expect(() => addon.scale(sim, a.subarray(4, 8), 2)).toThrow(/inside a device mirror/);
    addon.scale(sim, a.subarray(12, 16), 2);
    expect(() => addon.mirrorFree({} as never)).toThrow(/mirrorFree: argument "handle" expected a mirror handle returned by mirrorCreate, received an object/);
    expect(() => addon.mirrorCreate(sim, [1, 2] as never)).toThrow(/argument "array" expected a Float32Array/);
    addon.mirrorFree(h2);
  });

  it('copies between mirrors of different lengths are refused', () => {
    const a = new Float32Array(8);
    const h = addon.mirrorCreate(sim, a);
    expect(() => addon.mirrorCopy(a.subarray(0, 4), a.subarray(4, 7))).toThrow(/mirrorCopy: argument "dst" expected a Float32Array of 3 elements \(as src\)/);
    addon.mirrorFree(h);
  });

  it('host backends ignore mirrors: their kernels read the host arrays', () => {
    const a = new Float32Array([1, -2, 3, -4]);
    const h = addon.mirrorCreate(sim, a);
    addon.mirrorZero(a);
    addon.activationForward(host, a, a, 1, 0);
    expectClose(a, [1, 0, 3, 0], 0, 0, 'relu on the host copy');
    addon.mirrorFree(h);
  });
});
