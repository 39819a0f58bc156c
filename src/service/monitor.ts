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
import { effectiveStreamLimits } from '../config/input-limits-config.js';
import { detectors as allDetectors } from '../detectors/registry.js';
import { EvidenceQuota } from '../evidence/evidence-quota.js';
import { StreamqcError } from '../errors/streamqc-error.js';
import { ChannelIncidents } from '../incidents/channel-incidents.js';
import type { OutboxEntry } from '../store/notification-outbox.js';
import type { IncidentFilter, ResultStore } from '../store/result-store.js';
import { ChannelRuntime } from './channel-runtime.js';
import { ChannelSupervisor } from './channel-supervisor.js';
import { detectionDelaysFor } from './detection-delays.js';
import { StoredChannels } from './stored-channels.js';
import type {
  ChannelInput,
  ClusterStatusView,
  LiveEvent,
  MonitorApi,
  MonitorCounters,
} from './monitor-api.js';
import type { ChannelSpec, ChannelStatus, ChunkRecord, Incident, IncidentTransition } from './model.js';

/** Where chunk rows go: a batched writer in production. */
export interface ChunkSink {
  add(record: ChunkRecord): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Where incident transitions go besides storage and the live feed. */
export interface TransitionSink {
  notify(transition: IncidentTransition): void;
  /** Durable notifications: rows stored with the incident (one write), then `wake` once they are stored. */
  outboxEntries?(transition: IncidentTransition): readonly OutboxEntry[];
  wake?(): void;
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
  /** How often channels run by other nodes are read again from the store (default 5000). */
  readonly storedChannelsRefreshMs?: number;
  /**
   * Cluster mode (src/cluster/): channels run only when started through `startChannel` (a lease was won),
   * and a channel's results are dropped whenever `mayRun` says its lease is gone. Absent: the static shard.
   */
  readonly leases?: ChannelFence;
}

export interface ChannelFence {
  mayRun(channelId: string): boolean;
  /** This process's id in the cluster: session ids start with it. */
  readonly workerId?: string;
  /** The cluster as the last lease round saw it (metrics, /readyz). */
  clusterStatus?(): ClusterStatusView;
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
  /** Every channel this monitor knows (config and store), running here or not. */
  private readonly known = new Map<string, ChannelSpec>();
  /** Cluster mode: the detectors each channel was started with here. */
  private readonly leasedDetectorIds = new Map<string, readonly string[]>();
  /** Incidents whose save failed (store down): the latest version of each, saved again on every tick. */
  private readonly unsavedIncidents = new Map<string, Incident>();
  /** Outbox rows of those incidents, saved with them (in order; an array is replaced, never changed). */
  private readonly unsavedNotifications = new Map<string, readonly OutboxEntry[]>();
  /** The running save of `unsavedIncidents`: one at a time, so an older version never lands last. */
  private savingIncidents: Promise<void> | null = null;
  private pruning: Promise<void> | null = null;
  /** Channels in the store or the config that other nodes run (another shard, or added there). */
  private readonly storedChannels: StoredChannels;
  private storedChannelsRefresh: Promise<void> | null = null;
  private lastStoredChannelsRefreshMs = 0;
  private readonly live = new EventEmitter();
  private readonly config: ServiceConfig;
  private timer: NodeJS.Timeout | null = null;
  private lastPruneMs = 0;
  private ready = false;
  private incidentsRaised = 0;
  private readonly evidenceQuota: EvidenceQuota;

  constructor(private readonly options: MonitorOptions) {
    this.config = options.config;
    this.live.setMaxListeners(0);
    this.storedChannels = new StoredChannels({
      store: options.store,
      noSignalSeconds: this.config.noSignalSeconds,
      writeDelayMs: 2 * this.config.storage.flushIntervalMs + 2000,
    });
    this.evidenceQuota = new EvidenceQuota({
      directory: this.config.storage.evidenceDirectory,
      maxBytes: this.config.storage.evidenceQuotaMb * 1024 * 1024,
      onSweep: (result) => options.logger.info(result, 'evidence over its quota: oldest files deleted'),
      onError: (error) =>
        options.logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'evidence quota sweep failed',
        ),
    });
  }

