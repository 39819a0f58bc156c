/**
 * The monitor's view of one channel: its worker, its incident engine, and the figures the API shows.
 * Translates worker messages (media seconds of a decode session) into wall-clock conditions.
 */
import type { EventTransition } from '../detectors/contract.js';
import { ChannelIncidents, type ConditionKey } from '../incidents/channel-incidents.js';
import type { ChannelSpec, ChannelState, ChannelStatus, ChunkRecord, Incident } from './model.js';
import type { ChannelSupervisor } from './channel-supervisor.js';
import type { FromWorker } from './worker-messages.js';
import { TransportTotals, type TransportTotalsView } from './transport-totals.js';
import { mergeHlsFigures, readHlsFigures, type HlsChunkFigures } from '../hls/hls-chunk-figures.js';
import { HlsTotals, type HlsTotalsView } from './hls-totals.js';
import {
  mergeTransportFigures,
  readTransportFigures,
  type TransportChunkFigures,
} from '../transport/transport-chunk-figures.js';

/** Input failures that no retry of the same input can cure: the deployment refused what it declares. */
const refusalCodes: ReadonlySet<string> = new Set(['INPUT_NOT_ALLOWED', 'STREAM_OVER_LIMITS']);

export interface WorkerExitCause {
  readonly kind: 'decoder-crash' | 'memory-limit';
  /** Why, for the incident's details (empty: nothing to add). */
  readonly detail: string;
}

/** Time a channel gets to open and probe its input before no-signal counts. */
const startupGraceMs = 5000;

interface Session {
  mediaZeroAtMs: number;
  /** Detector event key -> the condition it drives. */
  readonly openEvents: Map<string, ConditionKey>;
}

export class ChannelRuntime {
  supervisor: ChannelSupervisor | null = null;
  state: ChannelState = 'starting';
  lastChunkAtMs: number | null = null;
  processingLagSeconds: number | null = null;
  decodedFramesPerSecond: number | null = null;
  cpuPercent: number | null = null;
  rssMb: number | null = null;
  pssMb: number | null = null;
  /** The monitor's own receive drops, summed over worker restarts. */
  receiveDrops = 0;
  private workerReceiveDrops = 0;
  chunks = 0;
  /**
   * TR 101 290 counters of inputs the monitor receives itself (UDP, RTP, SRT, HTTP TS), summed from chunk
   * figures, and of an HLS channel's decoded rendition, summed from its worker's figures of each second.
   */
  readonly transport = new TransportTotals();
  /** HLS delivery counters of an HLS channel, summed from its worker's figures of each second. */
  readonly hls = new HlsTotals();
  /** HLS figures received since the last chunk: they go into the next chunk row. */
  private pendingHls: HlsChunkFigures | null = null;
  /** TR 101 290 figures of HLS segments received since the last chunk: the next chunk row's `transport`. */
  private pendingTransport: TransportChunkFigures | null = null;
  latest: Readonly<Record<string, unknown>> = {};
  /** The latest live thumbnail (JPEG) and when it was taken. */
  thumbnail: { readonly jpeg: Buffer; readonly atMs: number } | null = null;
  readonly startedAtMs: number;
  private readonly sessions = new Map<string, Session>();
  private crashed: 'decoder-crash' | 'memory-limit' | null = null;
  private inputRefused = false;
  private noSignal = false;

  constructor(
    readonly spec: ChannelSpec,
    readonly incidents: ChannelIncidents,
    private readonly noSignalSeconds: number,
    private readonly onChunk: (record: ChunkRecord) => void,
    private readonly onEvidence: (incidentId: string, evidence: Incident['evidence']) => void,
  ) {
    this.startedAtMs = Date.now();
  }

