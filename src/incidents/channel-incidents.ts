/**
 * Turns one channel's conditions (detector events, no-signal, decoder crashes) into incidents: raised once a
 * condition has held for its rule's raise time, cleared once it has been gone for the clear time. Detection
 * (what happened, when) stays apart from alerting (when a person is told).
 *
 * - A picture that is black or frozen while all sound is silent is one `dead-channel` incident (critical),
 *   not three. Detectors confirm at different delays (silence after 2 s, freeze after 4 s by default), so a
 *   part (black, freeze, silence) is raised only once it has held for its raise time *and* the other half
 *   had time to be reported had it started at the same moment (`detectionDelaySeconds`): halves that start
 *   together give only `dead-channel`. While a dead channel lasts its parts are not raised. A part raised
 *   before the other half came stays open until the `dead-channel` incident is raised, then is cleared into
 *   it (`mergedInto`, `mergedIntoIncidentId`): there is no moment with neither open. A part that lasted its
 *   raise time but ended during the wait, with no dead channel, is raised when its end arrives.
 * - Flapping: a condition raised more than `flappingMaxRaises` times within `flappingWindowSeconds` clears
 *   only after `flappingClearSeconds`, so it stays one incident instead of a stream of raise/clear pairs.
 * - Maintenance windows: conditions are still tracked, but nothing is raised while a window is active.
 */
import { randomUUID } from 'node:crypto';
import type { Details, Severity } from '../detectors/contract.js';
import type { Incident, IncidentTransition } from '../service/model.js';
import { transitionKey } from '../service/model.js';

export interface IncidentRule {
  readonly raiseAfterSeconds: number;
  readonly clearAfterSeconds: number;
  readonly severity: Severity | null;
  readonly enabled: boolean;
}

export interface ChannelIncidentsOptions {
  readonly channelId: string;
  readonly ruleFor: (kind: string) => IncidentRule;
  readonly flappingWindowSeconds: number;
  readonly flappingMaxRaises: number;
  readonly flappingClearSeconds: number;
  /** True while the channel is in a maintenance window. */
  readonly inMaintenance: (nowMs: number) => boolean;
  readonly onTransition: (transition: IncidentTransition) => void;
  /**
   * The longest a condition of this kind may take, after its true start, to be reported (its detector's
   * minimum duration plus chunk and delivery time). Only the parts of a dead channel use it. Default 0.
   */
  readonly detectionDelaySeconds?: (kind: string) => number;
}

export interface ConditionKey {
  readonly kind: string;
  readonly channel?: number;
}

interface Condition {
  readonly kind: string;
  readonly channel: number | undefined;
  startedAtMs: number;
  endedAtMs: number | null;
  severity: Severity;
  details: Details;
  incident: Incident | null;
  raisedAtHistoryMs: number[];
  flapping: boolean;
  /** A part that was covered by a dead channel at some point (so it is never raised late on its own). */
  inDeadChannel?: boolean;
  /** Raised at least once (a late raise happens at most once). */
  raised?: boolean;
}

const pictureKinds = ['black', 'freeze'];
const partsOfDeadChannel = new Set([...pictureKinds, 'silence']);
const deadChannelKind = 'dead-channel';

/** The kinds that make the other half of a dead channel with this part. */
function otherHalfOf(kind: string): readonly string[] {
  return kind === 'silence' ? pictureKinds : ['silence'];
}

function keyOf(kind: string, channel: number | undefined): string {
  return `${kind}|${channel ?? ''}`;
}

export class ChannelIncidents {
  private readonly conditions = new Map<string, Condition>();

  constructor(private readonly options: ChannelIncidentsOptions) {}

  /** Incidents currently open. */
  openIncidents(): Incident[] {
    return [...this.conditions.values()].flatMap((c) =>
      c.incident && c.incident.state === 'open' ? [c.incident] : [],
    );
  }

  conditionStarted(key: ConditionKey, startedAtMs: number, severity: Severity, details: Details): void {
    const id = keyOf(key.kind, key.channel);
    const existing = this.conditions.get(id);
    if (existing?.incident) {
      // Back within the clear time: the same incident goes on.
      existing.endedAtMs = null;
      existing.details = { ...existing.details, ...details };
      return;
    }
    this.conditions.set(id, {
      kind: key.kind,
      channel: key.channel,
      startedAtMs,
      endedAtMs: null,
      severity,
      details,
      incident: null,
      raisedAtHistoryMs: existing?.raisedAtHistoryMs ?? [],
      flapping: existing?.flapping ?? false,
    });
  }

