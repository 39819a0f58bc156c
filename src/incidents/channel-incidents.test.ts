import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IncidentTransition } from '../service/model.js';
import { ChannelIncidents, type ChannelIncidentsOptions } from './channel-incidents.js';

function engine(overrides: Partial<ChannelIncidentsOptions> = {}) {
  const transitions: IncidentTransition[] = [];
  const incidents = new ChannelIncidents({
    channelId: 'news',
    ruleFor: () => ({ raiseAfterSeconds: 5, clearAfterSeconds: 10, severity: null, enabled: true }),
    flappingWindowSeconds: 600,
    flappingMaxRaises: 3,
    flappingClearSeconds: 120,
    inMaintenance: () => false,
    onTransition: (t) => transitions.push(t),
    ...overrides,
  });
  const summary = () => transitions.map((t) => `${t.kind} ${t.incident.kind}@${t.atMs / 1000}`);
  return { incidents, transitions, summary };
}

const s = (seconds: number) => seconds * 1000;

describe('ChannelIncidents', () => {
  it('raises after the raise time, from the condition start, and clears after the clear time', () => {
    const { incidents, summary, transitions } = engine();
    incidents.conditionStarted({ kind: 'black' }, s(100), 'critical', {});
    incidents.evaluate(s(104));
    assert.deepEqual(summary(), []);
    incidents.evaluate(s(105));
    assert.deepEqual(summary(), ['raised black@105']);
    incidents.conditionEnded({ kind: 'black' }, s(120));
    incidents.evaluate(s(129));
    assert.equal(transitions.length, 1);
    incidents.evaluate(s(130));
    assert.deepEqual(summary(), ['raised black@105', 'cleared black@130']);
    const cleared = transitions[1]?.incident;
    assert.equal(cleared?.startedAtMs, s(100));
    assert.equal(cleared?.closedAtMs, s(120));
    assert.equal(transitions[0]?.key, `${cleared?.id}:raised`);
  });

  it('a condition shorter than the raise time raises nothing', () => {
    const { incidents, summary } = engine();
    incidents.conditionStarted({ kind: 'freeze' }, s(0), 'critical', {});
    incidents.conditionEnded({ kind: 'freeze' }, s(3));
    incidents.evaluate(s(10));
    assert.deepEqual(summary(), []);
  });

  it('a condition back within the clear time continues the same incident', () => {
    const { incidents, summary } = engine();
    incidents.conditionStarted({ kind: 'black' }, s(0), 'critical', {});
    incidents.evaluate(s(6));
    incidents.conditionEnded({ kind: 'black' }, s(10));
    incidents.evaluate(s(15));
    incidents.conditionStarted({ kind: 'black' }, s(16), 'critical', {});
    incidents.evaluate(s(40));
    assert.deepEqual(summary(), ['raised black@6']);
  });

  it('black and silence of all channels at once are one dead-channel incident', () => {
    const { incidents, summary } = engine();
    incidents.conditionStarted({ kind: 'black' }, s(0), 'critical', {});
    incidents.conditionStarted({ kind: 'silence' }, s(1), 'critical', { allChannels: true });
    incidents.conditionStarted({ kind: 'silence', channel: 0 }, s(1), 'warning', {});
    for (let t = 1; t <= 30; t++) incidents.evaluate(s(t));
    assert.deepEqual(summary(), ['raised dead-channel@6']);
  });

  it('parts already raised stay open until the dead-channel incident is raised, then are cleared into it', () => {
    const { incidents, summary, transitions } = engine();
    incidents.conditionStarted({ kind: 'freeze' }, s(0), 'critical', {});
    incidents.evaluate(s(5));
    incidents.conditionStarted({ kind: 'silence' }, s(6), 'critical', { allChannels: true });
    incidents.evaluate(s(7));
    assert.equal(incidents.openIncidents().length, 1);
    incidents.evaluate(s(11));
    assert.deepEqual(summary(), ['raised freeze@5', 'raised dead-channel@11', 'cleared freeze@11']);
    const dead = transitions[1]?.incident;
    const folded = transitions[2]?.incident;
    assert.equal(folded?.details.mergedInto, 'dead-channel');
    assert.equal(folded?.details.mergedIntoIncidentId, dead?.id);
    assert.equal(folded?.closedAtMs, s(11));
    assert.deepEqual(
      incidents.openIncidents().map((incident) => incident.kind),
      ['dead-channel'],
    );
  });

  it('flapping: after too many raises the incident stays open through short gaps', () => {
    const { incidents, summary } = engine({
      ruleFor: () => ({ raiseAfterSeconds: 0, clearAfterSeconds: 2, severity: null, enabled: true }),
    });
    let t = 0;
    for (let flap = 0; flap < 6; flap++) {
      incidents.conditionStarted({ kind: 'black' }, s(t), 'critical', {});
      incidents.evaluate(s(t));
      incidents.conditionEnded({ kind: 'black' }, s(t + 1));
      incidents.evaluate(s(t + 4));
      t += 5;
    }
    const raises = summary().filter((line) => line.startsWith('raised'));
    assert.equal(raises.length, 4, summary().join(', '));
  });

  it('nothing is raised during a maintenance window', () => {
    const { incidents, summary } = engine({ inMaintenance: (now) => now < s(100) });
    incidents.conditionStarted({ kind: 'black' }, s(0), 'critical', {});
    incidents.evaluate(s(50));
    assert.deepEqual(summary(), []);
    incidents.evaluate(s(100));
    assert.deepEqual(summary(), ['raised black@100']);
  });

  it('acknowledges an open incident once, and adopts incidents left open by a previous run', () => {
    const { incidents, transitions, summary } = engine();
    incidents.conditionStarted({ kind: 'black' }, s(0), 'critical', {});
    incidents.evaluate(s(5));
    const id = transitions[0]?.incident.id ?? '';
    assert.equal(incidents.acknowledge(id, 'ops', s(6))?.acknowledgedBy, 'ops');
    assert.deepEqual(summary(), ['raised black@5', 'acknowledged black@6']);

    const restarted = engine();
    const leftOpen = transitions[0]?.incident;
    assert.ok(leftOpen);
    restarted.incidents.adopt(leftOpen, s(100));
    restarted.incidents.evaluate(s(110));
    restarted.incidents.evaluate(s(130));
    // Once cleared, an adopted incident is not raised again (a part of a dead channel that was held back
    // for the other half is raised late; an adopted one was raised by the previous owner).
    assert.deepEqual(restarted.summary(), ['cleared black@110']);
  });
});

