/**
 * A channel worker: one child process per channel, so a decoder that crashes or hangs takes down only its
 * own channel. It opens the input, decodes once, runs the detectors on each 1-second chunk and sends the
 * results to the monitor. Live inputs that end or fail are reopened with exponential backoff and jitter;
 * a file marked `loop` is replayed at real-time speed, forever.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { configureDetectors } from '../config/detector-config.js';
import { isStreamqcError } from '../errors/streamqc-error.js';
import { decodeInput, emptyDecodeStats } from '../media/decode-input.js';
import { openInput } from '../media/open-input.js';
import { DetectorPipeline } from '../pipeline/detector-pipeline.js';
import { isToWorker, type FromWorker, type ToWorker } from './worker-messages.js';

type StartMessage = Extract<ToWorker, { type: 'start' }>;

const minBackoffMs = 1000;
const maxBackoffMs = 30_000;

function send(message: FromWorker): void {
  process.send?.(message);
}

/** Full jitter: a random wait up to the exponential bound, so many channels do not reconnect in step. */
export function backoffMs(attempt: number, baseMs = minBackoffMs, capMs = maxBackoffMs): number {
  return Math.round(Math.random() * Math.min(capMs, baseMs * 2 ** attempt));
}

async function runSession(start: StartMessage, signal: AbortSignal, frames: { count: number }): Promise<number> {
  const { channel } = start;
  const configured = configureDetectors(start.detectorIds, channel.detectorConfig);
  const opened = await openInput(channel.url, {
    connectTimeoutMs: start.connectTimeoutMs,
    wantVideo: configured.some((c) => c.detector.needs.video),
    wantAudio: configured.some((c) => c.detector.needs.audio),
    decoderThreads: 1,
  });
  const sessionId = randomUUID();
  const mediaZeroAtMs = Date.now();
  send({ type: 'session-started', sessionId, mediaZeroAtMs });
  const pipeline = new DetectorPipeline(configured, {
    onTransition: (detector, transition) => send({ type: 'transition', sessionId, detector, transition }),
  });
  const stats = emptyDecodeStats();
  let chunks = 0;
  try {
    for await (const ready of decodeInput(opened, stats, { signal })) {
      const { chunk } = ready;
      if (channel.loop) {
        // A file plays at real-time speed: a chunk is analysed when its second has passed on the wall clock.
        const dueInMs = mediaZeroAtMs + chunk.endSeconds * 1000 - Date.now();
        if (dueInMs > 0) await sleep(dueInMs, undefined, { signal }).catch(() => undefined);
      }
      try {
        const measured = pipeline.analyze(chunk);
        frames.count += chunk.video.length;
        chunks += 1;
        send({
          type: 'chunk',
          sessionId,
          chunkIndex: chunk.index,
          startSeconds: chunk.startSeconds,
          durationSeconds: chunk.endSeconds - chunk.startSeconds,
          videoFrames: chunk.video.length,
          measurements: measured.detectors,
          analysedAtMs: Date.now(),
        });
      } finally {
        ready.release();
      }
      if (signal.aborted) break;
    }
  } finally {
    opened.close();
    pipeline.finish(stats.durationSeconds);
    send({ type: 'session-ended', sessionId, reason: signal.aborted ? 'stopped' : stats.readError ?? 'input ended' });
  }
  return chunks;
}

async function runChannel(start: StartMessage, signal: AbortSignal, frames: { count: number }): Promise<void> {
  let attempt = 0;
  while (!signal.aborted) {
    try {
      const chunks = await runSession(start, signal, frames);
      if (chunks > 0) attempt = 0;
      if (start.channel.loop && chunks > 0) continue;
    } catch (error) {
      const retryable = isStreamqcError(error) ? error.retryable : true;
      const message = error instanceof Error ? error.message : String(error);
      const waitMs = backoffMs(attempt);
      send({ type: 'input-failed', message, retryable, retryInMs: waitMs });
      attempt += 1;
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      continue;
    }
    const waitMs = backoffMs(attempt);
    attempt += 1;
    await sleep(waitMs, undefined, { signal }).catch(() => undefined);
  }
}

function startHeartbeat(intervalMs: number, frames: { count: number }): NodeJS.Timeout {
  let lastCpu = process.cpuUsage();
  let lastAt = performance.now();
  let lastFrames = 0;
  return setInterval(() => {
    const cpu = process.cpuUsage(lastCpu);
    const now = performance.now();
    const elapsedMs = Math.max(1, now - lastAt);
    send({
      type: 'heartbeat',
      atMs: Date.now(),
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 1000) / 10,
      decodedFramesPerSecond: Math.round(((frames.count - lastFrames) / elapsedMs) * 10_000) / 10,
      rssMb: Math.round(process.memoryUsage.rss() / 1e6),
    });
    lastCpu = process.cpuUsage();
    lastAt = now;
    lastFrames = frames.count;
  }, intervalMs);
}

/** Entry point when forked by the monitor. */
export function runWorkerProcess(): void {
  const controller = new AbortController();
  const frames = { count: 0 };
  let heartbeat: NodeJS.Timeout | null = null;
  process.on('message', (message: unknown) => {
    if (!isToWorker(message)) return;
    if (message.type === 'stop') {
      controller.abort();
      return;
    }
    heartbeat ??= startHeartbeat(message.heartbeatIntervalMs, frames);
    runChannel(message, controller.signal, frames)
      .catch((error: unknown) => {
        process.stderr.write(`streamqc worker: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      })
      .finally(() => {
        if (heartbeat) clearInterval(heartbeat);
        process.disconnect?.();
      });
  });
  process.on('disconnect', () => controller.abort());
}
