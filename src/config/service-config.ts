/**
 * The `streamqc run` configuration file (YAML or JSON), validated once at start with every problem listed
 * by its path. `streamqc validate-config <file>` runs the same validation.
 */
import { isAbsolute, join, dirname } from 'node:path';
import { readConfigFile } from './read-config-file.js';
import { z } from 'zod';
import { StreamqcError } from '../errors/streamqc-error.js';
import { findDetector, detectors as allDetectors } from '../detectors/registry.js';
import { anonymousReadModes, apiRoles } from '../api/auth.js';
import { defaultRateLimits } from '../api/rate-limit.js';
import { parseTokenHash, tokenHashFormat } from '../api/token-hash.js';
import { postgresStoreDefaults, schemaNamePattern } from '../store/postgres-options.js';
import { hlsCheckNames, hlsDetectorId } from '../hls/hls-checks.js';
import { hlsConfigSchema } from '../hls/hls-config.js';
import { transportIncidentKinds } from '../transport/ts-checks.js';
import {
  channelLimitProblems,
  channelLimitsSchema,
  channelUrlProblems,
  inputsConfigSchema,
  limitsConfigSchema,
} from './input-limits-config.js';

const severitySchema = z.enum(['info', 'warning', 'critical']);

const alertRuleSchema = z
  .object({
    /** The condition must hold this long (from its start) before an incident is raised. */
    raiseAfterSeconds: z.number().min(0),
    /** The condition must be gone this long before the incident is cleared. */
    clearAfterSeconds: z.number().min(0),
    severity: severitySchema.optional(),
    enabled: z.boolean(),
  })
  .partial()
  .strict();

export const channelSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (at most 64)'),
    name: z.string().min(1).optional(),
    url: z.string().min(1),
    /** Play a local file in a loop at real-time speed (demos and tests). */
    loop: z.boolean().default(false),
    detectors: z.array(z.string()).default([]),
    detectorConfig: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    tags: z.array(z.string()).default([]),
    enabled: z.boolean().default(true),
    /** HLS delivery checks and the decoded rendition, for a channel whose URL is an HLS playlist. */
    hls: hlsConfigSchema.optional(),
    /**
     * UDP, RTP, SRT and HTTP MPEG-TS inputs: receive the bytes in the worker and run the TR 101 290 checks
     * on them (default). False lets FFmpeg read the protocol itself: no transport checks, a little less CPU.
     */
    transportChecks: z.boolean().optional(),
    /** This channel's own stream limits, each at most the deployment's `limits` (input-limits-config.ts). */
    limits: channelLimitsSchema.optional(),
  })
  .strict();

const notificationTargetSchema = z
  .object({
    id: z.string().min(1),
    kind: z.enum(['webhook', 'slack']),
    url: z.string().url(),
    headers: z.record(z.string(), z.string()).optional(),
    minSeverity: severitySchema.optional(),
    channels: z.array(z.string()).optional(),
    kinds: z.array(z.string()).optional(),
    maxPerMinute: z.number().int().positive().optional(),
    timeoutMs: z.number().int().positive().optional(),
    maxAttempts: z.number().int().positive().optional(),
  })
  .strict();

const maintenanceSchema = z
  .object({
    channel: z.string(),
    fromIso: z.string().datetime({ offset: true }),
    untilIso: z.string().datetime({ offset: true }),
    reason: z.string().optional(),
  })
  .strict();

const apiTokenSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 letters, digits, ".", "_" or "-"'),
    role: z.enum(apiRoles),
    hash: z.string().refine((hash) => parseTokenHash(hash) !== null, `expected ${tokenHashFormat}`),
  })
  .strict();

const originPattern = /^https?:\/\/[^/\s]+$/i;

const postgresSchema = z
  .object({
    /** `postgres://user:password@host:port/database`; `urlEnv` names an environment variable instead. */
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
      .optional(),
    urlEnv: z.string().default('STREAMQC_POSTGRES_URL'),
    /** The tables live in this schema (created if missing): deployments can share one database. */
    schema: z
      .string()
      .regex(schemaNamePattern, 'lower-case letters, digits and _ (at most 63)')
      .default(postgresStoreDefaults.schema),
    maxConnections: z.number().int().positive().default(postgresStoreDefaults.maxConnections),
    connectTimeoutMs: z.number().int().positive().default(postgresStoreDefaults.connectTimeoutMs),
    statementTimeoutMs: z.number().int().positive().default(postgresStoreDefaults.statementTimeoutMs),
  })
  .strict();

