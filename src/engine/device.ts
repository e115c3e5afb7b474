/**
 * Where a model computes, and how its buffers live there.
 *
 * On the CPU the engine's Float32Arrays are the data. On a device (CUDA), each of the model's big
 * arrays — parameter and gradient arenas, frozen weights, optimizer slots, every plan's arena —
 * gets a device mirror (native/binding/mirror.h) and stays there for the whole fit: the kernels
 * receive views of the host arrays and the binding resolves them to the device copies. Per step
 * only the batch goes up (the plan's x, y and w) and only what JS reads comes down (per-sample
 * losses, and the outputs when metrics or predict need them).
 *
 * Weights and slots come down lazily: a training step marks the host copies stale, and readers
 * (getWeights, save, callbacks through them, `Optimizer.slots()`) download first. Writers
 * (setWeights, loadWeights, restoring a backup) mark the device copies stale, and the next step
 * uploads them. `Residency` holds that flag pair for one group of arrays.
 *
 * Testing aid: when the addon was loaded with the environment variable KERNO_DEVICE_SIM=1, the
 * registry holds a simulated device ("device-sim": the CPU kernels over memory of their own, see
 * native/runtime/device_sim.h) and `'cuda'`/`'auto'` resolve to it, so the device path runs, and
 * is compared bitwise with the CPU, on machines without a GPU. It is not part of the public
 * options.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { type MirrorHandle, type NativeAddon, loadAddon, resolveBackend, rethrowNative } from '../native.js';
import { FusedOptimizer } from '../optimizers/fusedOptimizer.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { ParamArena } from './arena.js';
import type { Layer } from './layer.js';

/**
 * Where a model trains and predicts: `'cpu'`; `'cuda'`, a CUDA device (an error where none is
 * found); or `'auto'`, CUDA when a device is found and the CPU otherwise.
 */
export type DeviceName = 'cpu' | 'cuda' | 'auto';

const DEVICE_NAMES: readonly DeviceName[] = ['cpu', 'cuda', 'auto'];
/** The name of the simulated device backend (KERNO_DEVICE_SIM=1 only). */
const SIM_BACKEND = 'device-sim';

let globalDevice: DeviceName = 'cpu';
let fallbackNoticeShown = false;

/** What a device name resolved to on this machine. */
export interface DeviceTarget {
  /** Backend index for every native call. */
  readonly backend: number;
  /** Whether the backend computes on device memory (its buffers need mirrors). */
  readonly onDevice: boolean;
  /** The backend's name, for messages (`'cpu-avx2'`, `'cuda'`, ...). */
  readonly name: string;
}

/** Validates a device name (`where` names the argument in the error). */
export function deviceName(v: unknown, where: string): DeviceName {
  if (typeof v === 'string' && (DEVICE_NAMES as readonly string[]).includes(v)) return v as DeviceName;
  throw new ValueError(expectedMessage(where, "one of 'cpu', 'cuda', 'auto'", v));
}

/** The global default of `compile({device})` (see setBackend in src/backend.ts). */
export function globalDeviceName(): DeviceName {
  return globalDevice;
}

/** Sets the global default after checking it can be honoured (`'cuda'` needs a device). */
export function setGlobalDevice(v: unknown, where: string): void {
  const name = deviceName(v, where);
  if (name === 'cuda') resolveDevice(name, where);
  globalDevice = name;
}

/**
 * The device backend `'cuda'` and `'auto'` use: the simulator when the addon was loaded with
 * KERNO_DEVICE_SIM=1 (a test asking for it gets it, GPU or not), else a CUDA device, else none.
 */
function deviceBackend(): DeviceTarget | undefined {
  const info = loadAddon().backendInfo();
  const at = (name: string) => info.backends.indexOf(name);
  if (at(SIM_BACKEND) >= 0) return { backend: at(SIM_BACKEND), onDevice: true, name: SIM_BACKEND };
  if (info.cuda.devices > 0 && at('cuda') >= 0) return { backend: at('cuda'), onDevice: true, name: 'cuda' };
  return undefined;
}

function cpuTarget(): DeviceTarget {
  const backend = resolveBackend(undefined);
  return { backend, onDevice: false, name: loadAddon().backendInfo().backends[backend] ?? 'cpu' };
}

/**
 * Resolves a device name on this machine. `'cuda'` without a device is a ValueError naming
 * `where`; `'auto'` without one falls back to the CPU with a one-line notice, once per process.
 */