/**
 * Timelines as the monitor sees them: each condition reaches the engine when its detector reports it (the
 * detector's minimum duration after its start, plus chunk and delivery time), not when it started. The
 * engine is evaluated every half second, as the monitor does after chunks and on its timer.
 */
interface TimelineEntry {
  readonly kind: 'black' | 'freeze' | 'silence';
  readonly channel?: number;
  readonly startSeconds: number;
  readonly endSeconds?: number;
}

/** Detector minimum durations by default (silence 2 s, black 2 s, freeze 4 s) and 1.5 s to arrive. */
const reportedAfterSeconds = { black: 3.5, freeze: 5.5, silence: 3.5 };
/** What the monitor hands the engine for these detectors (detection-delays.ts: minimum duration + 2 s). */
const detectionDelaySeconds = (kind: string) => ({ black: 4, freeze: 6, silence: 4 })[kind] ?? 0;

function runTimeline(
  entries: readonly TimelineEntry[],
  untilSeconds: number,
  overrides: Partial<ChannelIncidentsOptions> = {},
) {
  const run = engine({ detectionDelaySeconds, ...overrides });
  const steps: { atSeconds: number; apply: () => void }[] = [];
  for (const entry of entries) {
    const key =
      entry.channel === undefined ? { kind: entry.kind } : { kind: entry.kind, channel: entry.channel };
    const allChannels = entry.kind === 'silence' && entry.channel === undefined;
    const reportedAt = entry.startSeconds + reportedAfterSeconds[entry.kind];
    const { endSeconds } = entry;
    if (endSeconds !== undefined && endSeconds < reportedAt) continue; // too short to be reported at all
    steps.push({
      atSeconds: reportedAt,
      apply: () =>
        run.incidents.conditionStarted(
          key,
          s(entry.startSeconds),
          'critical',
          allChannels ? { allChannels } : {},
        ),
    });
    if (endSeconds !== undefined)
      steps.push({
        atSeconds: endSeconds + 1,
        apply: () => run.incidents.conditionEnded(key, s(endSeconds)),
      });
  }
  for (let t = 0; t <= untilSeconds; t += 0.5) {
    for (const step of steps) if (step.atSeconds <= t && step.atSeconds > t - 0.5) step.apply();
    run.incidents.evaluate(s(t));
  }
  return run;
}

