// Loaded into a channel worker with `node --expose-gc --import ./scripts/worker-memory-probe.mjs` by
// scripts/worker-memory.ts; nothing in src/ knows about it. Every STREAMQC_PROBE_INTERVAL_MS it sends the
// parent one 'memory-probe' message: RSS before and after a full collection, the V8 heap in use after it,
// memory held outside the heap by JavaScript objects (external, arrayBuffers) and /proc's anonymous and
// file-backed resident memory. A { type: 'probe-snapshot', path } message writes a heap snapshot there.
import { readFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';

const intervalMs = Number(process.env.STREAMQC_PROBE_INTERVAL_MS ?? 10_000);
const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 100) / 100;

function procStatusMb(field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Math.round((Number(match[1]) / 1024) * 100) / 100 : null;
}

function probe() {
  const rssBeforeGcMb = mb(process.memoryUsage.rss());
  globalThis.gc?.();
  const usage = process.memoryUsage();
  process.send?.({
    type: 'memory-probe',
    atMs: Date.now(),
    rssBeforeGcMb,
    rssMb: mb(usage.rss),
    heapUsedMb: mb(usage.heapUsed),
    heapTotalMb: mb(usage.heapTotal),
    externalMb: mb(usage.external),
    arrayBuffersMb: mb(usage.arrayBuffers),
    rssAnonMb: procStatusMb('RssAnon'),
    rssFileMb: procStatusMb('RssFile'),
  });
}

setInterval(probe, intervalMs).unref();
// The worker's own listener must be in place before the parent sends 'start': a message that arrives while
// only this listener exists reaches only this listener. Ready once the worker module has added its own.
const ready = setInterval(() => {
  if (process.listenerCount('message') < 2) return;
  clearInterval(ready);
  process.send?.({ type: 'probe-ready' });
}, 20);
process.on('message', (message) => {
  if (message?.type === 'probe-snapshot' && typeof message.path === 'string') {
    globalThis.gc?.();
    writeHeapSnapshot(message.path);
    process.send?.({ type: 'probe-snapshot-written', path: message.path });
  }
});
