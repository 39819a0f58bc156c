/**
 * An in-memory MonitorApi for the API's tests (and for trying the API without decoding anything). It keeps
 * what it is given and records the queries it is asked, so tests can check what the API passed on.
 */
import { StreamqcError } from '../errors/streamqc-error.js';
import type { ChannelSpec, ChannelStatus, ChunkRecord, Incident } from '../service/model.js';
import type { ChannelInput, LiveEvent, MonitorApi, MonitorCounters } from '../service/monitor-api.js';
import type { IncidentFilter } from '../store/result-store.js';

export function fakeChannelStatus(id: string, fields: Partial<ChannelStatus> = {}): ChannelStatus {
  return {
    id,
    name: id,
    url: `udp://239.0.0.1:1234?channel=${id}`,
    state: 'ok',
    lastChunkAtMs: 1_700_000_000_000,
    processingLagSeconds: 1.5,
    decodedFramesPerSecond: 25,
    cpuPercent: 12.5,
    restarts: 0,
    openIncidents: 0,
    latest: {},
    ...fields,
  };
}

export function fakeIncident(id: string, fields: Partial<Incident> = {}): Incident {
  return {
    id,
    channelId: 'one',
    kind: 'black',
    severity: 'critical',
    state: 'open',
    startedAtMs: 1_700_000_000_000,
    raisedAtMs: 1_700_000_002_000,
    closedAtMs: null,
    acknowledgedAtMs: null,
    acknowledgedBy: null,
    details: { blackRatio: 1 },
    evidence: { thumbnailPath: null, clipPath: null },
    ...fields,
  };
}

export class FakeMonitorApi implements MonitorApi {
  ready = true;
  readonly channels = new Map<string, ChannelStatus>();
  readonly incidents = new Map<string, Incident>();
  readonly chunks: ChunkRecord[] = [];
  readonly evidencePaths = new Map<string, string>();
  readonly chunkQueries: { channelId: string; fromMs: number; toMs: number; limit: number | undefined }[] =
    [];
  readonly incidentQueries: IncidentFilter[] = [];
  readonly listeners = new Set<(event: LiveEvent) => void>();
  counterValues: MonitorCounters = {
    restartsByChannel: {},
    chunksByChannel: {},
    receiveDropsByChannel: {},
    incidentsRaised: 0,
    notificationsFailed: 0,
  };

  isReady(): boolean {
    return this.ready;
  }

  listChannels(): ChannelStatus[] {
    return [...this.channels.values()];
  }

  getChannel(id: string): ChannelStatus | null {
    return this.channels.get(id) ?? null;
  }

  addChannel(input: ChannelInput): Promise<ChannelStatus> {
    if (this.channels.has(input.id)) {
      return Promise.reject(new StreamqcError('BAD_CONFIG', `channel ${input.id} already exists`));
    }
    const status = fakeChannelStatus(input.id, {
      name: input.name ?? input.id,
      url: input.url,
      state: 'starting',
    });
    this.channels.set(input.id, status);
    return Promise.resolve(status);
  }

  updateChannel(id: string, patch: Partial<Omit<ChannelSpec, 'id'>>): Promise<ChannelStatus | null> {
    const current = this.channels.get(id);
    if (!current) return Promise.resolve(null);
    const updated: ChannelStatus = {
      ...current,
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.url === undefined ? {} : { url: patch.url }),
      ...(patch.enabled === false ? { state: 'stopped' as const } : {}),
    };
    this.channels.set(id, updated);
    return Promise.resolve(updated);
  }

  removeChannel(id: string): Promise<boolean> {
    return Promise.resolve(this.channels.delete(id));
  }

  async listIncidents(filter: IncidentFilter): Promise<Incident[]> {
    this.incidentQueries.push(filter);
    const matching = [...this.incidents.values()].filter(
      (incident) =>
        (filter.channelId === undefined || incident.channelId === filter.channelId) &&
        (filter.state === undefined || incident.state === filter.state) &&
        (filter.kind === undefined || incident.kind === filter.kind) &&
        (filter.sinceMs === undefined || incident.startedAtMs >= filter.sinceMs) &&
        (filter.untilMs === undefined || incident.startedAtMs < filter.untilMs),
    );
    return matching.slice(0, filter.limit);
  }

  async getIncident(id: string): Promise<Incident | null> {
    return this.incidents.get(id) ?? null;
  }

  acknowledgeIncident(id: string, by: string): Incident | null {
    const incident = this.incidents.get(id);
    // Like the monitor: only incidents still open can be acknowledged.
    if (!incident || incident.state !== 'open') return null;
    const acknowledged: Incident = { ...incident, acknowledgedAtMs: 1_700_000_005_000, acknowledgedBy: by };
    this.incidents.set(id, acknowledged);
    return acknowledged;
  }

  async queryChunks(channelId: string, fromMs: number, toMs: number, limit?: number): Promise<ChunkRecord[]> {
    this.chunkQueries.push({ channelId, fromMs, toMs, limit });
    return this.chunks
      .filter(
        (chunk) => chunk.channelId === channelId && chunk.startedAtMs >= fromMs && chunk.startedAtMs < toMs,
      )
      .slice(0, limit);
  }

  async evidenceFile(incidentId: string, kind: 'thumbnail' | 'clip'): Promise<string | null> {
    return this.evidencePaths.get(`${incidentId}:${kind}`) ?? null;
  }

  counters(): MonitorCounters {
    return this.counterValues;
  }

  /** Live thumbnails by channel id; tests set them. */
  readonly thumbnails = new Map<string, { readonly jpeg: Buffer; readonly atMs: number }>();

  liveThumbnail(channelId: string): { readonly jpeg: Buffer; readonly atMs: number } | null {
    return this.thumbnails.get(channelId) ?? null;
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
