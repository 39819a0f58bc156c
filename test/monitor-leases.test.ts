/**
 * The monitor in cluster mode, with a fence the test controls instead of PostgreSQL: nothing runs until
 * started, a started channel takes over its open incidents from the store, and once the fence says the lease
 * is gone the channel records nothing more (no chunks, no no-signal) even while its worker still runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { parseServiceConfig } from '../src/config/service-config.js';
import { Monitor, type ChunkSink, type TransitionSink } from '../src/service/monitor.js';
import type { ChunkRecord, IncidentTransition } from '../src/service/model.js';
import { openMemoryStore } from '../src/store/memory-store.js';
import { exampleIncident } from '../src/store/result-store.fixtures.js';
import { fixtureDirectory, fixturePath } from '../src/synth/fixtures.js';

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('monitor with leases', () => {
  it('runs only started channels, adopts their open incidents, and records nothing once fenced', async () => {
    const clean = await fixturePath('clean.mp4');
    const config = parseServiceConfig(
      {
        noSignalSeconds: 1,
        alerts: { defaults: { raiseAfterSeconds: 0, clearAfterSeconds: 60 } },
        inputs: { localDirectories: [fixtureDirectory] },
        channels: [{ id: 'a', url: clean, loop: true, detectors: ['black', 'freeze'] }],
      },
      'test',
    );
    const store = openMemoryStore();
    const rows: ChunkRecord[] = [];
    const transitions: IncidentTransition[] = [];
    const chunks: ChunkSink = {
      add: (r) => void rows.push(r),
      flush: async () => undefined,
      close: async () => undefined,
    };
    const notifier: TransitionSink = {
      notify: (t) => transitions.push(t),
      flush: async () => undefined,
      counters: () => ({ failed: 0 }),
      close: async () => undefined,
    };
    const held = new Set<string>();
    const monitor = new Monitor({
      config,
      store,
      chunks,
      notifier,
      logger: pino({ level: 'silent' }),
      leases: { mayRun: (id) => held.has(id) },
    });
    // An incident the previous owner left open.
    await store.saveIncident(
      exampleIncident('left-open', { channelId: 'a', kind: 'black', state: 'open', closedAtMs: null }),
    );
    await monitor.start();
    try {
      assert.deepEqual(monitor.listChannels(), [], 'nothing runs before a lease is won');
      const added = await monitor.addChannel({ id: 'b', url: clean, loop: true });
      assert.equal(added.state, 'starting');
      assert.deepEqual(
        monitor.knownChannels().map((c) => c.id),
        ['a', 'b'],
      );
      assert.deepEqual(monitor.listChannels(), [], 'an added channel waits for its lease too');

      held.add('a');
      assert.equal(await monitor.startChannel('a', ['black']), true);
      assert.equal(await monitor.startChannel('a', ['black']), false, 'already running');
      assert.equal(monitor.getChannel('a')?.openIncidents, 1, 'the open incident is taken over');
      await waitFor(() => rows.length >= 2, 30_000, 'chunks of channel a');
      assert.deepEqual(Object.keys(rows[0]?.measurements ?? {}), ['black'], 'only the leased detectors run');

      held.delete('a');
      const recorded = rows.length;
      await sleep(3000);
      assert.equal(rows.length, recorded, 'no chunk recorded after the lease is gone');
      assert.deepEqual(
        transitions.map((t) => `${t.kind} ${t.incident.kind}`),
        [],
        'no no-signal from a fenced channel',
      );
      assert.equal(await monitor.stopChannel('a'), true);
      assert.deepEqual(monitor.listChannels(), []);
      assert.equal((await store.getIncident('left-open'))?.state, 'open', 'left open for the next owner');
      assert.equal(await monitor.removeChannel('b'), true, 'a channel not running here can be removed');
      assert.deepEqual(
        monitor.knownChannels().map((c) => c.id),
        ['a'],
      );
    } finally {
      await monitor.stop();
    }
  });
});
