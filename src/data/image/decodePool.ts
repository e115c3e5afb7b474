/**
 * A small pool of worker threads that load batches (decodeJob.ts) so that reading, decoding,
 * resizing and augmentation run beside the training loop instead of between its steps — the
 * training step is a synchronous native call, so work on the main thread cannot overlap with it.
 *
 * - Size: `KERNO_IMAGE_WORKERS` if set (0 turns workers off: batches load on the main thread, in
 *   slices that yield to the event loop), else min(4, available cores − 1), at least 1.
 * - Workers start on first use, hold the process open only while they have jobs, and are shared
 *   by every iterator. A job goes to the worker with the fewest jobs in flight.
 * - From TypeScript sources (tests, tsx) the worker loads through tsx's loader; from the built
 *   package it is plain JavaScript. If a worker cannot start or dies, the pool turns itself off
 *   with one warning and the batches it held are loaded on the main thread instead.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type DecodeItem, type DecodeJob, runJobInline } from './decodeJob.js';

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (items: DecodeItem[]) => void; reject: (e: Error) => void }>;
}

/** Thrown when the pool cannot run a job (the caller falls back to the main thread). */
export class PoolUnavailable extends Error {}

function poolSize(): number {
  const env = process.env.KERNO_IMAGE_WORKERS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    return Number.isInteger(n) && n >= 0 ? Math.min(n, 16) : 0;
  }
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

function spawn(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const url = JSON.stringify(new URL('./decodeWorker.ts', here).href);
    return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${url}); })`, { eval: true });
  }
  return new Worker(new URL('./decodeWorker.js', here));
}

class DecodePool {
  readonly #slots: Slot[] = [];
  readonly #size: number;
  #nextId = 0;
  #broken = false;
  /** Jobs completed by workers (for tests and diagnostics). */
  completed = 0;

  constructor(size: number) {
    this.#size = size;
  }

  get enabled(): boolean {
    return this.#size > 0 && !this.#broken;
  }

  #slot(): Slot {
    if (this.#slots.length < this.#size && this.#slots.every((s) => s.pending.size > 0)) {
      const worker = spawn();
      const slot: Slot = { worker, pending: new Map() };
      worker.unref();
      worker.on('message', (msg: { id: number; items?: DecodeItem[]; fatal?: string }) => {
        const p = slot.pending.get(msg.id);
        if (!p) return;
        slot.pending.delete(msg.id);
        if (slot.pending.size === 0) worker.unref();
        if (msg.fatal !== undefined) p.reject(new Error(`image decode worker: ${msg.fatal}`));
        else {
          this.completed++;
          p.resolve(msg.items!);
        }
      });
      const fail = (why: string): void => this.#fail(slot, why);
      worker.on('error', (e) => fail(e.message));
      worker.on('exit', (code) => fail(`exited with code ${code}`));
      this.#slots.push(slot);
      return slot;
    }
    return this.#slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  #fail(slot: Slot, why: string): void {
    const i = this.#slots.indexOf(slot);
    if (i < 0) return;
    this.#slots.splice(i, 1);
    if (!this.#broken) console.warn(`Image decode workers are off (${why}); loading images on the main thread.`);
    this.#broken = true;
    for (const p of slot.pending.values()) p.reject(new PoolUnavailable(why));
    slot.pending.clear();
    void slot.worker.terminate();
  }

  /** Stops the workers once their jobs are done. */
  async close(): Promise<void> {
    this.#broken = true; // no new jobs
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map(async (s) => {
      while (s.pending.size > 0) await new Promise((r) => setTimeout(r, 5));
      await s.worker.terminate();
    }));
  }

  run(job: DecodeJob): Promise<DecodeItem[]> {
    if (!this.enabled) return Promise.reject(new PoolUnavailable('disabled'));
    const slot = this.#slot();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref(); // keep the process alive while a job is out
      slot.worker.postMessage({ id, job });
    });
  }
}

let pool: DecodePool | undefined;

/** The shared pool (created on first use). */
export function decodePool(): DecodePool {
  pool ??= new DecodePool(poolSize());
  return pool;
}

/** @internal Replaces the shared pool with one of `size` workers (0: main thread only); for tests. */
export async function resetDecodePool(size: number): Promise<void> {
  const old = pool;
  pool = new DecodePool(size);
  await old?.close();
}

/** Runs a batch job on a worker, or on the main thread when workers are off or fail. */
export async function runDecodeJob(job: DecodeJob): Promise<DecodeItem[]> {
  const p = decodePool();
  if (p.enabled) {
    try {
      return await p.run(job);
    } catch (e) {
      if (!(e instanceof PoolUnavailable)) throw e;
    }
  }
  return runJobInline(job);
}