  conditionEnded(key: ConditionKey, endedAtMs: number, details?: Details): void {
    const condition = this.conditions.get(keyOf(key.kind, key.channel));
    if (!condition || condition.endedAtMs !== null) return;
    condition.endedAtMs = endedAtMs;
    if (details) condition.details = { ...condition.details, ...details };
  }

  /** Takes over an incident left open by a previous run: it clears unless its condition comes back. */
  adopt(incident: Incident, nowMs: number): void {
    this.conditions.set(keyOf(incident.kind, incident.channel), {
      kind: incident.kind,
      channel: incident.channel,
      startedAtMs: incident.startedAtMs,
      endedAtMs: nowMs,
      severity: incident.severity,
      details: incident.details,
      incident,
      raisedAtHistoryMs: [incident.raisedAtMs],
      flapping: false,
      // Raised by the previous owner: never raised again late as a part of a dead channel.
      raised: true,
    });
  }

  acknowledge(incidentId: string, by: string, nowMs: number): Incident | null {
    for (const condition of this.conditions.values()) {
      const incident = condition.incident;
      if (incident?.id !== incidentId || incident.state !== 'open') continue;
      condition.incident = { ...incident, acknowledgedAtMs: nowMs, acknowledgedBy: by };
      this.emit('acknowledged', condition.incident, nowMs);
      return condition.incident;
    }
    return null;
  }

  /** Sets the evidence paths of an open incident (they are saved with the next transition or by the caller). */
  attachEvidence(incidentId: string, evidence: Incident['evidence']): Incident | null {
    for (const condition of this.conditions.values()) {
      if (condition.incident?.id === incidentId) {
        condition.incident = { ...condition.incident, evidence };
        return condition.incident;
      }
    }
    return null;
  }

  /** Raises and clears what is due at `nowMs`. Call after each chunk and on a timer. */
  evaluate(nowMs: number): void {
    const deadEnabled = this.options.ruleFor(deadChannelKind).enabled;
    this.updateDeadChannel(nowMs, deadEnabled);
    const deadActive = this.isActive(this.conditions.get(keyOf(deadChannelKind, undefined)));
    const maintenance = this.options.inMaintenance(nowMs);
    for (const [id, condition] of this.conditions) {
      const part = deadEnabled && partsOfDeadChannel.has(condition.kind);
      const suppressed = deadActive && part;
      const rule = this.options.ruleFor(condition.kind);
      if (condition.incident) {
        // Folded into the dead-channel incident once that is raised (foldIntoDeadChannel), not before.
        if (suppressed && condition.endedAtMs === null) continue;
        if (condition.endedAtMs === null) continue;
        const clearAfterSeconds = condition.flapping
          ? this.options.flappingClearSeconds
          : rule.clearAfterSeconds;
        if (nowMs - condition.endedAtMs >= clearAfterSeconds * 1000) {
          this.clear(condition, nowMs, {});
          this.forgetOrKeep(id, condition, nowMs);
        }
        continue;
      }
      if (suppressed) condition.inDeadChannel = true;
      if (condition.endedAtMs !== null) {
        const lastedRaiseTime = condition.endedAtMs - condition.startedAtMs >= rule.raiseAfterSeconds * 1000;
        const late = part && !condition.raised && !condition.inDeadChannel && lastedRaiseTime;
        if (late && !maintenance && rule.enabled) {
          // Held back for the other half, which never came: raised now, cleared on its clear time.
          this.raise(condition, rule, nowMs);
        } else {
          this.forgetOrKeep(id, condition, nowMs);
        }
        continue;
      }
      if (suppressed || maintenance || !rule.enabled) continue;
      const waitSeconds = Math.max(
        rule.raiseAfterSeconds,
        part ? this.otherHalfDelaySeconds(condition.kind) : 0,
      );
      if (nowMs - condition.startedAtMs >= waitSeconds * 1000) this.raise(condition, rule, nowMs);
    }
    this.foldIntoDeadChannel(nowMs);
  }