  status(): ChannelStatus {
    return {
      id: this.spec.id,
      name: this.spec.name,
      tags: this.spec.tags,
      url: this.spec.url,
      state: this.state,
      lastChunkAtMs: this.lastChunkAtMs,
      processingLagSeconds: this.processingLagSeconds,
      decodedFramesPerSecond: this.decodedFramesPerSecond,
      cpuPercent: this.cpuPercent,
      ...(this.rssMb === null ? {} : { rssMb: this.rssMb }),
      ...(this.pssMb === null ? {} : { pssMb: this.pssMb }),
      restarts: this.supervisor?.restarts ?? 0,
      openIncidents: this.incidents.openIncidents().length,
      latest: this.latest,
      ...transportField(this.transport.view()),
      ...hlsField(this.hls.view()),
    };
  }

  handle(message: FromWorker, nowMs: number): void {
    switch (message.type) {
      case 'session-started':
        this.sessions.set(message.sessionId, { mediaZeroAtMs: message.mediaZeroAtMs, openEvents: new Map() });
        if (this.inputRefused) {
          this.inputRefused = false;
          this.incidents.conditionEnded({ kind: 'input-refused' }, nowMs);
        }
        return;
      case 'chunk':
        this.acceptChunk(message, nowMs);
        return;
      case 'session-clock': {
        const session = this.sessions.get(message.sessionId);
        if (session) session.mediaZeroAtMs = message.mediaZeroAtMs;
        return;
      }
      case 'transition':
        this.acceptTransition(message.sessionId, message.detector, message.transition);
        return;
      case 'hls-figures':
        this.acceptHlsFigures(message.figures, message.transport);
        return;
      case 'heartbeat':
        this.cpuPercent = message.cpuPercent;
        this.decodedFramesPerSecond = message.decodedFramesPerSecond;
        this.rssMb = message.rssMb;
        this.pssMb = message.pssMb ?? null;
        this.receiveDrops += Math.max(0, message.receiveDrops - this.workerReceiveDrops);
        this.workerReceiveDrops = message.receiveDrops;
        return;
      case 'input-failed':
        if (this.state !== 'no-signal') this.state = 'degraded';
        if (message.code !== undefined && refusalCodes.has(message.code)) this.refuseInput(message, nowMs);
        return;
      case 'session-ended':
        this.endSession(message.sessionId, nowMs);
        return;
      case 'thumbnail':
        this.thumbnail = { jpeg: Buffer.from(message.jpeg), atMs: message.atMs };
        return;
      case 'evidence':
        this.onEvidence(message.incidentId, {
          thumbnailPath: message.thumbnailPath,
          clipPath: message.clipPath,
        });
        return;
    }
  }

  /**
   * The worker died, hung or was killed over its memory limit: its open conditions end now, and a
   * decoder-crash (or memory-limit) condition starts.
   */
  workerExited(nowMs: number, cause: WorkerExitCause = { kind: 'decoder-crash', detail: '' }): void {
    this.workerReceiveDrops = 0;
    for (const id of [...this.sessions.keys()]) this.endSession(id, nowMs);
    this.state = 'restarting';
    if (this.crashed === null) {
      this.crashed = cause.kind;
      const details = cause.detail === '' ? {} : { reason: cause.detail };
      this.incidents.conditionStarted({ kind: cause.kind }, nowMs, 'warning', details);
    }
  }

  /** The policy or the stream limits refused the input: a critical incident until an input opens. */
  private refuseInput(message: Extract<FromWorker, { type: 'input-failed' }>, nowMs: number): void {
    if (this.inputRefused) return;
    this.inputRefused = true;
    this.incidents.conditionStarted({ kind: 'input-refused' }, nowMs, 'critical', {
      code: message.code ?? '',
      reason: message.message,
    });
  }

  /** No chunk for `noSignalSeconds`: a no-signal condition from the last chunk (or the start). */
  checkSignal(nowMs: number): void {
    // Before the first chunk, allow the input time to open and probe.
    const since = this.lastChunkAtMs ?? this.startedAtMs + startupGraceMs;
    if (!this.noSignal && nowMs - since > this.noSignalSeconds * 1000) {
      this.noSignal = true;
      this.state = 'no-signal';
      this.incidents.conditionStarted({ kind: 'no-signal' }, since, 'critical', {
        noSignalSeconds: this.noSignalSeconds,
      });
    }
  }