export function resolveDevice(v: unknown, where: string): DeviceTarget {
  const name = deviceName(v, where);
  if (name === 'cpu') return cpuTarget();
  const target = deviceBackend();
  if (target) return target;
  const built = loadAddon().backendInfo().cuda.built;
  const why = built
    ? 'This kerno build includes CUDA support; check the NVIDIA driver and CUDA_VISIBLE_DEVICES.'
    : 'This kerno build has no CUDA support (no CUDA compiler was found when it was built).';
  if (name === 'cuda') {
    throw new ValueError(expectedMessage(where, "'cpu' or 'auto' (no CUDA device was found)", name, why));
  }
  if (!fallbackNoticeShown) {
    fallbackNoticeShown = true;
    console.warn(`kerno: device 'auto' found no CUDA device; using the CPU. ${why}`);
  }
  return cpuTarget();
}

/**
 * Only the built-in optimizers run on a device: they update the parameter arena with one native
 * call, while a custom `Optimizer` subclass may update host arrays in JS.
 */
export function checkDeviceOptimizer(optimizer: Optimizer, target: DeviceTarget, where: string): asserts optimizer is FusedOptimizer {
  if (optimizer instanceof FusedOptimizer) return;
  throw new ValueError(expectedMessage(where, `a built-in optimizer (SGD, Adam, ...) to train on device "${target.name}"`,
    optimizer, 'A custom Optimizer subclass trains on the CPU only.'));
}

// ------------------------------------------------------------------------------ memory

/**
 * Operations on the engine's buffers wherever they live. On the CPU they act on the arrays
 * (transfers are no-ops); on a device, on the device copies.
 */
export interface DeviceMemory {
  /** Whether buffers live on a device (transfers do something). */
  readonly onDevice: boolean;
  /**
   * Gives `array` a device copy (initialised from it) and returns its handle; undefined on the
   * CPU. The copy lives until `free(handle)` or until the handle is garbage-collected.
   */
  mirror(array: Float32Array): MirrorHandle | undefined;
  /** Frees a device copy now (undefined: nothing to free). */
  free(handle: MirrorHandle | undefined): void;
  /** Host → device for `view` (inside a mirrored array). */
  upload(view: Float32Array): void;
  /** Device → host for `view`. */
  download(view: Float32Array): void;
  /** `view.fill(0)` where the buffer lives. */
  zero(view: Float32Array): void;
  /** `dst.set(src)` where the buffers live (same length). */
  copy(dst: Float32Array, src: Float32Array): void;
  /** Before a step: sends weights and slots that JS changed; `training` marks them changed on the device. */
  beforeStep(training: boolean): void;
}

/** The CPU: the arrays are the data. */
export const HOST_MEMORY: DeviceMemory = Object.freeze({
  onDevice: false,
  mirror(): undefined {
    return undefined;
  },
  free(): void {},
  upload(): void {},
  download(): void {},
  zero(view: Float32Array): void {
    view.fill(0);
  },
  copy(dst: Float32Array, src: Float32Array): void {
    dst.set(src);
  },
  beforeStep(): void {},
});

/**
 * One group of mirrored arrays whose host and device copies may disagree: at most one of the
 * two flags is set, and it says which copy is current.
 */
export class Residency {
  /** The device copy changed since the host copy was last brought up to date. */
  hostStale = false;
  /** JS changed the host copy since the device copy was last brought up to date. */
  deviceStale = false;

  constructor(private readonly memory: DeviceMemory, readonly arrays: readonly Float32Array[]) {}

  /** Makes the host copy current (for a reader). */
  pull(): void {
    if (!this.hostStale) return;
    for (const a of this.arrays) this.memory.download(a);
    this.hostStale = false;
  }

  /** Makes the device copy current (before device work reads it). */
  push(): void {
    if (!this.deviceStale) return;
    for (const a of this.arrays) this.memory.upload(a);
    this.deviceStale = false;
  }

  /** For JS code that may write the host copy: makes it current, then counts the device copy as stale. */
  hostAccess(): void {
    this.pull();
    this.deviceStale = true;
  }

  /** Device work changed the arrays. */
  deviceChanged(): void {
    this.hostStale = true;
  }
}

/**
 * A model's buffers on one device backend: the mirrors it created, the residency of its weights
 * (parameter arena and frozen weights) and optimizer slots. Lives as long as the model stays
 * compiled for that backend; `pack`/`bindSlots` follow repacking and optimizer rebuilds.
 */
