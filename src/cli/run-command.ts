/**
 * `streamqc run --config file`: the long-running monitor with its storage, notifications and HTTP API.
 * SIGTERM and SIGINT stop the workers, flush every buffered result and notification, and exit 0.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import { startApiServer } from '../api/api-server.js';
import { LeasedChannels } from '../cluster/leased-channels.js';
import { loadServiceConfig, resolveClusterConfig, type ServiceConfig } from '../config/service-config.js';
import { detectors as allDetectors } from '../detectors/registry.js';
import { StreamqcError } from '../errors/streamqc-error.js';
import { createNotifier, type NotificationTarget } from '../notify/notifier.js';
import { Monitor } from '../service/monitor.js';
import { BatchedChunkWriter } from '../store/chunk-writer.js';
import { openMemoryStore } from '../store/memory-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { ResultStore } from '../store/result-store.js';

export interface RunningService {
  readonly monitor: Monitor;
  readonly apiUrl: string;
  stop(): Promise<void>;
}

function parseShard(value: string | undefined): { shardIndex: number; shardCount: number } | null {
  if (value === undefined) return null;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count)
    throw new StreamqcError('BAD_USAGE', `--shard must be INDEX/COUNT with INDEX < COUNT, not '${value}'`);
  return { shardIndex: index, shardCount: count };
}

function openStore(config: ServiceConfig): ResultStore {
  if (config.storage.path === ':memory:') return openMemoryStore();
  mkdirSync(dirname(config.storage.path), { recursive: true });
  return openSqliteStore({ path: config.storage.path });
}

/** Starts the whole service from a validated config (used by the CLI, the demo and the tests). */
export async function startService(config: ServiceConfig, logger: Logger): Promise<RunningService> {
  const clusterConfig = resolveClusterConfig(config);
  const cluster = clusterConfig
    ? new LeasedChannels({
        cluster: clusterConfig,
        allDetectorIds: allDetectors.map((d) => d.id),
        logger,
      })
    : null;
  const store = openStore(config);
  const chunks = new BatchedChunkWriter({
    store,
    flushIntervalMs: config.storage.flushIntervalMs,
    onWriteError: (error, counters) =>
      logger.error(
        { err: error.message, pendingRows: counters.pendingRows, droppedRows: counters.droppedRows },
        'chunk write failed',
      ),
  });
  // zod's optional keys come out as `undefined`; the notifier's types want them absent.
  const targets = config.notifications.map(
    (target) =>
      Object.fromEntries(
        Object.entries(target).filter(([, value]) => value !== undefined),
      ) as unknown as NotificationTarget,
  );
  const notifier = createNotifier({ targets, logger });
  const monitor = new Monitor({
    config,
    store,
    chunks,
    notifier,
    logger,
    ...(cluster ? { leases: cluster } : {}),
  });
  await monitor.start();
  // Cluster mode: channels start as their leases are claimed.
  await cluster?.start(monitor).catch(async (error: unknown) => {
    await monitor.stop();
    throw error;
  });
  const authToken = config.http.authToken ?? process.env[config.http.authTokenEnv] ?? null;
  const api = await startApiServer({
    api: monitor,
    port: config.http.port,
    host: config.http.host,
    authToken,
    logger,
  });
  logger.info(
    { url: api.url, channels: monitor.listChannels().length, changesAllowed: authToken !== null },
    'api listening',
  );
  return {
    monitor,
    apiUrl: api.url,
    async stop() {
      await api.close();
      await cluster?.close();
      await monitor.stop();
    },
  };
}

export async function runCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      detectors: { type: 'string' },
      shard: { type: 'string' },
      port: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  if (!values.config) throw new StreamqcError('BAD_USAGE', 'run needs --config <file>');
  const loaded = await loadServiceConfig(values.config);
  const shard = parseShard(values.shard);
  const detectorIds = values.detectors
    ?.split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (loaded.cluster && (shard || detectorIds))
    throw new StreamqcError(
      'BAD_USAGE',
      '--shard and --detectors do not apply with cluster (use cluster.detectorGroups)',
    );
  const port = values.port === undefined ? loaded.http.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new StreamqcError('BAD_USAGE', '--port must be 0-65535');
  const config: ServiceConfig = {
    ...loaded,
    http: { ...loaded.http, port },
    worker: { ...loaded.worker, ...(shard ?? {}), ...(detectorIds ? { detectors: detectorIds } : {}) },
  };
  const logger = pino({ level: values['log-level'] }, pino.destination(2));
  const service = await startService(config, logger);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  await service.stop();
  return 0;
}

export async function validateConfigCommand(args: string[]): Promise<number> {
  const [path] = args;
  if (!path) throw new StreamqcError('BAD_USAGE', 'validate-config needs a file');
  const config = await loadServiceConfig(path);
  process.stdout.write(
    `${path}: valid (${config.channels.length} channel(s), ${config.notifications.length} notification target(s))\n`,
  );
  return 0;
}
