// backendInfo / setNumThreads / getNumThreads, public and raw.
import { describe, expect, it } from 'vitest';
import { backendInfo, getNumThreads, setNumThreads } from '../../src/backend.js';
import { ValueError } from '../../src/errors.js';
import { resolveBackend } from '../../src/native.js';
import { addon } from './helpers.js';

describe('backendInfo', () => {
  it('describes the registry, the default CPU backend and CUDA', () => {
    const info = backendInfo();
    expect(info.backends[0]).toBe('reference');
    expect(info.backends).toContain('cpu-portable');
    expect(new Set(info.backends).size).toBe(info.backends.length);
    expect(info.backends).toContain(info.defaultBackend);
    expect(info.defaultBackend).toMatch(/^cpu-/);
    // The SIMD level names the default backend (after the KERNO_SIMD cap).
    const wantSimd = info.defaultBackend === 'cpu-avx512' ? 'avx512' : info.defaultBackend === 'cpu-avx2' ? 'avx2' : 'portable';
    expect(info.simd).toBe(wantSimd);
    expect(Number.isInteger(info.physicalCores) && info.physicalCores >= 1).toBe(true);
    expect(info.threads).toBe(getNumThreads());
    expect(typeof info.cuda.built).toBe('boolean');
    expect(Number.isInteger(info.cuda.devices) && info.cuda.devices >= 0).toBe(true);
    // kernels.h: a CUDA backend is listed only when a device is present.
    if (info.backends.includes('cuda')) expect(info.cuda.devices).toBeGreaterThan(0);
  });

  it('returns a fresh copy each time', () => {
    const a = backendInfo();
    a.backends.push('bogus');
    expect(backendInfo().backends).not.toContain('bogus');
  });

  it('agrees with the raw addon', () => {
    const raw = addon.backendInfo();
    const pub = backendInfo();
    expect(raw.backends).toEqual(pub.backends);
    expect(raw.backends[raw.defaultBackend]).toBe(pub.defaultBackend);
  });

  it('caps the SIMD level with KERNO_SIMD in a fresh process', async () => {
    const { spawnSync } = await import('node:child_process');
    const addonPath = new URL('../../build/Release/kerno.node', import.meta.url).pathname;
    const r = spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(addonPath)}).backendInfo()))`],
      { env: { ...process.env, KERNO_SIMD: 'portable' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout) as { simd: string; backends: string[]; defaultBackend: number };
    expect(info.simd).toBe('portable');
    expect(info.backends[info.defaultBackend]).toBe('cpu-portable');
  });
});

describe('device backends', () => {
  const cuda = addon.backendInfo().backends.indexOf('cuda');
  // Host buffers reach a device backend only through mirrors (test/native/mirror.test.ts).
  it.skipIf(cuda < 0)('refuse host buffers without a device mirror instead of passing them as device pointers', () => {
    expect(() => addon.scale(cuda, new Float32Array(4), 2)).toThrow(/argument "x" expected a Float32Array inside a device mirror/);
  });
});

describe('thread count', () => {
  it('sets and reads back the thread count', () => {
    const before = getNumThreads();
    try {
      setNumThreads(1);
      expect(getNumThreads()).toBe(1);
      expect(backendInfo().threads).toBe(1);
      setNumThreads(3);
      expect(getNumThreads()).toBe(3);
    } finally {
      setNumThreads(before);
    }
    expect(getNumThreads()).toBe(before);
  });

  it.each([0, -1, 1.5, NaN, Infinity, 5000, '2', null, undefined])('rejects %s with a ValueError', (n) => {
    const before = getNumThreads();
    expect(() => setNumThreads(n as number)).toThrow(ValueError);
    expect(() => setNumThreads(n as number)).toThrow(/setNumThreads: argument "n" expected an integer in \[1, 1024\], received/);
    expect(getNumThreads()).toBe(before);
  });

  it('raw: the kernel status becomes an Error with a code, type errors a TypeError', () => {
    expect(() => addon.setNumThreads(0)).toThrow(expect.objectContaining({ code: 'KERNO_ERR_INVALID_ARGUMENT' }));
    expect(() => addon.setNumThreads('3' as unknown as number)).toThrow(TypeError);
    expect(() => addon.setNumThreads(2 ** 40)).toThrow(RangeError);
  });
});

describe('resolveBackend', () => {
  it('maps names and indices and rejects unknown ones', () => {
    const names = addon.backendInfo().backends;
    expect(resolveBackend('reference')).toBe(0);
    expect(resolveBackend(names.length - 1)).toBe(names.length - 1);
    expect(resolveBackend(undefined)).toBe(addon.backendInfo().defaultBackend);
    expect(() => resolveBackend('gpu')).toThrow(ValueError);
    expect(() => resolveBackend(names.length)).toThrow(/expected a backend index in \[0, \d+\) or one of reference/);
    expect(() => resolveBackend(-1)).toThrow(ValueError);
    expect(() => resolveBackend(0.5)).toThrow(ValueError);
  });
});
