/**
 * The running monitor: one supervised worker per channel, one incident engine per channel, batched
 * result writes, notifications and a live feed. Implements MonitorApi for the HTTP layer.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  alertRuleFor,
  channelSchema,
  crossCheck,
  type ChannelConfig,
  type ServiceConfig,
} from '../config/service-config.js';
import { detectors as allDetectors } from '../detectors/registry.js';
import { StreamqcError } from '../errors/streamqc-error.js';
import { ChannelIncidents } from '../incidents/channel-incidents.js';
import type { IncidentFilter, ResultStore } from '../store/result-store.js';
import { ChannelRuntime } from './channel-runtime.js';
import { ChannelSupervisor } from './channel-supervisor.js';
import type { ChannelInput, LiveEvent, MonitorApi, MonitorCounters } from './monitor-api.js';
import type { ChannelSpec, ChannelStatus, ChunkRecord, Incident, IncidentTransition } from './model.js';

/** Where chunk rows go: a batched writer in production. */
export interface ChunkSink {
  add(record: ChunkRecord): void;
  flush(): void;
  close(): void;
}

/** Where incident transitions go besides storage and the live feed. */
export interface TransitionSink {
  notify(transition: IncidentTransition): void;
  flush(timeoutMs: number): Promise<void>;
  counters(): { readonly failed: number };
  close(): Promise<void>;
}

export interface MonitorOptions {
  readonly config: ServiceConfig;
  readonly store: ResultStore;
  readonly chunks: ChunkSink;
  readonly notifier: TransitionSink;
  readonly logger: Logger;
  readonly heartbeatIntervalMs?: number;
}

/** Stable share of the channels for worker `index` of `count` (FNV-1a of the id). */
export function channelShard(id: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return hash % count;
}

/** Pruning often keeps each delete short (it blocks the event loop): about 6,000 rows at 100 channels. */
const retentionCheckMs = 60_000;

export class Monitor implements MonitorApi {
  private readonly channels = new Map<string, ChannelRuntime>();
  /** Incidents whose save failed (store down): the latest version of each, saved again on every tick. */
  private readonly unsavedIncidents = new Map<string, Incident>();
  private readonly live = new EventEmitter();
  private readonly config: ServiceConfig;
  private timer: NodeJS.Timeout | null = null;
  private lastPruneMs = 0;
  private ready = false;
  private incidentsRaised = 0;

  constructor(private readonly options: MonitorOptions) {
    this.config = options.config;
    this.live.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const stored = this.options.store.listChannels();
    const byId = new Map<string, ChannelSpec>(stored.map((c) => [c.id, c]));
    for (const channel of this.config.channels)
      byId.set(channel.id, { ...channel, name: channel.name ?? channel.id });
    const openByChannel = new Map<string, Incident[]>();
    for (const incident of this.options.store.listIncidents({ state: 'open' })) {
      openByChannel.set(incident.channelId, [...(openByChannel.get(incident.channelId) ?? []), incident]);
    }
    for (const spec of byId.values()) {
      if (!this.ownsChannel(spec.id)) continue;
      const runtime = this.addRuntime(spec);
      for (const incident of openByChannel.get(spec.id) ?? []) runtime.incidents.adopt(incident, Date.now());
    }
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    this.ready = true;
    this.options.logger.info({ channels: this.channels.size }, 'monitor started');
    await Promise.resolve();
  }

