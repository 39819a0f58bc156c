/**
 * What the HTTP API (and anything else outside the monitor core) may ask of a running monitor. The API
 * layer depends on this interface only; tests drive it with a fake.
 */
import type { IncidentFilter } from '../store/result-store.js';
import type { HlsTotalsView } from './hls-totals.js';
import type { ChannelSpec, ChannelStatus, ChunkRecord, Incident, IncidentTransition } from './model.js';

export type LiveEvent =
  | { readonly type: 'incident'; readonly transition: IncidentTransition }
  | { readonly type: 'status'; readonly channel: ChannelStatus };

/** A channel as the API accepts it: everything but `id` and `url` has a default. */
export type ChannelInput = Partial<Omit<ChannelSpec, 'id' | 'url'>> & Pick<ChannelSpec, 'id' | 'url'>;

export interface MonitorCounters {
  /** Per channel: decoder restarts since start. */
  readonly restartsByChannel: Readonly<Record<string, number>>;
  /** Per channel: chunks analysed since start. */
  readonly chunksByChannel: Readonly<Record<string, number>>;
  /** Per channel: the monitor's own receive drops (not the stream's fault). */
  readonly receiveDropsByChannel: Readonly<Record<string, number>>;
  /** Per channel received by the monitor itself (UDP, RTP, SRT, HTTP TS) or HLS: TR 101 290 error counts by counter name. */
  readonly transportErrorsByChannel?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Per HLS channel: delivery counters since start, per playlist. */
  readonly hlsByChannel?: Readonly<Record<string, HlsTotalsView>>;
  readonly incidentsRaised: number;
  readonly notificationsFailed: number;
}

/** One cluster worker's view (src/cluster/lease-coordinator.ts), as the metrics and /readyz show it. */
export interface ClusterStatusView {
  readonly workerId: string;
  readonly heldTasks: number;
  /** `worker.maxChannels` (null: no limit). */
  readonly maxTasks: number | null;
  readonly liveWorkers: number;
  readonly tasks: number;
  /** Tasks beyond what every live worker together may hold. */
  readonly unassignedTasks: number;
}

export interface MonitorApi {
  /** True once storage is open and every enabled channel has been started. */
  isReady(): boolean;
  listChannels(): ChannelStatus[];
  getChannel(id: string): ChannelStatus | null;
  /** Rejects with StreamqcError('BAD_CONFIG', message naming each problem) when the input is invalid. */
  addChannel(input: ChannelInput): Promise<ChannelStatus>;
  updateChannel(id: string, patch: Partial<Omit<ChannelSpec, 'id'>>): Promise<ChannelStatus | null>;
  removeChannel(id: string): Promise<boolean>;
  listIncidents(filter: IncidentFilter): Promise<Incident[]>;
  getIncident(id: string): Promise<Incident | null>;
  acknowledgeIncident(id: string, by: string): Incident | null;
  queryChunks(channelId: string, fromMs: number, toMs: number, limit?: number): Promise<ChunkRecord[]>;
  /** Absolute path of an incident's evidence file, or null. */
  evidenceFile(incidentId: string, kind: 'thumbnail' | 'clip'): Promise<string | null>;
  counters(): MonitorCounters;
  /** Cluster mode: this worker's view of the leases; absent or null otherwise. */
  clusterStatus?(): ClusterStatusView | null;
  /** The channel's latest live thumbnail (JPEG, refreshed about every 2 s), or null. */
  liveThumbnail(channelId: string): { readonly jpeg: Buffer; readonly atMs: number } | null;
  /** Live feed for server-sent events; returns the unsubscribe function. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}
