/**
 * Where notifications go and which incidents each destination wants. Targets are checked once, when the
 * notifier is created, and every problem is reported with its path. Messages name the target id, never
 * its URL: a Slack incoming-webhook URL is itself the secret.
 */
import type { Severity } from '../detectors/contract.js';
import { StreamqcError } from '../errors/streamqc-error.js';
import type { IncidentTransition } from '../service/model.js';

export interface NotificationTarget {
  readonly id: string;
  /** `webhook`: the transition as JSON. `slack`: a Slack-compatible incoming-webhook message. */
  readonly kind: 'webhook' | 'slack';
  readonly url: string;
  /** Sent with every request (for example Authorization); cannot replace Content-Type or Idempotency-Key. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Least severity sent (default 'info': everything). */
  readonly minSeverity?: Severity;
  /** Only incidents of these channel ids (absent or empty: every channel). */
  readonly channels?: readonly string[];
  /** Only these incident kinds, i.e. detector ids or 'dead-channel' and the like (absent or empty: all). */
  readonly kinds?: readonly string[];
  /** Budget of requests, burst included (default 30). */
  readonly maxPerMinute?: number;
  /** Per request, from sending to the answer's headers (default 5000). */
  readonly timeoutMs?: number;
  /** Attempts per transition, the first one included (default 6). */
  readonly maxAttempts?: number;
}

/** A target with every default filled in. */
export interface ResolvedTarget {
  readonly id: string;
  readonly kind: 'webhook' | 'slack';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly minSeverity: Severity;
  readonly channels: readonly string[];
  readonly kinds: readonly string[];
  readonly maxPerMinute: number;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
}

const severityRank: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

export function resolveTargets(targets: readonly NotificationTarget[]): ResolvedTarget[] {
  const problems: string[] = [];
  const seenIds = new Set<string>();
  const resolved = targets.map((target, index) => {
    const path = `targets[${index}]`;
    if (typeof target.id !== 'string' || target.id.trim() === '')
      problems.push(`${path}.id: expected a name`);
    else if (seenIds.has(target.id)) problems.push(`${path}.id: '${target.id}' is used twice`);
    seenIds.add(target.id);
    if (target.kind !== 'webhook' && target.kind !== 'slack') {
      problems.push(`${path}.kind: expected 'webhook' or 'slack'`);
    }
    if (!isHttpUrl(target.url)) problems.push(`${path}.url: expected an http(s) URL`);
    if (target.minSeverity !== undefined && !(target.minSeverity in severityRank)) {
      problems.push(`${path}.minSeverity: expected 'info', 'warning' or 'critical'`);
    }
    const result: ResolvedTarget = {
      id: target.id,
      kind: target.kind,
      url: target.url,
      headers: target.headers ?? {},
      minSeverity: target.minSeverity ?? 'info',
      channels: target.channels ?? [],
      kinds: target.kinds ?? [],
      maxPerMinute: target.maxPerMinute ?? 30,
      timeoutMs: target.timeoutMs ?? 5000,
      maxAttempts: target.maxAttempts ?? 6,
    };
    // Below one per minute the bucket could never hold a whole token.
    if (!(result.maxPerMinute >= 1)) problems.push(`${path}.maxPerMinute: expected a number >= 1`);
    if (!(result.timeoutMs > 0)) problems.push(`${path}.timeoutMs: expected a number > 0`);
    if (!Number.isInteger(result.maxAttempts) || result.maxAttempts < 1) {
      problems.push(`${path}.maxAttempts: expected a whole number >= 1`);
    }
    return result;
  });
  if (problems.length > 0) {
    throw new StreamqcError('BAD_CONFIG', `invalid notification targets: ${problems.join('; ')}`);
  }
  return resolved;
}

/** Whether `target` wants to hear about `transition` (severity, channel and kind filters). */
export function targetWants(target: ResolvedTarget, transition: IncidentTransition): boolean {
  const incident = transition.incident;
  if (severityRank[incident.severity] < severityRank[target.minSeverity]) return false;
  if (target.channels.length > 0 && !target.channels.includes(incident.channelId)) return false;
  if (target.kinds.length > 0 && !target.kinds.includes(incident.kind)) return false;
  return true;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const protocol = new URL(value).protocol;
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
