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
import { captureFfmpegLog, openInput, type OpenedStream } from '../media/open-input.js';
import type { Frame, Packet } from 'node-av/lib';
import { DetectorPipeline, decodeNeeds } from '../pipeline/detector-pipeline.js';
import { PacketRing } from '../evidence/packet-ring.js';
import { encodeJpeg, writeClip, writeThumbnail } from '../evidence/write-evidence.js';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { isToWorker, type FromWorker, type ToWorker } from './worker-messages.js';
import { setFetchPolicy } from '../hls/bounded-fetch.js';
import { decodedInputUrl, startWorkerHlsChecks, type WorkerHlsChecks } from './worker-hls-checks.js';
import { isReceivedHere, openLiveTsInput, type LiveTsInput } from '../ingest/live-ts-input.js';
import { conditionAsTransition, type TransportCondition } from '../transport/live-transport.js';

type StartMessage = Extract<ToWorker, { type: 'start' }>;
type CaptureMessage = Extract<ToWorker, { type: 'capture-evidence' }>;

/** Seconds of packets kept for evidence: enough for the clip after an incident raised up to ~20 s late. */
const evidenceBufferSeconds = 30;
const ring = new PacketRing(evidenceBufferSeconds);

/** A live thumbnail this often (the multiviewer refreshes every 2 s), this wide. */
const thumbnailIntervalMs = 2000;
const thumbnailWidth = 320;
let lastThumbnailAtMs = 0;
let thumbnailInFlight = false;

/** Encodes a small JPEG of the current picture now and then, off the decode path's hot loop. */
function maybeSendThumbnail(frame: Frame): void {
  const now = Date.now();
  if (thumbnailInFlight || now - lastThumbnailAtMs < thumbnailIntervalMs) return;
  const copy = frame.clone();
  if (!copy) return;
  lastThumbnailAtMs = now;
  thumbnailInFlight = true;
  encodeJpeg(copy, thumbnailWidth)
    .then((jpeg) => {
      if (jpeg) send({ type: 'thumbnail', jpeg, atMs: now });
    })
    .catch(() => undefined)
    .finally(() => {
      copy.free();
      thumbnailInFlight = false;
    });
}

const minBackoffMs = 1000;
const maxBackoffMs = 30_000;

function send(message: FromWorker): void {
  process.send?.(message);
}

/** Smaller moves of a live input's time 0 are left alone (jitter of the decode loop). */
const clockCorrectionMs = 100;

/** Full jitter: a random wait up to the exponential bound, so many channels do not reconnect in step. */
export function backoffMs(attempt: number, baseMs = minBackoffMs, capMs = maxBackoffMs): number {
  return Math.round(Math.random() * Math.min(capMs, baseMs * 2 ** attempt));
}