  private acceptChunk(message: Extract<FromWorker, { type: 'chunk' }>, nowMs: number): void {
    const session = this.sessions.get(message.sessionId);
    const mediaZeroAtMs =
      session?.mediaZeroAtMs ?? nowMs - (message.startSeconds + message.durationSeconds) * 1000;
    const chunkEndAtMs = mediaZeroAtMs + (message.startSeconds + message.durationSeconds) * 1000;
    this.lastChunkAtMs = nowMs;
    this.processingLagSeconds = Math.max(0, Math.round(message.analysedAtMs - chunkEndAtMs) / 1000);
    // Figures received on their own (HLS) were counted on receipt; the chunk's own are counted here.
    this.transport.add(message.measurements['transport']);
    const measurements = this.withPendingFigures(message.measurements);
    this.latest = measurements;
    this.chunks += 1;
    this.state = 'ok';
    if (this.noSignal) {
      this.noSignal = false;
      this.incidents.conditionEnded({ kind: 'no-signal' }, nowMs);
    }
    if (this.crashed !== null) {
      this.incidents.conditionEnded({ kind: this.crashed }, nowMs);
      this.crashed = null;
    }
    this.onChunk({
      channelId: this.spec.id,
      sessionId: message.sessionId,
      chunkIndex: message.chunkIndex,
      startedAtMs: Math.round(mediaZeroAtMs + message.startSeconds * 1000),
      durationSeconds: message.durationSeconds,
      measurements,
    });
  }

  /** Checked on receipt: the counters take them now, the next chunk row carries them. */
  private acceptHlsFigures(figures: unknown, transport: unknown): void {
    const read = readHlsFigures(figures);
    if (!read) return;
    this.hls.add(read);
    this.pendingHls = this.pendingHls ? mergeHlsFigures(this.pendingHls, read) : read;
    const segments = transport === undefined ? null : readTransportFigures(transport);
    if (!segments) return;
    this.transport.add(segments);
    this.pendingTransport = this.pendingTransport
      ? mergeTransportFigures(this.pendingTransport, segments)
      : segments;
  }

  /** A chunk's measurements with the HLS and HLS segment transport figures that came since the last one. */
  private withPendingFigures(
    measurements: Readonly<Record<string, unknown>>,
  ): Readonly<Record<string, unknown>> {
    const hls = this.pendingHls;
    const pending = this.pendingTransport;
    this.pendingHls = null;
    this.pendingTransport = null;
    if (!hls && !pending) return measurements;
    const own = pending ? readTransportFigures(measurements['transport']) : null;
    return {
      ...measurements,
      ...(hls ? { hls } : {}),
      ...(pending ? { transport: own ? mergeTransportFigures(pending, own) : pending } : {}),
    };
  }

  private acceptTransition(sessionId: string, detector: string, transition: EventTransition): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    const eventId = `${detector}\u0000${transition.key}`;
    if (transition.kind === 'open') {
      const key: ConditionKey =
        transition.channel === undefined
          ? { kind: detector }
          : { kind: detector, channel: transition.channel };
      session.openEvents.set(eventId, key);
      this.incidents.conditionStarted(
        key,
        session.mediaZeroAtMs + transition.startSeconds * 1000,
        transition.severity,
        transition.details,
      );
    } else {
      const key = session.openEvents.get(eventId);
      if (!key) return;
      session.openEvents.delete(eventId);
      this.incidents.conditionEnded(
        key,
        session.mediaZeroAtMs + transition.endSeconds * 1000,
        transition.details,
      );
    }
  }

  private endSession(sessionId: string, nowMs: number): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    for (const key of session.openEvents.values()) this.incidents.conditionEnded(key, nowMs);
    this.sessions.delete(sessionId);
  }
}

function hlsField(view: HlsTotalsView | null): { hls?: HlsTotalsView } {
  return view ? { hls: view } : {};
}

function transportField(view: TransportTotalsView | null): { transport?: TransportTotalsView } {
  return view ? { transport: view } : {};
}
