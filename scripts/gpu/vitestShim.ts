// The slice of vitest's API that test/engine/device.test.ts uses, so that test can run as one
// bundled file under plain Node on a GPU machine with no node_modules (see README.md here).
// Tests run in order after the bundle's top level; the last line is "N passed, N failed, N skipped".
type Fn = () => unknown;
interface Case { name: string; fn: Fn; skip: boolean }
const cases: Case[] = [];
const afterEachFns: Fn[] = [];
const prefix: string[] = [];
let skipDepth = 0;

function register(name: string, fn: Fn, skip: boolean): void {
  cases.push({ name: [...prefix, name].join(' > '), fn, skip: skip || skipDepth > 0 });
}

export const it = Object.assign((name: string, fn: Fn) => register(name, fn, false), {
  skipIf: (cond: unknown) => (name: string, fn: Fn) => register(name, fn, Boolean(cond)),
});
export const test = it;

function group(name: string, body: () => void, skip: boolean): void {
  prefix.push(name);
  if (skip) skipDepth++;
  body();
  if (skip) skipDepth--;
  prefix.pop();
}
export const describe = Object.assign((name: string, body: () => void) => group(name, body, false), {
  skipIf: (cond: unknown) => (name: string, body: () => void) => group(name, body, Boolean(cond)),
});
export const afterEach = (fn: Fn): void => void afterEachFns.push(fn);
export const beforeEach = (): void => { throw new Error('beforeEach is not in the shim'); };

class Failure extends Error {}
const fail = (msg: string, what?: string): never => { throw new Failure(what ? `${what}: ${msg}` : msg); };
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

interface Spy { calls: unknown[][]; mock: { calls: unknown[][] }; restore(): void }
const spies: Spy[] = [];

export function expect(actual: unknown, what?: string) {
  return {
    toBe: (e: unknown) => { if (!Object.is(actual, e)) fail(`expected ${show(actual)} to be ${show(e)}`, what); },
    toEqual: (e: unknown) => { if (JSON.stringify(actual) !== JSON.stringify(e)) fail(`expected ${JSON.stringify(actual)} to equal ${JSON.stringify(e)}`, what); },
    toBeGreaterThan: (e: number) => { if (!((actual as number) > e)) fail(`expected ${show(actual)} > ${e}`, what); },
    toHaveLength: (n: number) => { if ((actual as { length: number }).length !== n) fail(`expected length ${n}`, what); },
    toMatch: (re: RegExp) => { if (!re.test(String(actual))) fail(`expected ${show(actual)} to match ${re}`, what); },
    toBeInstanceOf: (c: new (...a: never[]) => unknown) => { if (!(actual instanceof c)) fail(`expected an instance of ${c.name}`, what); },
    toHaveBeenCalledTimes: (n: number) => { if ((actual as Spy).calls.length !== n) fail(`expected ${n} calls, got ${(actual as Spy).calls.length}`, what); },
    toThrow: (want?: RegExp | (new (...a: never[]) => unknown)) => {
      try { (actual as Fn)(); } catch (e) {
        if (want instanceof RegExp ? !want.test((e as Error).message) : want && !(e instanceof want)) fail(`threw ${(e as Error).message}`, what);
        return;
      }
      fail('expected a throw', what);
    },
  };
}

export const vi = {
  spyOn(obj: Record<string, unknown>, key: string) {
    const original = obj[key] as (...a: unknown[]) => unknown;
    let impl: ((...a: unknown[]) => unknown) | undefined;
    const calls: unknown[][] = [];
    const spy: Spy & { mockImplementation(f: (...a: unknown[]) => unknown): Spy } = {
      calls,
      mock: { calls },
      restore: () => { obj[key] = original; },
      mockImplementation(f) { impl = f; return spy; },
    };
    obj[key] = function (this: unknown, ...a: unknown[]) { spy.calls.push(a); return (impl ?? original).apply(this, a); };
    spies.push(spy);
    return spy;
  },
  restoreAllMocks: () => { while (spies.length) spies.pop()!.restore(); },
};

setImmediate(async () => {
  let passed = 0, failed = 0, skipped = 0;
  for (const c of cases) {
    if (c.skip) { skipped++; console.log(`[ SKIP ] ${c.name}`); continue; }
    try {
      await c.fn();
      passed++;
      console.log(`[  OK  ] ${c.name}`);
    } catch (e) {
      failed++;
      console.log(`[ FAIL ] ${c.name}: ${(e as Error).stack ?? e}`);
    }
    for (const f of afterEachFns) await f();
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exitCode = failed ? 1 : 0;
});
