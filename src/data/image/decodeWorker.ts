/**
 * Entry point of a decode worker thread (see decodePool.ts): runs DecodeJobs and posts the pixels
 * back, transferring their buffers. Jobs interleave at their awaits (sharp decodes), so a worker
 * keeps the prefetched batches moving.
 */
import { parentPort } from 'node:worker_threads';
import { type DecodeJob, runJob } from './decodeJob.js';

interface Request { id: number; job: DecodeJob }

parentPort!.on('message', (req: Request) => {
  runJob(req.job).then(
    (items) => {
      const transfer = items.flatMap((it) => ('image' in it ? [it.image.data.buffer as ArrayBuffer] : []));
      parentPort!.postMessage({ id: req.id, items }, transfer);
    },
    (e: unknown) => parentPort!.postMessage({ id: req.id, fatal: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) }),
  );
});
