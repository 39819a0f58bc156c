/** A ResultStore in memory: for tests and for `streamqc run --storage memory` (nothing kept after exit). */
import type { ChannelSpec, ChunkRecord, Incident } from '../service/model.js';
import { createMemoryOutbox } from './memory-outbox.js';
import type { IncidentFilter, ResultStore } from './result-store.js';

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function openMemoryStore(): ResultStore {
  const channels = new Map<string, ChannelSpec>();
  const chunks = new Map<string, ChunkRecord>();
  const incidents = new Map<string, Incident>();
  const { add: addNotifications, ...outbox } = createMemoryOutbox();
  // Async like every backend, so a caller that forgets an await fails here too.
  return {
    saveChannel: async (channel) => void channels.set(channel.id, channel),
    deleteChannel: async (id) => void channels.delete(id),
    listChannels: async () => [...channels.values()].sort((a, b) => byText(a.id, b.id)),
    async writeChunks(records) {
      for (const record of records) {
        const key = `${record.channelId}\u0000${record.sessionId}\u0000${record.chunkIndex}`;
        if (chunks.has(key)) continue;
        // Through JSON as in a database: -Infinity comes back as null here too, as it does in production.
        const measurements = JSON.parse(JSON.stringify(record.measurements)) as ChunkRecord['measurements'];
        chunks.set(key, { ...record, measurements });
      }
    },
    async queryChunks(channelId, fromMs, toMs, limit = 10_000) {
      return [...chunks.values()]
        .filter((c) => c.channelId === channelId && c.startedAtMs >= fromMs && c.startedAtMs < toMs)
        .sort((a, b) => a.startedAtMs - b.startedAtMs)
        .slice(0, limit);
    },
    async saveIncident(incident, notifications = []) {
      incidents.set(incident.id, incident);
      addNotifications(notifications);
    },
    getIncident: async (id) => incidents.get(id) ?? null,
    async listIncidents(filter: IncidentFilter) {
      return [...incidents.values()]
        .filter(
          (i) =>
            (filter.channelId === undefined || i.channelId === filter.channelId) &&
            (filter.state === undefined || i.state === filter.state) &&
            (filter.kind === undefined || i.kind === filter.kind) &&
            (filter.sinceMs === undefined || i.startedAtMs >= filter.sinceMs) &&
            (filter.untilMs === undefined || i.startedAtMs < filter.untilMs),
        )
        .sort((a, b) => b.startedAtMs - a.startedAtMs || byText(b.id, a.id))
        .slice(0, filter.limit ?? 1000);
    },
    async pruneChunks(olderThanMs) {
      let removed = 0;
      for (const [key, record] of chunks) {
        if (record.startedAtMs < olderThanMs) {
          chunks.delete(key);
          removed += 1;
        }
      }
      return removed;
    },
    ...outbox,
    close: async () => undefined,
  };
}
