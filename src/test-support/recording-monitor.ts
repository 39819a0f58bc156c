/**
 * A monitor for the service tests: an in-memory store that every analysed second goes straight into, and a
 * notifier that keeps every incident transition, so a test can look at both.
 */
import pino from 'pino';
import type { ServiceConfig } from '../config/service-config.js';
import type { IncidentTransition } from '../service/model.js';
import { Monitor, type ChunkSink, type TransitionSink } from '../service/monitor.js';
import { openMemoryStore } from '../store/memory-store.js';
import type { ResultStore } from '../store/result-store.js';

export interface RecordingMonitor {
  readonly monitor: Monitor;
  readonly store: ResultStore;
  /** Every transition, in order. */
  readonly transitions: IncidentTransition[];
}

export function recordingMonitor(config: ServiceConfig): RecordingMonitor {
  const store = openMemoryStore();
  const transitions: IncidentTransition[] = [];
  const chunks: ChunkSink = {
    add: (record) => void store.writeChunks([record]),
    flush: async () => undefined,
    close: async () => undefined,
  };
  const notifier: TransitionSink = {
    notify: (transition) => transitions.push(transition),
    flush: async () => undefined,
    counters: () => ({ failed: 0 }),
    close: async () => undefined,
  };
  const monitor = new Monitor({ config, store, chunks, notifier, logger: pino({ level: 'silent' }) });
  return { monitor, store, transitions };
}
