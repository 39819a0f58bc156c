/**
 * The `streamqc run` configuration file (YAML or JSON), validated once at start with every problem listed
 * by its path. `streamqc validate-config <file>` runs the same validation.
 */
import { isAbsolute, join, dirname } from 'node:path';
import { readConfigFile } from './read-config-file.js';
import { z } from 'zod';
import { StreamqcError } from '../errors/streamqc-error.js';
import { findDetector, detectors as allDetectors } from '../detectors/registry.js';
import { transportIncidentKinds } from '../transport/ts-checks.js';

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
    /**
     * UDP and RTP inputs: receive the datagrams in the worker and run the TR 101 290 checks on them
     * (default). False lets FFmpeg read the socket itself: no transport checks, a little less CPU.
     */
    transportChecks: z.boolean().optional(),
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

export const serviceConfigSchema = z
  .object({
    http: z
      .object({
        port: z.number().int().min(0).max(65535).default(8080),
        host: z.string().default('127.0.0.1'),
        /** Bearer token for changes through the API; `authTokenEnv` names an environment variable instead. */
        authToken: z.string().min(16).optional(),
        authTokenEnv: z.string().default('STREAMQC_API_TOKEN'),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        path: z.string().default('streamqc-data/streamqc.db'),
        evidenceDirectory: z.string().default('streamqc-data/evidence'),
        retentionDays: z.number().positive().default(7),
        flushIntervalMs: z.number().int().positive().default(1000),
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
      })
      .strict()
      .prefault({}),
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
  })
  .strict();

export type ServiceConfig = z.output<typeof serviceConfigSchema>;
export type ChannelConfig = z.output<typeof channelSchema>;

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
  return kind === 'no-signal' || kind === 'decoder-crash' || transportIncidentKinds.includes(kind) ? 0 : 5;
}

function issuesToLines(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
}

/** Checks what the schema cannot: unique ids, known detectors, per-detector settings, sharding. */
export function crossCheck(config: ServiceConfig): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const known = new Set(allDetectors.map((d) => d.id));
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
  config.maintenance.forEach((window, index) => {
    if (!seen.has(window.channel))
      problems.push(`maintenance.${index}.channel: no channel '${window.channel}'`);
  });
  for (const kind of Object.keys(config.alerts.rules)) {
    const serviceKinds = ['dead-channel', 'no-signal', 'decoder-crash', ...transportIncidentKinds];
    if (!known.has(kind) && !serviceKinds.includes(kind)) {
      problems.push(`alerts.rules.${kind}: unknown incident kind`);
    }
  }
  return problems;
}

/** Parses and validates a config document; every problem is listed with its path. */
export function parseServiceConfig(raw: unknown, source: string): ServiceConfig {
  const parsed = serviceConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new StreamqcError('BAD_CONFIG', `${source}:\n  ${issuesToLines(parsed.error.issues).join('\n  ')}`);
  }
  const problems = crossCheck(parsed.data);
  if (problems.length > 0) throw new StreamqcError('BAD_CONFIG', `${source}:\n  ${problems.join('\n  ')}`);
  return parsed.data;
}

export async function loadServiceConfig(path: string): Promise<ServiceConfig> {
  const raw = await readConfigFile(path);
  const config = parseServiceConfig(raw, path);
  // Relative storage paths are relative to the config file, so a config works from any directory.
  const base = dirname(path);
  const resolve = (p: string) => (isAbsolute(p) ? p : join(base, p));
  return {
    ...config,
    storage: {
      ...config.storage,
      path: resolve(config.storage.path),
      evidenceDirectory: resolve(config.storage.evidenceDirectory),
    },
    channels: config.channels.map((c) =>
      c.loop && !/^[a-z]+:\/\//i.test(c.url) ? { ...c, url: resolve(c.url) } : c,
    ),
  };
}