/** Many workers share the channels through leases in PostgreSQL (src/cluster/, docs/SCALE-OUT.md). */
const clusterSchema = z
  .object({
    /** postgres://user:password@host:port/database; `postgresUrlEnv` names an environment variable instead. */
    postgresUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
      .optional(),
    postgresUrlEnv: z.string().min(1).optional(),
    /** Schema of the lease tables (created when missing). */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _')
      .default('public'),
    /** Unique per running process; default: host name and process id. */
    workerId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, . _ -')
      .optional(),
    /** A dead worker's channels are free this long after its last renewal. */
    leaseSeconds: z.number().min(1).default(5),
    /** How often a worker renews, claims and hands back: take-over time is at most lease + this. */
    checkIntervalSeconds: z.number().positive().default(1),
    /** Split each channel's detectors into tasks that different workers may take: group name -> detector ids. */
    detectorGroups: z
      .record(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ -'), z.array(z.string()).min(1))
      .default({}),
  })
  .strict();

export const serviceConfigSchema = z
  .object({
    http: z
      .object({
        port: z.number().int().min(0).max(65535).default(8080),
        host: z.string().default('127.0.0.1'),
        /**
         * API tokens, stored hashed (`streamqc hash-token` prints the hash of a token read from stdin), each
         * with a name (logs, rate limits) and a role: `read` (every GET) or `admin` (reads and changes).
         */
        tokens: z.array(apiTokenSchema).default([]),
        /** Replaced by `tokens` (hashed): a token in clear in a config file is refused with a pointer. */
        authToken: z
          .never({
            error:
              'no longer accepted in clear: put its hash in http.tokens (streamqc hash-token) or the token in the environment variable named by http.authTokenEnv',
          })
          .optional(),
        /** Names an environment variable that may hold one more admin token, in clear (named `env:<name>`). */
        authTokenEnv: z.string().default('STREAMQC_API_TOKEN'),
        /** Reads without a token: from this machine only (default), never, or from anywhere. */
        anonymousReads: z.enum(anonymousReadModes).default('loopback'),
        rateLimit: z
          .object({
            perAddressPerMinute: z.number().int().positive().default(defaultRateLimits.perAddressPerMinute),
            perTokenPerMinute: z.number().int().positive().default(defaultRateLimits.perTokenPerMinute),
          })
          .strict()
          .prefault({}),
        /** Origins whose web pages may call the API (CORS), e.g. `https://ops.example.net`; default none. */
        corsOrigins: z.array(z.string().regex(originPattern, 'expected scheme://host[:port]')).default([]),
        /** A request body that takes longer than this to arrive is answered 408. */
        bodyTimeoutMs: z.number().int().positive().default(10_000),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        /** `sqlite`: one file (`path`; `:memory:` keeps nothing); `postgres`: a database many nodes share. */
        kind: z.enum(['sqlite', 'postgres']).default('sqlite'),
        path: z.string().default('streamqc-data/streamqc.db'),
        postgres: postgresSchema.prefault({}),
        evidenceDirectory: z.string().default('streamqc-data/evidence'),
        retentionDays: z.number().positive().default(7),
        flushIntervalMs: z.number().int().positive().default(1000),
        /** Evidence clips and pictures beyond this are deleted, oldest first. */
        evidenceQuotaMb: z.number().positive().default(2048),
      })
      .strict()
      .prefault({}),
    worker: z
      .object({
        /** Detectors this worker runs (default: all). Scale out by running copies with different subsets. */
        detectors: z.array(z.string()).optional(),
        /** This worker's share of the channels: channel i is taken when hash(id) % count === index. */
        shardIndex: z.number().int().min(0).default(0),
        shardCount: z.number().int().min(1).default(1),
        heartbeatTimeoutMs: z.number().int().positive().default(15_000),
        maxRestartBackoffMs: z.number().int().positive().default(60_000),
        connectTimeoutMs: z.number().int().positive().default(10_000),
        /** Channels this monitor runs at most (configured and added through the API). */
        maxChannels: z.number().int().positive().default(100),
        /** A channel's worker process whose resident memory passes this is killed and restarted. */
        memoryLimitMb: z.number().int().min(64).default(2048),
      })
      .strict()
      .prefault({}),
    /** Per-chunk results copied to object storage (docs/DEPLOYMENT.md); off unless `archive.s3` is set. */
    archive: z
      .object({
        s3: z
          .object({
            /** For S3-compatible stores (MinIO, Ceph, ...); AWS when absent. */
            endpoint: z.string().url().optional(),
            region: z.string().min(1),
            bucket: z.string().min(3),
            prefix: z.string().default('streamqc'),
            /** `bucket` in the path rather than the host name: most S3-compatible stores need it. */
            forcePathStyle: z.boolean().optional(),
            /** One object per channel per period. */
            periodSeconds: z.number().int().min(1).max(86_400).default(60),
            maxBufferedRecords: z.number().int().positive().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    inputs: inputsConfigSchema.prefault({}),
    limits: limitsConfigSchema.prefault({}),
    noSignalSeconds: z.number().positive().default(5),
    alerts: z
      .object({
        defaults: alertRuleSchema.prefault({}),
        rules: z.record(z.string(), alertRuleSchema).default({}),
        /** More raises than this within the window mark a condition as flapping: it then clears only after `flappingClearSeconds`. */
        flappingWindowSeconds: z.number().positive().default(600),
        flappingMaxRaises: z.number().int().positive().default(4),
        flappingClearSeconds: z.number().positive().default(120),
      })
      .strict()
      .prefault({}),
    notifications: z.array(notificationTargetSchema).default([]),
    maintenance: z.array(maintenanceSchema).default([]),
    channels: z.array(channelSchema).default([]),
    cluster: clusterSchema.optional(),
  })
  .strict();

export type ServiceConfig = z.output<typeof serviceConfigSchema>;
export type ChannelConfig = z.output<typeof channelSchema>;
/** The cluster section with the PostgreSQL URL resolved (from `postgresUrl` or `postgresUrlEnv`). */
export type ClusterConfig = Omit<z.output<typeof clusterSchema>, 'postgresUrl' | 'postgresUrlEnv'> & {
  readonly postgresUrl: string;
};

export interface AlertRule {
  readonly raiseAfterSeconds: number;
  readonly clearAfterSeconds: number;
  readonly severity: 'info' | 'warning' | 'critical' | null;
  readonly enabled: boolean;
}

/** Raise and clear times per incident kind; DOMAIN.md: broadcast probes raise at about 10 s and clear at 10 s. */
export function alertRuleFor(config: ServiceConfig, kind: string): AlertRule {
  const rule = { ...config.alerts.defaults, ...(config.alerts.rules[kind] ?? {}) };
  return {
    raiseAfterSeconds: rule.raiseAfterSeconds ?? defaultRaiseSeconds(kind),
    clearAfterSeconds: rule.clearAfterSeconds ?? 10,
    severity: rule.severity ?? null,
    enabled: rule.enabled ?? true,
  };
}

/** A transport error is an instant (TR 101 290 counts each one): waiting for it to last would hide it. */
function defaultRaiseSeconds(kind: string): number {
  return ['no-signal', 'decoder-crash', 'input-refused', 'memory-limit', ...transportIncidentKinds].includes(
    kind,
  )
    ? 0
    : 5;
}

function issuesToLines(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
}

/** Incident kinds the monitor raises itself, besides the detectors'. */
export const monitorIncidentKinds: readonly string[] = [
  'dead-channel',
  'no-signal',
  'decoder-crash',
  'input-refused',
  'memory-limit',
];

/** Checks what the schema cannot: unique ids, known detectors, per-detector settings, sharding. */
export function crossCheck(config: ServiceConfig): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const known = new Set(allDetectors.map((d) => d.id));
  const incidentKinds = new Set([...known, ...hlsCheckNames.map(hlsDetectorId), 'transport']);
  const checkDetectorList = (ids: readonly string[], path: string) =>
    ids.forEach((id, i) => {
      if (!known.has(id)) problems.push(`${path}.${i}: unknown detector '${id}'`);
    });
  if (config.worker.detectors) checkDetectorList(config.worker.detectors, 'worker.detectors');
  if (config.worker.shardIndex >= config.worker.shardCount) {
    problems.push(`worker.shardIndex: must be below worker.shardCount (${config.worker.shardCount})`);
  }
  config.channels.forEach((channel, index) => {
    const path = `channels.${index}`;
    if (seen.has(channel.id)) problems.push(`${path}.id: duplicate channel id '${channel.id}'`);
    seen.add(channel.id);
    checkDetectorList(channel.detectors, `${path}.detectors`);
    for (const [id, overrides] of Object.entries(channel.detectorConfig)) {
      const detector = findDetector(id);
      if (!detector) {
        problems.push(`${path}.detectorConfig.${id}: unknown detector`);
        continue;
      }
      const parsed = detector.configSchema.safeParse(overrides);
      if (!parsed.success) {
        problems.push(
          ...issuesToLines(parsed.error.issues).map((line) => `${path}.detectorConfig.${id}.${line}`),
        );
      }
    }
  });
  const tokenNames = new Set<string>();
  config.http.tokens.forEach((token, index) => {
    if (tokenNames.has(token.name))
      problems.push(`http.tokens.${index}.name: duplicate token name '${token.name}'`);
    tokenNames.add(token.name);
  });
  problems.push(...channelUrlProblems(config.channels, config.inputs));
  problems.push(...channelLimitProblems(config.channels, config.limits));
  config.maintenance.forEach((window, index) => {
    if (!seen.has(window.channel))
      problems.push(`maintenance.${index}.channel: no channel '${window.channel}'`);
  });
  problems.push(...clusterProblems(config));
  for (const kind of Object.keys(config.alerts.rules)) {
    if (!incidentKinds.has(kind) && ![...monitorIncidentKinds, ...transportIncidentKinds].includes(kind)) {
      problems.push(`alerts.rules.${kind}: unknown incident kind`);
    }
  }
  return problems;
}

function clusterProblems(config: ServiceConfig): string[] {
  const cluster = config.cluster;
  if (!cluster) return [];
  const problems: string[] = [];
  const known = new Set(allDetectors.map((d) => d.id));
  if ((cluster.postgresUrl === undefined) === (cluster.postgresUrlEnv === undefined))
    problems.push('cluster: set exactly one of postgresUrl and postgresUrlEnv');
  if (cluster.checkIntervalSeconds * 2 > cluster.leaseSeconds)
    problems.push(
      `cluster.checkIntervalSeconds: at most half of cluster.leaseSeconds (${cluster.leaseSeconds}), so one failed renewal does not lose a lease`,
    );
  if (config.worker.shardCount > 1)
    problems.push('worker.shardCount: leave it at 1 with cluster (leases share the channels)');
  if (config.worker.detectors) problems.push('worker.detectors: use cluster.detectorGroups with cluster');
  const grouped = new Set<string>();
  for (const [group, ids] of Object.entries(cluster.detectorGroups)) {
    ids.forEach((id, i) => {
      if (!known.has(id)) problems.push(`cluster.detectorGroups.${group}.${i}: unknown detector '${id}'`);
      else if (grouped.has(id))
        problems.push(`cluster.detectorGroups.${group}.${i}: '${id}' is in two groups`);
      grouped.add(id);
    });
  }
  return problems;
}

/** The cluster section with its URL read from the environment where `postgresUrlEnv` says so. */
export function resolveClusterConfig(
  config: ServiceConfig,
  env: NodeJS.ProcessEnv = process.env,
): ClusterConfig | null {
  const cluster = config.cluster;
  if (!cluster) return null;
  const { postgresUrl, postgresUrlEnv, ...rest } = cluster;
  const url = postgresUrl ?? (postgresUrlEnv === undefined ? undefined : env[postgresUrlEnv]);
  if (!url)
    throw new StreamqcError(
      'BAD_CONFIG',
      `cluster.postgresUrlEnv: environment variable ${postgresUrlEnv} is not set`,
    );
  return { ...rest, postgresUrl: url };
}

/**
 * Parses and validates a config document; every problem is listed with its path. Relative paths (storage,
 * allowed input directories, looped files) are taken relative to `baseDirectory` when given.
 */
export function parseServiceConfig(raw: unknown, source: string, baseDirectory?: string): ServiceConfig {
  const parsed = serviceConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new StreamqcError('BAD_CONFIG', `${source}:\n  ${issuesToLines(parsed.error.issues).join('\n  ')}`);
  }
  const config = baseDirectory === undefined ? parsed.data : resolvePaths(parsed.data, baseDirectory);
  const problems = crossCheck(config);
  if (problems.length > 0) throw new StreamqcError('BAD_CONFIG', `${source}:\n  ${problems.join('\n  ')}`);
  return config;
}

function resolvePaths(config: ServiceConfig, base: string): ServiceConfig {
  const resolve = (p: string) => (isAbsolute(p) ? p : join(base, p));
  return {
    ...config,
    storage: {
      ...config.storage,
      path: resolve(config.storage.path),
      evidenceDirectory: resolve(config.storage.evidenceDirectory),
    },
    inputs: { ...config.inputs, localDirectories: config.inputs.localDirectories.map(resolve) },
    channels: config.channels.map((c) =>
      c.loop && !/^[a-z]+:\/\//i.test(c.url) ? { ...c, url: resolve(c.url) } : c,
    ),
  };
}

/** Relative paths in the file are relative to the file, so a config works from any directory. */
export async function loadServiceConfig(path: string): Promise<ServiceConfig> {
  return parseServiceConfig(await readConfigFile(path), path, dirname(path));
}