  async start(): Promise<void> {
    const stored = await this.options.store.listChannels();
    const byId = new Map<string, ChannelSpec>(stored.map((c) => [c.id, c]));
    for (const channel of this.config.channels)
      byId.set(channel.id, { ...channel, name: channel.name ?? channel.id });
    const openByChannel = new Map<string, Incident[]>();
    for (const incident of await this.options.store.listIncidents({ state: 'open' })) {
      openByChannel.set(incident.channelId, [...(openByChannel.get(incident.channelId) ?? []), incident]);
    }
    const owned = [...byId.values()].filter((spec) => this.ownsChannel(spec.id));
    if (owned.length > this.config.worker.maxChannels) {
      throw new StreamqcError(
        'BAD_CONFIG',
        `${owned.length} channels for this monitor, over worker.maxChannels (${this.config.worker.maxChannels})`,
      );
    }
    this.evidenceQuota.request();
    for (const spec of byId.values()) {
      this.known.set(spec.id, spec);
      if (!this.ownsChannel(spec.id)) continue;
      const runtime = this.addRuntime(spec);
      for (const incident of openByChannel.get(spec.id) ?? []) runtime.incidents.adopt(incident, Date.now());
    }
    await this.refreshStoredChannels();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    this.ready = true;
    this.options.logger.info({ channels: this.channels.size }, 'monitor started');
  }