  /** Stops every worker, then writes what is buffered: nothing analysed is lost on SIGTERM. */
  async stop(): Promise<void> {
    this.ready = false;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.channels.values()].map((runtime) => runtime.supervisor?.stop()));
    this.tick();
    this.options.chunks.flush();
    await this.options.notifier.flush(5000);
    this.options.chunks.close();
    await this.options.notifier.close();
    this.options.store.close();
    this.options.logger.info({}, 'monitor stopped');
  }

  isReady(): boolean {
    return this.ready;
  }

  listChannels(): ChannelStatus[] {
    return [...this.channels.values()].map((runtime) => runtime.status());
  }

  getChannel(id: string): ChannelStatus | null {
    return this.channels.get(id)?.status() ?? null;
  }

  async addChannel(input: ChannelInput): Promise<ChannelStatus> {
    const channel = this.validateChannel(input);
    if (this.channels.has(channel.id))
      throw new StreamqcError('BAD_CONFIG', `id: channel '${channel.id}' exists`);
    const spec: ChannelSpec = { ...channel, name: channel.name ?? channel.id };
    this.options.store.saveChannel(spec);
    const runtime = this.addRuntime(spec);
    await Promise.resolve();
    return runtime.status();
  }

  /** Validates the changed channel before touching the running one, so a bad patch changes nothing. */
  async updateChannel(id: string, patch: Partial<Omit<ChannelSpec, 'id'>>): Promise<ChannelStatus | null> {
    const existing = this.channels.get(id);
    if (!existing) return null;
    const merged = { ...existing.spec, ...patch, id };
    this.validateChannel(merged);
    await this.removeChannel(id);
    return this.addChannel(merged);
  }

  /** The schema and the cross-checks (known detectors, valid settings) of a channel added at runtime. */
  private validateChannel(input: unknown): ChannelConfig {
    const parsed = channelSchema.safeParse(input);
    if (!parsed.success) {
      throw new StreamqcError(
        'BAD_CONFIG',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    const problems = crossCheck({ ...this.config, channels: [parsed.data], maintenance: [] });
    if (problems.length > 0) throw new StreamqcError('BAD_CONFIG', problems.join('; '));
    return parsed.data;
  }

  async removeChannel(id: string): Promise<boolean> {
    const runtime = this.channels.get(id);
    if (!runtime) return false;
    this.channels.delete(id);
    await runtime.supervisor?.stop();
    this.options.store.deleteChannel(id);
    return true;
  }

  listIncidents(filter: IncidentFilter): Incident[] {
    return this.options.store.listIncidents(filter);
  }

  getIncident(id: string): Incident | null {
    return this.options.store.getIncident(id);
  }

  acknowledgeIncident(id: string, by: string): Incident | null {
    for (const runtime of this.channels.values()) {
      const incident = runtime.incidents.acknowledge(id, by, Date.now());
      if (incident) return incident;
    }
    return null;
  }

  /** Rows still in the batch buffer (at most one flush interval) are not seen yet. */
  queryChunks(channelId: string, fromMs: number, toMs: number, limit?: number): ChunkRecord[] {
    return this.options.store.queryChunks(channelId, fromMs, toMs, limit);
  }

  evidenceFile(incidentId: string, kind: 'thumbnail' | 'clip'): string | null {
    const incident = this.options.store.getIncident(incidentId);
    return (kind === 'thumbnail' ? incident?.evidence.thumbnailPath : incident?.evidence.clipPath) ?? null;
  }

  counters(): MonitorCounters {
    const runtimes = [...this.channels.values()];
    return {
      restartsByChannel: Object.fromEntries(runtimes.map((r) => [r.spec.id, r.supervisor?.restarts ?? 0])),
      chunksByChannel: Object.fromEntries(runtimes.map((r) => [r.spec.id, r.chunks])),
      receiveDropsByChannel: Object.fromEntries(runtimes.map((r) => [r.spec.id, r.receiveDrops])),
      transportErrorsByChannel: Object.fromEntries(
        runtimes.flatMap((r) => {
          const view = r.transport.view();
          return view ? [[r.spec.id, view.counts]] : [];
        }),
      ),
      incidentsRaised: this.incidentsRaised,
      notificationsFailed: this.options.notifier.counters().failed,
    };
  }

  liveThumbnail(channelId: string): { readonly jpeg: Buffer; readonly atMs: number } | null {
    return this.channels.get(channelId)?.thumbnail ?? null;
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.live.on('event', listener);
    return () => this.live.off('event', listener);
  }

  /** Kills a channel's worker as a crash would (fault-injection tests). */
  killWorker(channelId: string): void {
    this.channels.get(channelId)?.supervisor?.kill('SIGKILL');
  }

  private ownsChannel(id: string): boolean {
    return channelShard(id, this.config.worker.shardCount) === this.config.worker.shardIndex;
  }

  private detectorIdsFor(spec: ChannelSpec): string[] {
    const workerIds = this.config.worker.detectors ?? allDetectors.map((d) => d.id);
    const wanted = spec.detectors.length > 0 ? spec.detectors : workerIds;
    return wanted.filter((id) => workerIds.includes(id));
  }

  private addRuntime(spec: ChannelSpec): ChannelRuntime {
    const maintenance = this.config.maintenance
      .filter((w) => w.channel === spec.id)
      .map((w) => ({ fromMs: Date.parse(w.fromIso), untilMs: Date.parse(w.untilIso) }));
    const incidents = new ChannelIncidents({
      channelId: spec.id,
      ruleFor: (kind) => alertRuleFor(this.config, kind),
      flappingWindowSeconds: this.config.alerts.flappingWindowSeconds,
      flappingMaxRaises: this.config.alerts.flappingMaxRaises,
      flappingClearSeconds: this.config.alerts.flappingClearSeconds,
      inMaintenance: (nowMs) => maintenance.some((w) => nowMs >= w.fromMs && nowMs < w.untilMs),
      onTransition: (transition) => this.onIncidentTransition(transition),
    });
    const runtime = new ChannelRuntime(
      spec,
      incidents,
      this.config.noSignalSeconds,
      (record) => this.options.chunks.add(record),
      (incidentId, evidence) => {
        const updated =
          incidents.attachEvidence(incidentId, evidence) ?? this.withEvidence(incidentId, evidence);
        if (updated) this.saveIncident(updated);
      },
    );
    this.channels.set(spec.id, runtime);
    if (!spec.enabled) {
      runtime.state = 'stopped';
      return runtime;
    }
    runtime.supervisor = new ChannelSupervisor({
      channel: spec,
      detectorIds: this.detectorIdsFor(spec),
      connectTimeoutMs: this.config.worker.connectTimeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 1000,
      heartbeatTimeoutMs: this.config.worker.heartbeatTimeoutMs,
      maxRestartBackoffMs: this.config.worker.maxRestartBackoffMs,
      logger: this.options.logger,
      onMessage: (message) => {
        if (this.channels.get(spec.id) !== runtime) return;
        runtime.handle(message, Date.now());
        if (message.type === 'chunk') {
          runtime.incidents.evaluate(Date.now());
          this.live.emit('event', { type: 'status', channel: runtime.status() } satisfies LiveEvent);
        }
      },
      onExit: (kind) => {
        if (kind !== 'stopped' && this.channels.get(spec.id) === runtime) runtime.workerExited(Date.now());
      },
    });
    runtime.supervisor.start();
    return runtime;
  }

  /** Evidence can arrive after the incident was cleared: then it is added to the stored one. */
  private withEvidence(incidentId: string, evidence: Incident['evidence']): Incident | null {
    const stored = this.options.store.getIncident(incidentId);
    return stored ? { ...stored, evidence } : null;
  }

  private saveIncident(incident: Incident): void {
    this.unsavedIncidents.set(incident.id, incident);
    this.saveUnsavedIncidents();
  }

  /** Saving is idempotent (replace by id), so retrying the latest version of each is safe. */
  private saveUnsavedIncidents(): void {
    for (const [id, incident] of this.unsavedIncidents) {
      try {
        this.options.store.saveIncident(incident);
        this.unsavedIncidents.delete(id);
      } catch (error) {
        this.options.logger.error(
          {
            err: error instanceof Error ? error.message : String(error),
            unsaved: this.unsavedIncidents.size,
          },
          'cannot save incident: will retry',
        );
        return;
      }
    }
  }

  private onIncidentTransition(transition: IncidentTransition): void {
    if (transition.kind === 'raised') {
      this.incidentsRaised += 1;
      const runtime = this.channels.get(transition.incident.channelId);
      runtime?.supervisor?.captureEvidence(
        transition.incident.id,
        transition.incident.startedAtMs,
        this.config.storage.evidenceDirectory,
      );
    }
    this.saveIncident(transition.incident);
    this.options.notifier.notify(transition);
    this.live.emit('event', { type: 'incident', transition } satisfies LiveEvent);
    this.options.logger.info(
      { channel: transition.incident.channelId, kind: transition.incident.kind, transition: transition.kind },
      'incident transition',
    );
  }

  private tick(): void {
    const now = Date.now();
    if (this.unsavedIncidents.size > 0) this.saveUnsavedIncidents();
    for (const runtime of this.channels.values()) {
      if (runtime.spec.enabled) runtime.checkSignal(now);
      runtime.incidents.evaluate(now);
    }
    if (now - this.lastPruneMs > retentionCheckMs) {
      this.lastPruneMs = now;
      try {
        this.options.store.pruneChunks(now - this.config.storage.retentionDays * 86_400_000);
      } catch (error) {
        this.options.logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'retention prune failed',
        );
      }
    }
  }
}