async function runSession(
  start: StartMessage,
  signal: AbortSignal,
  frames: { count: number },
  hls: WorkerHlsChecks | null,
): Promise<number> {
  const { channel } = start;
  const configured = configureDetectors(start.detectorIds, channel.detectorConfig);
  const needs = decodeNeeds(configured);
  const sessionId = start.sessionPrefix ? `${start.sessionPrefix}/${randomUUID()}` : randomUUID();
  // A looped file is paced from now. A live input's media time 0 is placed when its first chunk is
  // complete (its end has just been received), which leaves out the time spent connecting and probing.
  let mediaZeroAtMs = Date.now();
  let announced = false;
  // Transport conditions are timed on the wall clock: they wait for the session's media time 0.
  const heldConditions: TransportCondition[] = [];
  const sendCondition = (condition: TransportCondition) => {
    if (!announced) heldConditions.push(condition);
    else
      send({
        type: 'transition',
        sessionId,
        detector: condition.incidentKind,
        transition: conditionAsTransition(condition, mediaZeroAtMs),
      });
  };
  const announce = (firstChunkEndSeconds: number) => {
    if (!channel.loop) mediaZeroAtMs = Date.now() - firstChunkEndSeconds * 1000;
    send({ type: 'session-started', sessionId, mediaZeroAtMs });
    announced = true;
    for (const condition of heldConditions.splice(0)) sendCondition(condition);
  };
  liveInput =
    isReceivedHere(channel.url) && !channel.loop && channel.transportChecks !== false
      ? await openLiveTsInput(channel.url, {
          connectTimeoutMs: start.connectTimeoutMs,
          readTimeoutMs: start.connectTimeoutMs,
          policy: start.inputPolicy,
          signal,
          onCondition: sendCondition,
        })
      : null;
  let opened;
  try {
    const inputUrl = liveInput
      ? channel.url
      : await decodedInputUrl(channel, hls, { timeoutMs: start.connectTimeoutMs, signal });
    opened = await openInput(inputUrl, {
      connectTimeoutMs: start.connectTimeoutMs,
      wantVideo: needs.wantVideo,
      wantAudio: needs.wantAudio,
      decoderThreads: 1,
      policy: start.inputPolicy,
      limits: start.streamLimits,
      ...(liveInput ? { customInput: liveInput.customInput } : {}),
    });
  } catch (error) {
    closeLiveInput();
    throw error;
  }
  // No report at the end of a live session: events go out as transitions, and none is kept here.
  const pipeline = new DetectorPipeline(configured, {
    collectEvents: false,
    onTransition: (detector, transition) => send({ type: 'transition', sessionId, detector, transition }),
  });
  const stats = emptyDecodeStats();
  let chunks = 0;
  try {
    const onPacket = (packet: Packet, stream: OpenedStream) => ring.push(packet, stream.stream, Date.now());
    for await (const ready of decodeInput(opened, stats, {
      signal,
      onPacket,
      onVideoFrame: maybeSendThumbnail,
      fullLumaPerSecond: needs.fullLumaPerSecond,
    })) {
      const { chunk } = ready;
      if (channel.loop) {
        // A file plays at real-time speed: a chunk is analysed when its second has passed on the wall clock.
        const dueInMs = mediaZeroAtMs + chunk.endSeconds * 1000 - Date.now();
        if (dueInMs > 0) await sleep(dueInMs, undefined, { signal }).catch(() => undefined);
      }
      if (!announced) announce(chunk.endSeconds);
      else if (!channel.loop) {
        // A live input's first seconds often come in a burst (what FFmpeg read while probing, a server's
        // buffer): placing time 0 from the first chunk alone would put every later second in the future.
        // A second cannot be complete before it was sent, so the earliest placement seen so far is the
        // closest to the live edge.
        const liveEdgeZeroAtMs = Date.now() - chunk.endSeconds * 1000;
        if (liveEdgeZeroAtMs < mediaZeroAtMs - clockCorrectionMs) {
          mediaZeroAtMs = liveEdgeZeroAtMs;
          send({ type: 'session-clock', sessionId, mediaZeroAtMs });
        }
      }
      try {
        const measured = pipeline.analyze(chunk);
        const transport = liveInput?.takeChunkFigures();
        frames.count += chunk.video.length;
        chunks += 1;
        send({
          type: 'chunk',
          sessionId,
          chunkIndex: chunk.index,
          startSeconds: chunk.startSeconds,
          durationSeconds: chunk.endSeconds - chunk.startSeconds,
          videoFrames: chunk.video.length,
          measurements: transport ? { ...measured.detectors, transport } : measured.detectors,
          analysedAtMs: Date.now(),
        });
      } finally {
        ready.release();
      }
      if (signal.aborted) break;
    }
  } finally {
    // Buffered packets belong to this input's streams: they go with it.
    ring.clear();
    closeLiveInput();
    opened.close();
    pipeline.finish(stats.durationSeconds);
    send({
      type: 'session-ended',
      sessionId,
      reason: signal.aborted ? 'stopped' : (stats.readError ?? 'input ended'),
    });
  }
  return chunks;
}

async function runChannel(
  start: StartMessage,
  signal: AbortSignal,
  frames: { count: number },
): Promise<void> {
  // The delivery checks fetch playlists and segments themselves: they follow the deployment's input policy.
  setFetchPolicy({
    protocols: start.inputPolicy.allowedProtocols,
    maxRedirects: start.inputPolicy.maxRedirects,
  });
  const hls = startWorkerHlsChecks(start.channel, send);
  try {
    await runSessions(start, signal, frames, hls);
  } finally {
    await hls?.close();
  }
}

