/**
 * Two monitors with their APIs on one PostgreSQL database, as two nodes of a cluster: node A analyses the
 * channel (its shard), node B does not, yet B's API serves the channel's status, timeline and incidents
 * from the shared store, the same rows A's API gives. Needs STREAMQC_TEST_POSTGRES_URL; skipped without.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { startService, type RunningService } from '../src/cli/run-command.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import { channelShard } from '../src/service/monitor.js';
import { fixtureDirectory, fixturePath } from '../src/synth/fixtures.js';
import { postgresSkipReason, postgresTestUrl, testSchema } from '../src/test-support/postgres-test-db.js';

const url = postgresTestUrl();

/** A channel id that shard 0 of 2 owns, so node A (shard 0) runs it and node B (shard 1) does not. */
function idOwnedByShard(index: number, count: number): string {
  for (let n = 0; ; n += 1) {
    const id = `news-${n}`;
    if (channelShard(id, count) === index) return id;
  }
}

async function getJson<T>(service: RunningService, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, service.apiUrl));
  return { status: response.status, body: (await response.json()) as T };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

interface ChannelBody {
  readonly id: string;
  readonly state: string;
  readonly lastChunkAtMs: number | null;
}
interface ChunksBody {
  readonly chunks: readonly { readonly sessionId: string; readonly chunkIndex: number }[];
}
interface IncidentsBody {
  readonly incidents: readonly { readonly id: string; readonly channelId: string; readonly kind: string }[];
}

describe('shared PostgreSQL store', { skip: url === null ? postgresSkipReason : false }, () => {
  it("serves a channel's status, timeline and incidents from any node", async () => {
    const schema = testSchema(url ?? '');
    const channelId = idOwnedByShard(0, 2);
    const configFor = async (shardIndex: number) =>
      parseServiceConfig(
        {
          http: { port: 0 },
          storage: { kind: 'postgres', postgres: { url, schema: schema.schema }, flushIntervalMs: 500 },
          worker: { shardIndex, shardCount: 2 },
          alerts: { defaults: { raiseAfterSeconds: 1, clearAfterSeconds: 30 } },
          inputs: { localDirectories: [fixtureDirectory] },
          channels: [
            { id: channelId, url: await fixturePath('black.mp4'), loop: true, detectors: ['black'] },
          ],
        },
        'test',
      );
    const logLines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(chunk.toString());
          done();
        },
      }),
    );
    // Both at once: the schema's migration must run once under its lock, whichever node comes first.
    const [a, b] = await Promise.all([
      startService(await configFor(0), logger),
      startService(await configFor(1), logger),
    ]);
    try {
      assert.deepEqual(Object.keys(b.monitor.counters().chunksByChannel), [], 'node B analyses nothing');
      await waitFor(
        async () =>
          (await getJson<IncidentsBody>(b, `/api/incidents?channel=${channelId}`)).body.incidents.length > 0,
        40_000,
        "A's black incident on B",
      );
      const onB = await getJson<IncidentsBody>(b, `/api/incidents?channel=${channelId}`);
      assert.equal(onB.body.incidents[0]?.kind, 'black');
      assert.deepEqual(
        onB.body,
        (await getJson<IncidentsBody>(a, `/api/incidents?channel=${channelId}`)).body,
      );

      await waitFor(
        async () => {
          const { status, body } = await getJson<ChannelBody>(b, `/api/channels/${channelId}`);
          return status === 200 && body.lastChunkAtMs !== null && body.state !== 'no-signal';
        },
        15_000,
        "A's channel live on B",
      );
      const listed = await getJson<{ channels: readonly ChannelBody[] }>(b, '/api/channels');
      assert.deepEqual(
        listed.body.channels.map((channel) => channel.id),
        [channelId],
      );

      // The same window from both nodes: the same rows, read from the one database.
      const window = `from=${Date.now() - 120_000}&to=${Date.now()}`;
      const chunksOnB = await getJson<ChunksBody>(b, `/api/channels/${channelId}/chunks?${window}`);
      const chunksOnA = await getJson<ChunksBody>(a, `/api/channels/${channelId}/chunks?${window}`);
      assert.equal(chunksOnB.status, 200);
      assert.ok(chunksOnB.body.chunks.length >= 3, `${chunksOnB.body.chunks.length} chunks`);
      assert.deepEqual(chunksOnB.body, chunksOnA.body);
      assert.equal((await getJson(b, '/api/channels/no-such-channel')).status, 404);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await schema.drop();
    }
    const password = new URL(url ?? '').password;
    assert.ok(logLines.some((line) => line.includes('"msg":"store opened"')));
    if (password !== '') {
      assert.ok(
        logLines.every((line) => !line.includes(`:${password}@`)),
        'the database password is never logged',
      );
    }
  });
});
