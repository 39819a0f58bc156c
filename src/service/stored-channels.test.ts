import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openMemoryStore } from '../store/memory-store.js';
import { baseTimeMs, exampleChannel, exampleChunk, exampleIncident } from '../store/result-store.fixtures.js';
import { StoredChannels } from './stored-channels.js';

describe('StoredChannels', () => {
  it("builds each channel's status from its latest stored row and its open incidents", async () => {
    const store = openMemoryStore();
    // ch-a: rows up to 9-10 s; ch-b: rows up to 2-3 s; ch-c: none; ch-d: disabled.
    await store.writeChunks([0, 1, 2, 9].map((index) => exampleChunk('ch-a', index)));
    await store.writeChunks([0, 1, 2].map((index) => exampleChunk('ch-b', index)));
    const views = new StoredChannels({ store, noSignalSeconds: 5, writeDelayMs: 1000 });
    const nowMs = baseTimeMs + 10_500;
    const specs = [
      exampleChannel('ch-a'),
      exampleChannel('ch-b'),
      exampleChannel('ch-c'),
      exampleChannel('ch-d', { enabled: false }),
    ];

    const first = await views.refresh(specs, nowMs);
    assert.equal(first.length, 4, 'every channel is new');
    const a = views.get('ch-a');
    assert.equal(a?.state, 'ok');
    assert.equal(a?.lastChunkAtMs, baseTimeMs + 10_000);
    assert.deepEqual(a?.latest, exampleChunk('ch-a', 9).measurements);
    assert.equal(a?.decodedFramesPerSecond, null, 'only the running node knows');
    // Last row ended 7.5 s ago: more than 5 s of no-signal plus 1 s of write delay.
    assert.equal(views.get('ch-b')?.state, 'no-signal');
    assert.equal(views.get('ch-c')?.state, 'no-signal');
    assert.equal(views.get('ch-c')?.lastChunkAtMs, null);
    assert.equal(views.get('ch-d')?.state, 'stopped');

    await store.saveIncident(exampleIncident('i1', { channelId: 'ch-a' }));
    await store.saveIncident(exampleIncident('i2', { channelId: 'ch-a', state: 'closed' }));
    const second = await views.refresh(specs, nowMs);
    assert.deepEqual(
      second.map((status) => status.id),
      ['ch-a'],
      'only what changed is reported',
    );
    assert.equal(views.get('ch-a')?.state, 'degraded');
    assert.equal(views.get('ch-a')?.openIncidents, 1);

    await views.refresh([exampleChannel('ch-b')], nowMs);
    assert.deepEqual(
      views.list().map((status) => status.id),
      ['ch-b'],
      'channels no longer run elsewhere are forgotten',
    );
    assert.equal(views.get('ch-a'), null);
  });
});