async function runSessions(
  start: StartMessage,
  signal: AbortSignal,
  frames: { count: number },
  hls: WorkerHlsChecks | null,
): Promise<void> {
  let attempt = 0;
  while (!signal.aborted) {
    try {
      const chunks = await runSession(start, signal, frames, hls);
      if (chunks > 0) attempt = 0;
      if (start.channel.loop && chunks > 0) continue;
    } catch (error) {
      const retryable = isStreamqcError(error) ? error.retryable : true;
      const message = error instanceof Error ? error.message : String(error);
      const waitMs = backoffMs(attempt);
      const code = isStreamqcError(error) ? { code: error.code } : {};
      send({ type: 'input-failed', message, ...code, retryable, retryInMs: waitMs });
      attempt += 1;
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      continue;
    }
    const waitMs = backoffMs(attempt);
    attempt += 1;
    await sleep(waitMs, undefined, { signal }).catch(() => undefined);
  }
}

/**
 * Memory this process really costs on Linux: PSS shares the FFmpeg library's pages (about 100 MB of RSS,
 * file-backed and the same in every worker) among the processes that map them. Null elsewhere.
 */
function proportionalMemoryMb(): { pssMb?: number } {
  const now = Date.now();
  if (now - pssReadAtMs < pssIntervalMs) return lastPss;
  pssReadAtMs = now;
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    lastPss = match?.[1] ? { pssMb: Math.round(Number(match[1]) / 1024) } : {};
  } catch {
    lastPss = {};
  }
  return lastPss;
}

/** The kernel walks every mapping to total PSS: read it every 10 s, not with every heartbeat. */
const pssIntervalMs = 10_000;
let pssReadAtMs = -Infinity;
let lastPss: { pssMb?: number } = {};

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
      receiveDrops: receiveDrops + liveReceiveDrops + (liveInput?.receiveDrops() ?? 0),
      ...proportionalMemoryMb(),
    });
    lastCpu = process.cpuUsage();
    lastAt = now;
    lastFrames = frames.count;
  }, intervalMs);
}

/** Saves the clip and thumbnail around an incident's onset once the seconds after it have been received. */
async function captureEvidence(message: CaptureMessage): Promise<void> {
  const waitMs = message.onsetAtMs + message.secondsAfter * 1000 - Date.now();
  if (waitMs > 0) await sleep(Math.min(waitMs, evidenceBufferSeconds * 1000));
  const packets = ring.window(
    message.onsetAtMs - message.secondsBefore * 1000,
    message.onsetAtMs + message.secondsAfter * 1000,
  );
  let clipPath: string | null = null;
  let thumbnailPath: string | null = null;
  try {
    await mkdir(message.directory, { recursive: true });
    const clip = join(message.directory, `${message.incidentId}.mp4`);
    const thumbnail = join(message.directory, `${message.incidentId}.jpg`);
    if (await writeClip(clip, packets)) clipPath = clip;
    if (await writeThumbnail(thumbnail, packets, message.onsetAtMs)) thumbnailPath = thumbnail;
  } catch (error) {
    process.stderr.write(
      `evidence for ${message.incidentId} failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  send({ type: 'evidence', incidentId: message.incidentId, thumbnailPath, clipPath });
}

/**
 * The monitor's own receive drops (FFmpeg's UDP receive buffer overran because this process read too
 * slowly), counted apart from the stream's defects: FFmpeg says so in a warning per dropped datagram.
 */
let receiveDrops = 0;
const receiveDropPattern = /circular buffer overrun/i;

/**
 * UDP, RTP, SRT and HTTP-TS inputs are received by this process (ingest/), which counts its own drops: a
 * UDP socket's kernel drop counter and pieces FFmpeg could not take in time. Summed over the sessions that
 * ended.
 */
let liveInput: LiveTsInput | null = null;
let liveReceiveDrops = 0;

function closeLiveInput(): void {
  if (!liveInput) return;
  liveInput.close();
  liveReceiveDrops += liveInput.receiveDrops();
  liveInput = null;
}

/** Entry point when forked by the monitor. */
export function runWorkerProcess(): void {
  captureFfmpegLog((message) => {
    if (receiveDropPattern.test(message)) receiveDrops += 1;
  });
  const controller = new AbortController();
  const frames = { count: 0 };
  let heartbeat: NodeJS.Timeout | null = null;
  process.on('message', (message: unknown) => {
    if (!isToWorker(message)) return;
    if (message.type === 'stop') {
      controller.abort();
      return;
    }
    if (message.type === 'capture-evidence') {
      void captureEvidence(message);
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
