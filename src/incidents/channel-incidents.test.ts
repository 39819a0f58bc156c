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

  it('parts already raised are cleared into the dead-channel incident', () => {
    const { incidents, summary, transitions } = engine();
    incidents.conditionStarted({ kind: 'freeze' }, s(0), 'critical', {});
    incidents.evaluate(s(5));
    incidents.conditionStarted({ kind: 'silence' }, s(6), 'critical', { allChannels: true });
    incidents.evaluate(s(7));
    incidents.evaluate(s(11));
    assert.deepEqual(summary(), ['raised freeze@5', 'cleared freeze@7', 'raised dead-channel@11']);
    assert.equal(transitions[1]?.incident.details.mergedInto, 'dead-channel');
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
    assert.deepEqual(restarted.summary(), ['cleared black@110']);
  });
});
