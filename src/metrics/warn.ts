/**
 * Metric warnings (sklearn's UndefinedMetricWarning and UserWarning) go through
 * `process.emitWarning`, so they print once to stderr by default and can be observed or silenced
 * with Node's standard `process.on('warning')` / `--no-warnings`.
 */

/** Collects the distinct warnings of one public call and emits each once. */
export class WarningSink {
  private readonly seen = new Set<string>();
  constructor(private readonly type: string = 'UndefinedMetricWarning') {}

  warn(message: string, type: string = this.type): void {
    const key = `${type}: ${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    process.emitWarning(message, type);
  }
}
