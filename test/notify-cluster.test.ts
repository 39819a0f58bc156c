/**
 * Durable notifications in a cluster: two services share the channels through leases on one PostgreSQL
 * database, and both notifiers claim from the one outbox. A receiver that fails every third request forces
 * retries, which either node may pick up, and slow answers keep requests in flight while the other node
looks for work; still every transition is accepted once. Needs
 * STREAMQC_TEST_POSTGRES_URL; skipped without.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { startService } from '../src/cli/run-command.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import { openPostgresStore } from '../src/store/postgres-store.js';
import { fixtureDirectory, fixturePath } from '../src/synth/fixtures.js';
import { startReceiver } from '../src/test-support/local-receiver.js';
import { postgresSkipReason, postgresTestUrl, testSchema } from '../src/test-support/postgres-test-db.js';

const url = postgresTestUrl();

describe('durable notifications in a cluster', { skip: url === null ? postgresSkipReason : false }, () => {
  it('accepts every transition once, whichever node sends or retries it', async (t) => {
    const schema = testSchema(url ?? '');
    const directory = mkdtempSync(join(tmpdir(), 'streamqc-notify-cluster-'));
    t.after(async () => {
      await schema.drop();
      rmSync(directory, { recursive: true, force: true });
    });
    const accepted: string[] = [];
    // Slow answers keep each request in flight while the other node polls (every second).
    const receiver = await startReceiver(async (request, index) => {
      await sleep(400);
      if (index % 3 === 2) return { status: 500 };
      accepted.push(String(request.headers['idempotency-key']));
      return { status: 200 };
    });
    t.after(() => receiver.close());
    const black = await fixturePath('black.mp4');
    const configFor = (workerId: string) =>
      parseServiceConfig(
        {
          http: { port: 0 },
          storage: {
            kind: 'postgres',
            postgres: { url, schema: schema.schema },
            evidenceDirectory: join(directory, `${workerId}-evidence`),
          },
          alerts: { defaults: { raiseAfterSeconds: 1, clearAfterSeconds: 1 } },
          inputs: { localDirectories: [fixtureDirectory] },
          cluster: {
            postgresUrl: url,
            schema: schema.schema,
            workerId,
            leaseSeconds: 5,
            checkIntervalSeconds: 1,
          },
          channels: ['one', 'two'].map((id) => ({ id, url: black, loop: true, detectors: ['black'] })),
          notifications: [{ id: 'ops', kind: 'webhook', url: receiver.url, maxAttempts: 20 }],
        },
        'test',
      );
    const logger = pino({ level: 'silent' });
    const nodes = await Promise.all([
      startService(configFor('node-a'), logger),
      startService(configFor('node-b'), logger),
    ]);
    try {
      await sleep(20_000);
    } finally {
      await Promise.all(nodes.map((node) => node.stop()));
    }

    const store = await openPostgresStore({ url: url ?? '', schema: schema.schema });
    try {
      const incidents = await store.listIncidents({ limit: 10_000 });
      const rows = (
        await Promise.all(incidents.map((incident) => store.listNotifications(incident.id)))
      ).flat();
      assert.ok(rows.length >= 2, `transitions notified: ${rows.length}`);
      assert.equal(
        new Set(accepted).size,
        accepted.length,
        `a transition accepted twice: ${accepted.join(' ')}`,
      );
      const delivered = rows.filter((row) => row.state === 'delivered').map((row) => row.transitionKey);
      assert.deepEqual(
        [...accepted].sort(),
        [...delivered].sort(),
        'accepted exactly the rows marked delivered',
      );
      assert.ok(
        rows.every((row) => row.state !== 'abandoned'),
        JSON.stringify(rows.map((row) => [row.transitionKey, row.state])),
      );
      assert.ok(receiver.requests.length > accepted.length, 'some requests were refused and retried');
    } finally {
      await store.close();
    }
  });
});