  /** Stops every worker, then writes what is buffered: nothing analysed is lost on SIGTERM. */
  async stop(): Promise<void> {
    this.ready = false;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.channels.values()].map((runtime) => runtime.supervisor?.stop()));
    this.tick();
    await Promise.all([this.storedChannelsRefresh, this.pruning]);
    await this.saveUnsavedIncidents();
    await this.options.chunks.flush();
    await this.options.notifier.flush(5000);
    await this.options.chunks.close();
    await this.options.notifier.close();
    await this.evidenceQuota.close();
    await this.options.store.close();
    this.options.logger.info({}, 'monitor stopped');
  }

  isReady(): boolean {
    return this.ready;
  }

  /** The channels run here, then those other nodes run (as last read from the store). */
  listChannels(): ChannelStatus[] {
    return [
      ...[...this.channels.values()].map((runtime) => runtime.status()),
      ...this.storedChannels.list().filter((status) => !this.channels.has(status.id)),
    ];
  }

  getChannel(id: string): ChannelStatus | null {
    return this.channels.get(id)?.status() ?? this.storedChannels.get(id);
  }

  async addChannel(input: ChannelInput): Promise<ChannelStatus> {
    const channel = this.validateChannel(input);
    if (this.channels.has(channel.id))
      throw new StreamqcError('BAD_CONFIG', `id: channel '${channel.id}' exists`);
    // Cluster mode runs a channel where its lease is won, not where it was added: the limit is static mode's.
    if (!this.options.leases && this.channels.size >= this.config.worker.maxChannels) {
      throw new StreamqcError(
        'BAD_CONFIG',
        `this monitor already runs ${this.channels.size} channels, its limit (worker.maxChannels)`,
      );
    }
    const spec: ChannelSpec = { ...channel, name: channel.name ?? channel.id };
    if (this.options.leases && this.known.has(spec.id))
      throw new StreamqcError('BAD_CONFIG', `id: channel '${channel.id}' exists`);
    await this.options.store.saveChannel(spec);
    this.known.set(spec.id, spec);
    if (this.options.leases) return notRunningStatus(spec);
    const runtime = this.addRuntime(spec);
    return runtime.status();
  }

  /** Validates the changed channel before touching the running one, so a bad patch changes nothing. */
  async updateChannel(id: string, patch: Partial<Omit<ChannelSpec, 'id'>>): Promise<ChannelStatus | null> {
    if (this.options.leases) return this.updateLeasedChannel(id, patch);
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
    if (!runtime && !(this.options.leases && this.known.has(id))) return false;
    this.channels.delete(id);
    this.known.delete(id);
    await runtime?.supervisor?.stop();
    await this.options.store.deleteChannel(id);
    return true;
  }

  /** Every channel this monitor knows, running here or not (cluster mode claims among these). */
  knownChannels(): ChannelSpec[] {
    return [...this.known.values()];
  }

  /**
   * Runs a known channel here with the given detectors (cluster mode: its lease was won), taking over its
   * open incidents from the store so a hand-over does not raise them again. False when unknown or running.
   */
  async startChannel(id: string, detectorIds: readonly string[]): Promise<boolean> {
    const spec = this.known.get(id);
    if (!spec || this.channels.has(id)) return false;
    const runtime = this.addRuntime(spec, detectorIds);
    this.leasedDetectorIds.set(id, detectorIds);
    for (const incident of await this.options.store.listIncidents({ state: 'open', channelId: id }))
      runtime.incidents.adopt(incident, Date.now());
    return true;
  }

  /** Stops running a channel here (cluster mode: its lease is lost or handed back); its settings stay. */
  async stopChannel(id: string): Promise<boolean> {
    const runtime = this.channels.get(id);
    if (!runtime) return false;
    this.channels.delete(id);
    await runtime.supervisor?.stop();
    return true;
  }

  /** Cluster mode: the new settings are stored; a channel running here restarts with its detectors. */
  private async updateLeasedChannel(
    id: string,
    patch: Partial<Omit<ChannelSpec, 'id'>>,
  ): Promise<ChannelStatus | null> {
    const existing = this.known.get(id);
    if (!existing) return null;
    const merged = this.validateChannel({ ...existing, ...patch, id });
    const spec: ChannelSpec = { ...merged, name: merged.name ?? id };
    const detectorIds = this.leasedDetectorIds.get(id);
    const wasRunning = await this.stopChannel(id);
    await this.options.store.saveChannel(spec);
    this.known.set(id, spec);
    if (wasRunning && detectorIds) await this.startChannel(id, detectorIds);
    return this.channels.get(id)?.status() ?? notRunningStatus(spec);
  }

  listIncidents(filter: IncidentFilter): Promise<Incident[]> {
    return this.options.store.listIncidents(filter);
  }

  getIncident(id: string): Promise<Incident | null> {
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
  queryChunks(channelId: string, fromMs: number, toMs: number, limit?: number): Promise<ChunkRecord[]> {
    return this.options.store.queryChunks(channelId, fromMs, toMs, limit);
  }

  async evidenceFile(incidentId: string, kind: 'thumbnail' | 'clip'): Promise<string | null> {
    const incident = await this.options.store.getIncident(incidentId);
    return (kind === 'thumbnail' ? incident?.evidence.thumbnailPath : incident?.evidence.clipPath) ?? null;
  }

  clusterStatus(): ClusterStatusView | null {
    return this.options.leases?.clusterStatus?.() ?? null;
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
      hlsByChannel: Object.fromEntries(
        runtimes.flatMap((r) => {
          const view = r.hls.view();
          return view ? [[r.spec.id, view]] : [];
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
    if (this.options.leases) return false;
    return channelShard(id, this.config.worker.shardCount) === this.config.worker.shardIndex;
  }

  private detectorIdsFor(spec: ChannelSpec): string[] {
    const workerIds = this.config.worker.detectors ?? allDetectors.map((d) => d.id);
    const wanted = spec.detectors.length > 0 ? spec.detectors : workerIds;
    return wanted.filter((id) => workerIds.includes(id));
  }

  /** A channel whose lease is gone records nothing more, even before its worker has been stopped. */
  private mayRun(id: string): boolean {
    return this.options.leases?.mayRun(id) ?? true;
  }

  private addRuntime(spec: ChannelSpec, leasedDetectorIds?: readonly string[]): ChannelRuntime {
    const detectorIds = leasedDetectorIds ?? this.detectorIdsFor(spec);
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
      detectionDelaySeconds: detectionDelaysFor(detectorIds, spec.detectorConfig),
    });
    const runtime = new ChannelRuntime(
      spec,
      incidents,
      this.config.noSignalSeconds,
      (record) => this.options.chunks.add(record),
      (incidentId, evidence) => {
        const updated = incidents.attachEvidence(incidentId, evidence);
        if (updated) this.saveIncident(updated);
        else void this.attachEvidenceToStored(incidentId, evidence);
        this.evidenceQuota.request();
      },
    );
    this.channels.set(spec.id, runtime);
    if (!spec.enabled) {
      runtime.state = 'stopped';
      return runtime;
    }
    runtime.supervisor = new ChannelSupervisor({
      channel: spec,
      detectorIds,
      connectTimeoutMs: this.config.worker.connectTimeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 1000,
      heartbeatTimeoutMs: this.config.worker.heartbeatTimeoutMs,
      maxRestartBackoffMs: this.config.worker.maxRestartBackoffMs,
      inputPolicy: this.config.inputs,
      streamLimits: effectiveStreamLimits(this.config.limits, spec.limits),
      memoryLimitMb: this.config.worker.memoryLimitMb,
      ...(this.options.leases?.workerId ? { sessionPrefix: this.options.leases.workerId } : {}),
      logger: this.options.logger,
      onMessage: (message) => {
        if (this.channels.get(spec.id) !== runtime || !this.mayRun(spec.id)) return;
        runtime.handle(message, Date.now());
        if (message.type === 'chunk') {
          runtime.incidents.evaluate(Date.now());
          this.live.emit('event', { type: 'status', channel: runtime.status() } satisfies LiveEvent);
        }
      },
      onExit: (kind, detail) => {
        if (kind === 'stopped' || this.channels.get(spec.id) !== runtime) return;
        runtime.workerExited(
          Date.now(),
          kind === 'memory-limit' ? { kind, detail } : { kind: 'decoder-crash', detail: '' },
        );
      },
    });
    runtime.supervisor.start();
    return runtime;
  }

  /**
   * Evidence can arrive after the incident was cleared: then it is added to the stored one (or to the
   * version still waiting to be saved, which is newer). Never rejects.
   */
  private async attachEvidenceToStored(incidentId: string, evidence: Incident['evidence']): Promise<void> {
    try {
      const stored =
        this.unsavedIncidents.get(incidentId) ?? (await this.options.store.getIncident(incidentId));
      // A newer version may have been queued while the store answered: the evidence goes on that one.
      const latest = this.unsavedIncidents.get(incidentId) ?? stored;
      if (latest) this.saveIncident({ ...latest, evidence });
    } catch (error) {
      this.options.logger.error(
        { err: error instanceof Error ? error.message : String(error), incidentId },
        'cannot attach evidence to a stored incident',
      );
    }
  }

  private saveIncident(incident: Incident, notifications: readonly OutboxEntry[] = []): void {
    this.unsavedIncidents.set(incident.id, incident);
    if (notifications.length > 0) {
      const waiting = this.unsavedNotifications.get(incident.id) ?? [];
      this.unsavedNotifications.set(incident.id, [...waiting, ...notifications]);
    }
    void this.saveUnsavedIncidents();
  }

  /** Starts saving unless a save runs (it takes the new versions too); resolves when it ends, never rejects. */
  private saveUnsavedIncidents(): Promise<void> {
    if (this.savingIncidents === null && this.unsavedIncidents.size > 0) {
      this.savingIncidents = this.saveEachUnsavedIncident().finally(() => {
        this.savingIncidents = null;
      });
    }
    return this.savingIncidents ?? Promise.resolve();
  }

  /**
   * Saving is idempotent (replace by id), so retrying the latest version of each is safe. A version that
   * changed while it was being saved stays and is saved again.
   */
  private async saveEachUnsavedIncident(): Promise<void> {
    for (;;) {
      const next = this.unsavedIncidents.entries().next();
      if (next.done === true) return;
      const [id, incident] = next.value;
      const notifications = this.unsavedNotifications.get(id) ?? [];
      try {
        await this.options.store.saveIncident(incident, notifications);
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
      if (this.unsavedIncidents.get(id) === incident) this.unsavedIncidents.delete(id);
      if (notifications.length > 0) {
        const waiting = this.unsavedNotifications.get(id) ?? [];
        if (waiting.length > notifications.length) {
          // More came while this save ran, with a newer version of the incident: they go with it.
          this.unsavedNotifications.set(id, waiting.slice(notifications.length));
        } else this.unsavedNotifications.delete(id);
        this.options.notifier.wake?.();
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
    this.saveIncident(transition.incident, this.options.notifier.outboxEntries?.(transition));
    this.options.notifier.notify(transition);
    this.live.emit('event', { type: 'incident', transition } satisfies LiveEvent);
    this.options.logger.info(
      { channel: transition.incident.channelId, kind: transition.incident.kind, transition: transition.kind },
      'incident transition',
    );
  }

  /**
   * Reads the channels other nodes run: every channel in the store not running here, and the configured
   * channels of other shards. Only with a shared store (PostgreSQL): shards with SQLite files of their own
   * keep showing their own channels only. Never rejects: a failure keeps the previous view and is logged.
   */
  private refreshStoredChannels(): Promise<void> {
    if (this.config.storage.kind !== 'postgres') return Promise.resolve();
    this.storedChannelsRefresh ??= (async () => {
      try {
        const specs = new Map<string, ChannelSpec>();
        for (const channel of this.config.channels) {
          if (!this.ownsChannel(channel.id))
            specs.set(channel.id, { ...channel, name: channel.name ?? channel.id });
        }
        for (const spec of await this.options.store.listChannels()) specs.set(spec.id, spec);
        const elsewhere = [...specs.values()].filter((spec) => !this.channels.has(spec.id));
        const changed = await this.storedChannels.refresh(elsewhere, Date.now());
        for (const channel of changed)
          this.live.emit('event', { type: 'status', channel } satisfies LiveEvent);
      } catch (error) {
        this.options.logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'cannot read the channels other nodes run',
        );
      } finally {
        this.storedChannelsRefresh = null;
      }
    })();
    return this.storedChannelsRefresh;
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastStoredChannelsRefreshMs >= (this.options.storedChannelsRefreshMs ?? 5000)) {
      this.lastStoredChannelsRefreshMs = now;
      void this.refreshStoredChannels();
    }
    if (this.unsavedIncidents.size > 0) void this.saveUnsavedIncidents();
    for (const runtime of this.channels.values()) {
      if (!this.mayRun(runtime.spec.id)) continue;
      if (runtime.spec.enabled) runtime.checkSignal(now);
      runtime.incidents.evaluate(now);
    }
    if (now - this.lastPruneMs > retentionCheckMs && this.pruning === null) {
      this.lastPruneMs = now;
      this.pruning = this.prune(now - this.config.storage.retentionDays * 86_400_000).finally(() => {
        this.pruning = null;
      });
    }
  }

  /** Never rejects: a failed prune is logged and tried again at the next check. */
  private async prune(olderThanMs: number): Promise<void> {
    try {
      await this.options.store.pruneChunks(olderThanMs);
      await this.options.store.pruneNotifications(olderThanMs);
    } catch (error) {
      this.options.logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'retention prune failed',
      );
    }
  }
}

/** How the API shows a known channel that runs on another worker (cluster mode). */
function notRunningStatus(spec: ChannelSpec): ChannelStatus {
  return {
    id: spec.id,
    name: spec.name,
    tags: spec.tags,
    url: spec.url,
    state: 'starting',
    lastChunkAtMs: null,
    processingLagSeconds: null,
    decodedFramesPerSecond: null,
    cpuPercent: null,
    restarts: 0,
    openIncidents: 0,
    latest: {},
  };
}
