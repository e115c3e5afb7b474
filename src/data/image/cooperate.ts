/**
 * Cooperative yielding for the pipeline's synchronous work (colour conversion, resizing,
 * augmentation): callers await `cooperate()` before each image. Once the current slice has used
 * its budget, callers queue up and are resumed one per event-loop turn (a setImmediate scheduled
 * from the check phase runs on the next turn), so timers, I/O and the training loop run between
 * any two images however many decodes finished at once — the loop is blocked for about one
 * image's work at most.
 */
const BUDGET_MS = 8;
let sliceStart = performance.now();
const waiters: (() => void)[] = [];
let scheduled = false;

function pump(): void {
  scheduled = false;
  sliceStart = performance.now();
  waiters.shift()?.();
  if (waiters.length > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(pump);
}

/** Resolves when the caller may run its next piece of synchronous work (undefined: right now). */
export function cooperate(): Promise<void> | undefined {
  if (waiters.length === 0 && performance.now() - sliceStart < BUDGET_MS) return undefined;
  return new Promise<void>((resolve) => {
    waiters.push(resolve);
    schedule();
  });
}