export class ModelDevice implements DeviceMemory {
  readonly onDevice = true;
  readonly #addon: NativeAddon;
  /** Mirrors of the model's own arrays (plans hold their own handles). */
  readonly #handles = new Map<Float32Array, MirrorHandle>();
  /** Gradient arena (device-only data: zeroed and filled within each step). */
  #grads: Float32Array | undefined;
  #optimizer: FusedOptimizer | undefined;
  /** Parameter arena and every weight outside it (frozen, moving statistics). */
  weights: Residency = new Residency(this, []);
  /** The optimizer's slot buffers. */
  slots: Residency = new Residency(this, []);

  constructor(readonly target: DeviceTarget, addon: NativeAddon = loadAddon()) {
    this.#addon = addon;
  }

  get backend(): number {
    return this.target.backend;
  }

  mirror(array: Float32Array): MirrorHandle {
    try {
      return this.#addon.mirrorCreate(this.target.backend, array);
    } catch (e) {
      rethrowNative(e);
    }
  }

  free(handle: MirrorHandle | undefined): void {
    if (handle === undefined) return;
    try {
      this.#addon.mirrorFree(handle);
    } catch (e) {
      rethrowNative(e);
    }
  }

  /** Mirrors one of the model's own arrays (weights, gradients, slots), kept until `#release`. */
  #own(array: Float32Array): void {
    if (!this.#handles.has(array)) this.#handles.set(array, this.mirror(array));
  }

  #release(array: Float32Array): void {
    const handle = this.#handles.get(array);
    this.#handles.delete(array);
    this.free(handle);
  }

  upload(view: Float32Array): void {
    try {
      this.#addon.mirrorUpload(view);
    } catch (e) {
      rethrowNative(e);
    }
  }

  download(view: Float32Array): void {
    try {
      this.#addon.mirrorDownload(view);
    } catch (e) {
      rethrowNative(e);
    }
  }

  zero(view: Float32Array): void {
    try {
      this.#addon.mirrorZero(view);
    } catch (e) {
      rethrowNative(e);
    }
  }

  copy(dst: Float32Array, src: Float32Array): void {
    try {
      this.#addon.mirrorCopy(dst, src);
    } catch (e) {
      rethrowNative(e);
    }
  }

  beforeStep(training: boolean): void {
    this.weights.push();
    this.slots.push();
    // Counted as changed before the step runs, so a step that throws half-way still leaves the
    // host copies marked stale.
    if (training) {
      this.weights.deviceChanged();
      this.slots.deviceChanged();
    }
  }

  /**
   * Packs the weights into a new parameter arena on this device: brings the current values to the
   * host, lets `pack` build the arena (it copies the host values in), and mirrors the arena, its
   * gradients and every weight left outside it.
   */
  pack(pack: () => ParamArena, layers: readonly Layer[]): ParamArena {
    this.weights.pull();
    const arena = pack();
    for (const a of this.weights.arrays) this.#release(a);
    if (this.#grads) this.#release(this.#grads);
    const packed = new Set(arena.trainable);
    const own = layers.flatMap((l) => l.weights).filter((w) => !packed.has(w)).map((w) => w.value);
    const arrays = [arena.params, ...own];
    for (const a of arrays) this.#own(a);
    this.#own(arena.grads);
    this.#grads = arena.grads;
    this.weights = new Residency(this, arrays);
    arena.memory = this;
    return arena;
  }

  /** Mirrors the optimizer's slots (after `optimizer.build`); they start equal to the host's. */
  bindSlots(optimizer: Optimizer): void {
    checkDeviceOptimizer(optimizer, this.target, 'optimizer');
    this.#unbindSlots();
    const arrays = optimizer.slotArrays().filter((a): a is Float32Array => a !== null);
    for (const a of arrays) this.#own(a);
    this.slots = new Residency(this, arrays);
    this.#optimizer = optimizer;
    const slots = this.slots;
    // Optimizer.slots() hands the arrays to readers and writers (save, restore): current host
    // copies first, and a re-upload before the next step in case they were written.
    optimizer.hostAccessHook = () => slots.hostAccess();
  }

  #unbindSlots(): void {
    this.slots.pull();
    for (const a of this.slots.arrays) this.#release(a);
    this.slots = new Residency(this, []);
    if (this.#optimizer) this.#optimizer.hostAccessHook = undefined;
    this.#optimizer = undefined;
  }

  /**
   * Brings weights and slots to the host and frees their mirrors (the model leaves this device).
   * Plan mirrors belong to their plans, which the model drops at the same time.
   */
  dispose(): void {
    this.weights.pull();
    this.#unbindSlots();
    for (const a of [...this.#handles.keys()]) this.#release(a);
    this.weights = new Residency(this, []);
    this.#grads = undefined;
  }
}
