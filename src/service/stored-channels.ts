/**
 * Channels this monitor does not run, seen through the shared store: with PostgreSQL every API node answers
 * for every channel, whichever node analyses it. Their status is rebuilt from what the running node stored
 * (its latest chunk row, the open incidents) at each refresh; what only lives in that node's memory (CPU,
 * frame rate, restarts, the live thumbnail) is not known here and stays empty.
 */
import type { ResultStore } from '../store/result-store.js';
import type { ChannelSpec, ChannelStatus, ChunkRecord } from './model.js';

export interface StoredChannelsOptions {
  readonly store: Pick<ResultStore, 'queryChunks' | 'listIncidents'>;
  readonly noSignalSeconds: number;
  /** How late a stored row may be besides the no-signal time: the other node's batch interval and more. */
  readonly writeDelayMs: number;
}

/** Open incidents are few; the cap only guards a refresh against a runaway store. */
const openIncidentScanLimit = 10_000;

export class StoredChannels {
  #statuses = new Map<string, ChannelStatus>();

  constructor(private readonly options: StoredChannelsOptions) {}

  list(): ChannelStatus[] {
    return [...this.#statuses.values()];
  }

  get(id: string): ChannelStatus | null {
    return this.#statuses.get(id) ?? null;
  }

  /**
   * Reads the store for `specs` (the channels run elsewhere) and forgets the others. Resolves with the
   * statuses that changed; rejects with the store's error, keeping the previous view.
   */
  async refresh(specs: readonly ChannelSpec[], nowMs: number): Promise<ChannelStatus[]> {
    if (specs.length === 0 && this.#statuses.size === 0) return [];
    const windowMs = this.options.noSignalSeconds * 1000 + this.options.writeDelayMs;
    const openByChannel = new Map<string, number>();
    const open = await this.options.store.listIncidents({ state: 'open', limit: openIncidentScanLimit });
    for (const incident of open) {
      openByChannel.set(incident.channelId, (openByChannel.get(incident.channelId) ?? 0) + 1);
    }
    const statuses = await Promise.all(
      specs.map(async (spec) => {
        // Oldest first: the last row of the window is the latest chunk.
        const recent = await this.options.store.queryChunks(spec.id, nowMs - 2 * windowMs, nowMs + windowMs);
        return statusOf(spec, recent.at(-1), openByChannel.get(spec.id) ?? 0, nowMs - windowMs);
      }),
    );
    const changed = statuses.filter(
      (status) => JSON.stringify(this.#statuses.get(status.id)) !== JSON.stringify(status),
    );
    this.#statuses = new Map(statuses.map((status) => [status.id, status]));
    return changed;
  }
}

function statusOf(
  spec: ChannelSpec,
  latest: ChunkRecord | undefined,
  openIncidents: number,
  freshAfterMs: number,
): ChannelStatus {
  const lastChunkAtMs = latest === undefined ? null : latest.startedAtMs + latest.durationSeconds * 1000;
  const state: ChannelStatus['state'] = !spec.enabled
    ? 'stopped'
    : lastChunkAtMs === null || lastChunkAtMs < freshAfterMs
      ? 'no-signal'
      : openIncidents > 0
        ? 'degraded'
        : 'ok';
  return {
    id: spec.id,
    name: spec.name,
    tags: spec.tags,
    url: spec.url,
    state,
    lastChunkAtMs,
    processingLagSeconds: null,
    decodedFramesPerSecond: null,
    cpuPercent: null,
    restarts: 0,
    openIncidents,
    latest: latest?.measurements ?? {},
  };
}
