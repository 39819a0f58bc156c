/**
 * `streamqc run --config file`: the long-running monitor with its storage, notifications and HTTP API.
 * SIGTERM and SIGINT stop the workers, flush every buffered result and notification, and exit 0.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import { startApiServer } from '../api/api-server.js';
import { archivingSink } from '../archive/archiving-sink.js';
import type { ApiToken } from '../api/auth.js';
import { minTokenLength, parseTokenHash, sha256Digest } from '../api/token-hash.js';
import { LeasedChannels } from '../cluster/leased-channels.js';
import { loadServiceConfig, resolveClusterConfig, type ServiceConfig } from '../config/service-config.js';
import { detectors as allDetectors } from '../detectors/registry.js';
import { StreamqcError } from '../errors/streamqc-error.js';
import { createNotifier, type NotificationTarget } from '../notify/notifier.js';
import { redactUrl } from '../service/model.js';
import { createServiceLogger } from '../service/service-logger.js';
import { Monitor } from '../service/monitor.js';
import { BatchedChunkWriter } from '../store/chunk-writer.js';
import { openMemoryStore } from '../store/memory-store.js';
import { openPostgresStore } from '../store/postgres-store.js';
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

/** The configured URL, else the one in the environment variable `urlEnv` names (keeps the password out of files). */
function postgresUrl(config: ServiceConfig['storage']['postgres']): string {
  const url = config.url ?? process.env[config.urlEnv];
  if (url === undefined || url === '') {
    throw new StreamqcError(
      'BAD_CONFIG',
      `storage.postgres.url: not set, and the environment variable ${config.urlEnv} is empty`,
    );
  }
  return url;
}

async function openStore(config: ServiceConfig, logger: Logger): Promise<ResultStore> {
  const { storage } = config;
  if (storage.kind === 'postgres') {
    const url = postgresUrl(storage.postgres);
    const store = await openPostgresStore({ ...storage.postgres, url });
    logger.info({ kind: 'postgres', url: redactUrl(url), schema: storage.postgres.schema }, 'store opened');
    return store;
  }
  if (storage.path === ':memory:') return openMemoryStore();
  mkdirSync(dirname(storage.path), { recursive: true });
  const store = openSqliteStore({ path: storage.path });
  logger.info({ kind: 'sqlite', path: storage.path }, 'store opened');
  return store;
}

/**
 * The configured tokens, plus an admin token from the environment variable the config names, if it is set
 * (only its hash is kept). A set but short value is refused rather than silently ignored.
 */
export function apiTokens(config: ServiceConfig, environment: NodeJS.ProcessEnv): ApiToken[] {
  const tokens = config.http.tokens.map((token) => {
    const hash = parseTokenHash(token.hash);
    // The schema has checked every hash; this cannot happen with a validated config.
    if (hash === null)
      throw new StreamqcError('BAD_CONFIG', `http.tokens: token '${token.name}' has no valid hash`);
    return { name: token.name, role: token.role, hash };
  });
  const fromEnvironment = environment[config.http.authTokenEnv];
  if (fromEnvironment === undefined || fromEnvironment === '') return tokens;
  if (fromEnvironment.length < minTokenLength) {
    throw new StreamqcError(
      'BAD_CONFIG',
      `${config.http.authTokenEnv}: the API token must be at least ${minTokenLength} characters`,
    );
  }
  const name = `env:${config.http.authTokenEnv}`;
  return [
    ...tokens,
    { name, role: 'admin', hash: { kind: 'sha256', digest: sha256Digest(fromEnvironment) } },
  ];
}

/** Starts the whole service from a validated config (used by the CLI, the demo and the tests). */
export async function startService(config: ServiceConfig, logger: Logger): Promise<RunningService> {
  const tokens = apiTokens(config, process.env);
  const clusterConfig = resolveClusterConfig(config);
  const cluster = clusterConfig
    ? new LeasedChannels({
        cluster: clusterConfig,
        allDetectorIds: allDetectors.map((d) => d.id),
        maxChannels: config.worker.maxChannels,
        logger,
      })
    : null;
  const store = await openStore(config, logger);
  const chunks = new BatchedChunkWriter({
    store,
    flushIntervalMs: config.storage.flushIntervalMs,
    onWriteError: (error, counters) =>
      logger.error(
        { err: error.message, pendingRows: counters.pendingRows, droppedRows: counters.droppedRows },
        'chunk write failed',
      ),
  });
  // Loaded only when configured: the AWS SDK adds most of a second and 20 MB to every command's start.
  const archive = config.archive.s3
    ? (await import('../archive/s3-result-archive.js')).createS3ResultArchive(config.archive.s3, logger)
    : null;
  const chunkSink = archive ? archivingSink(chunks, archive) : chunks;
  // zod's optional keys come out as `undefined`; the notifier's types want them absent.
  const targets = config.notifications.map(
    (target) =>
      Object.fromEntries(
        Object.entries(target).filter(([, value]) => value !== undefined),
      ) as unknown as NotificationTarget,
  );
  // Durable: notifications wait in the store's outbox, so a restart resumes them (src/notify/notifier.ts).
  const notifier = createNotifier({ targets, logger, outbox: { store } });
  const monitor = new Monitor({
    config,
    store,
    chunks: chunkSink,
    notifier,
    logger,
    ...(cluster ? { leases: cluster } : {}),
  });
  let api: Awaited<ReturnType<typeof startApiServer>>;
  try {
    await monitor.start();
    // Cluster mode: channels start as their leases are claimed.
    await cluster?.start(monitor);
    api = await startApiServer({
      api: monitor,
      port: config.http.port,
      host: config.http.host,
      tokens,
      anonymousReads: config.http.anonymousReads,
      rateLimits: config.http.rateLimit,
      corsOrigins: config.http.corsOrigins,
      bodyTimeoutMs: config.http.bodyTimeoutMs,
      evidenceDirectory: config.storage.evidenceDirectory,
      logger,
    });
  } catch (error) {
    // Stops what did start (workers, leases, the store's connections), so the one-line error ends the process.
    await cluster?.close().catch(() => undefined);
    await monitor.stop().catch(() => undefined);
    throw error;
  }
  logger.info(
    {
      url: api.url,
      channels: monitor.listChannels().length,
      tokens: tokens.map((token) => `${token.name} (${token.role})`),
      anonymousReads: config.http.anonymousReads,
    },
    'api listening',
  );
  return {
    monitor,
    apiUrl: api.url,
    async stop() {
      await api.close();
      await cluster?.close();
      await monitor.stop();
      await archive?.close();
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
  const logger = createServiceLogger(values['log-level'], pino.destination(2));
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