  /** How long the other half of a dead channel may take to be reported after starting with this part. */
  private otherHalfDelaySeconds(kind: string): number {
    const delayOf = this.options.detectionDelaySeconds ?? (() => 0);
    return Math.max(0, ...otherHalfOf(kind).map(delayOf));
  }

  /** Parts raised before the dead channel formed are cleared into its incident once it is open. */
  private foldIntoDeadChannel(nowMs: number): void {
    const dead = this.conditions.get(keyOf(deadChannelKind, undefined));
    if (!dead?.incident || dead.incident.state !== 'open' || dead.endedAtMs !== null) return;
    const into = { mergedInto: deadChannelKind, mergedIntoIncidentId: dead.incident.id };
    for (const condition of this.conditions.values()) {
      if (condition.incident && partsOfDeadChannel.has(condition.kind)) this.clear(condition, nowMs, into);
    }
  }

  private isActive(condition: Condition | undefined): boolean {
    return condition !== undefined && condition.endedAtMs === null;
  }

  /** The picture is black or frozen and every audio channel is silent, at the same time. */
  private updateDeadChannel(nowMs: number, enabled: boolean): void {
    let pictureStart: number | null = null;
    let soundStart: number | null = null;
    for (const condition of this.conditions.values()) {
      if (condition.endedAtMs !== null) continue;
      if (pictureKinds.includes(condition.kind))
        pictureStart = Math.min(pictureStart ?? Infinity, condition.startedAtMs);
      const allSilent =
        condition.kind === 'silence' &&
        (condition.channel === undefined || condition.details.allChannels === true);
      if (allSilent) soundStart = Math.min(soundStart ?? Infinity, condition.startedAtMs);
    }
    const key: ConditionKey = { kind: deadChannelKind };
    const dead = this.conditions.get(keyOf(deadChannelKind, undefined));
    if (enabled && pictureStart !== null && soundStart !== null) {
      if (!this.isActive(dead))
        this.conditionStarted(key, Math.max(pictureStart, soundStart), 'critical', {});
    } else if (this.isActive(dead)) {
      this.conditionEnded(key, nowMs);
    }
  }

  private raise(condition: Condition, rule: IncidentRule, nowMs: number): void {
    const windowStart = nowMs - this.options.flappingWindowSeconds * 1000;
    condition.raisedAtHistoryMs = [...condition.raisedAtHistoryMs.filter((t) => t >= windowStart), nowMs];
    condition.flapping = condition.raisedAtHistoryMs.length > this.options.flappingMaxRaises;
    condition.raised = true;
    condition.incident = {
      id: randomUUID(),
      channelId: this.options.channelId,
      kind: condition.kind,
      severity: rule.severity ?? condition.severity,
      state: 'open',
      startedAtMs: condition.startedAtMs,
      raisedAtMs: nowMs,
      closedAtMs: null,
      acknowledgedAtMs: null,
      acknowledgedBy: null,
      ...(condition.channel === undefined ? {} : { channel: condition.channel }),
      details: condition.details,
      evidence: { thumbnailPath: null, clipPath: null },
    };
    this.emit('raised', condition.incident, nowMs);
  }

  private clear(condition: Condition, nowMs: number, details: Details): void {
    const incident = condition.incident;
    if (!incident) return;
    const closed: Incident = {
      ...incident,
      state: 'closed',
      closedAtMs: condition.endedAtMs ?? nowMs,
      details: { ...condition.details, ...details, ...(condition.flapping ? { flapping: true } : {}) },
    };
    condition.incident = null;
    this.emit('cleared', closed, nowMs);
  }

  /** Keeps a finished condition only while its raise history matters for flapping. */
  private forgetOrKeep(id: string, condition: Condition, nowMs: number): void {
    const windowStart = nowMs - this.options.flappingWindowSeconds * 1000;
    condition.raisedAtHistoryMs = condition.raisedAtHistoryMs.filter((t) => t >= windowStart);
    if (condition.raisedAtHistoryMs.length === 0) this.conditions.delete(id);
  }

  private emit(kind: IncidentTransition['kind'], incident: Incident, atMs: number): void {
    this.options.onTransition({ kind, incident, atMs, key: transitionKey(incident.id, kind) });
  }
}