describe('ChannelIncidents: dead channel timelines (raise 5 s, clear 10 s)', () => {
  const frozenAndSilent: TimelineEntry[] = [
    { kind: 'freeze', startSeconds: 10 },
    { kind: 'silence', channel: 0, startSeconds: 10 },
    { kind: 'silence', channel: 1, startSeconds: 10 },
    { kind: 'silence', startSeconds: 10 },
  ];

  it('frozen and silent from the same moment: only dead-channel, though silence is reported first', () => {
    const { summary, transitions } = runTimeline(frozenAndSilent, 60);
    // The freeze is reported at 15.5: the dead channel is raised then (its raise time from 10 has passed).
    assert.deepEqual(summary(), ['raised dead-channel@15.5']);
    assert.equal(transitions[0]?.incident.startedAtMs, s(10));
  });

  it('without the wait for the other half, the silence would be raised first (the bug this rule fixes)', () => {
    const { summary } = runTimeline(frozenAndSilent, 60, { detectionDelaySeconds: () => 0 });
    assert.deepEqual(summary(), [
      'raised silence@15',
      'raised silence@15',
      'raised silence@15',
      'raised dead-channel@15.5',
      'cleared silence@15.5',
      'cleared silence@15.5',
      'cleared silence@15.5',
    ]);
  });

  it('black and silent, starting a second apart: only dead-channel, from the later start', () => {
    const { summary, transitions } = runTimeline(
      [
        { kind: 'black', startSeconds: 10 },
        { kind: 'silence', startSeconds: 11 },
      ],
      60,
    );
    assert.deepEqual(summary(), ['raised dead-channel@16']);
    assert.equal(transitions[0]?.incident.startedAtMs, s(11));
  });

  it('silence alone is raised once the picture could have been reported too (6 s), then clears', () => {
    const { summary } = runTimeline([{ kind: 'silence', startSeconds: 10, endSeconds: 30 }], 60);
    assert.deepEqual(summary(), ['raised silence@16', 'cleared silence@40']);
  });

  it('silence alone with a raise time longer than the picture detectors need is raised on its raise time', () => {
    const { summary } = runTimeline([{ kind: 'silence', startSeconds: 10 }], 60, {
      ruleFor: () => ({ raiseAfterSeconds: 8, clearAfterSeconds: 10, severity: null, enabled: true }),
    });
    assert.deepEqual(summary(), ['raised silence@18']);
  });

  it('a silence shorter than the wait but longer than its raise time is raised when its end arrives', () => {
    const { summary } = runTimeline([{ kind: 'silence', startSeconds: 10, endSeconds: 14.2 }], 30, {
      ruleFor: () => ({ raiseAfterSeconds: 1, clearAfterSeconds: 1, severity: null, enabled: true }),
    });
    assert.deepEqual(summary(), ['raised silence@15.5', 'cleared silence@16']);
  });

  it('a part that was inside a dead channel is not raised late on its own', () => {
    const { summary } = runTimeline(
      [
        { kind: 'black', startSeconds: 10, endSeconds: 14.5 },
        { kind: 'silence', startSeconds: 10, endSeconds: 14.5 },
      ],
      40,
      { ruleFor: () => ({ raiseAfterSeconds: 8, clearAfterSeconds: 10, severity: null, enabled: true }) },
    );
    assert.deepEqual(summary(), []);
  });

  it('freeze alone is raised on its raise time (silence is reported sooner than that)', () => {
    const { summary } = runTimeline([{ kind: 'freeze', startSeconds: 10 }], 60);
    assert.deepEqual(summary(), ['raised freeze@15.5']);
  });

  it('a freeze that later goes silent becomes dead-channel; when sound returns the freeze is raised again', () => {
    const { summary, transitions } = runTimeline(
      [
        { kind: 'freeze', startSeconds: 10 },
        { kind: 'silence', startSeconds: 30, endSeconds: 50 },
      ],
      70,
    );
    assert.deepEqual(summary(), [
      'raised freeze@15.5',
      'raised dead-channel@35',
      'cleared freeze@35',
      'raised freeze@51',
      'cleared dead-channel@61',
    ]);
    const [freeze, dead, folded] = transitions.map((t) => t.incident);
    assert.equal(folded?.id, freeze?.id);
    assert.equal(folded?.details.mergedIntoIncidentId, dead?.id);
    assert.equal(folded?.closedAtMs, s(35));
  });

  it('a silence shorter than the raise time during a freeze leaves the freeze incident as it is', () => {
    const { summary, incidents } = runTimeline(
      [
        { kind: 'freeze', startSeconds: 10 },
        { kind: 'silence', startSeconds: 30, endSeconds: 33.8 },
      ],
      60,
    );
    assert.deepEqual(summary(), ['raised freeze@15.5']);
    assert.deepEqual(
      incidents.openIncidents().map((incident) => incident.kind),
      ['freeze'],
    );
  });

  it('with dead-channel disabled the parts are raised on their own, without waiting for each other', () => {
    const { summary } = runTimeline(frozenAndSilent.slice(2), 60, {
      ruleFor: (kind) => ({
        raiseAfterSeconds: 5,
        clearAfterSeconds: 10,
        severity: null,
        enabled: kind !== 'dead-channel',
      }),
    });
    assert.deepEqual(summary(), ['raised silence@15', 'raised silence@15']);
  });
});
