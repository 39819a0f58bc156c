/**
 * Durable delivery from the store's outbox: retries with the same key, abandoning with a log line and a
 * count, resuming after a restart on the same SQLite file, and two notifiers on one store (a cluster)
 * sending each row once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { IncidentTransition } from '../service/model.js';
import { openMemoryStore } from '../store/memory-store.js';
import { openPostgresStore } from '../store/postgres-store.js';
import type { ResultStore } from '../store/result-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { postgresTestUrl, testSchema } from '../test-support/postgres-test-db.js';
import {
  makeTransition,
  startReceiver,
  waitUntil,
  type LocalReceiver,
  type Reply,
} from '../test-support/local-receiver.js';
import { createNotifier, type Notifier, type NotificationTarget, type NotifierOptions } from './notifier.js';

const fastBackoff = { baseMs: 5, capMs: 20 };

function durableNotifier(
  store: ResultStore,
  url: string,
  target: Partial<NotificationTarget> = {},
  options: Partial<NotifierOptions> = {},
): Notifier {
  return createNotifier({
    targets: [{ id: 'ops', kind: 'webhook', url, timeoutMs: 500, ...target }],
    backoff: fastBackoff,
    outbox: { store, pollIntervalMs: 10 },
    ...options,
  });
}

/** What the monitor does: the incident and its outbox rows in one write, then a wake-up. */
async function record(store: ResultStore, notifier: Notifier, transition: IncidentTransition): Promise<void> {
  await store.saveIncident(transition.incident, notifier.outboxEntries(transition));
  notifier.wake();
}

const keysReceived = (receiver: LocalReceiver): string[] =>
  receiver.requests.map((request) => String(request.headers['idempotency-key']));

async function withReceiver(
  t: TestContext,
  reply: Parameters<typeof startReceiver>[0],
): Promise<LocalReceiver> {
  const receiver = await startReceiver(reply);
  t.after(() => receiver.close());
  return receiver;
}

describe('durable notifications (outbox)', () => {
  it('retries 500, 500 then delivers on 200, with one key, and stores the outcome', async (t) => {
    const receiver = await withReceiver(t, (_request, index) => ({ status: index < 2 ? 500 : 200 }));
    const store = openMemoryStore();
    const notifier = durableNotifier(store, receiver.url);
    t.after(() => notifier.close());
    await record(store, notifier, makeTransition());
    await receiver.waitForRequests(3, 2000);
    await notifier.flush(1000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // any fourth request would come now

    assert.deepEqual(keysReceived(receiver), ['inc-1:raised', 'inc-1:raised', 'inc-1:raised']);
    const [row] = await store.listNotifications('inc-1');
    assert.equal(row?.state, 'delivered');
    assert.equal(row?.attempts, 3);
    assert.deepEqual(notifier.counters(), { sent: 1, failed: 0, dropped: 0, retried: 2, rateLimited: 0 });
  });

  it('abandons after maxAttempts with a log line and the failed count', async (t) => {
    const receiver = await withReceiver(t, () => ({ status: 503 }));
    const store = openMemoryStore();
    const lines: string[] = [];
    const log = (fields: object, message: string): number =>
      lines.push(`${message} ${JSON.stringify(fields)}`);
    const notifier = durableNotifier(
      store,
      receiver.url,
      { maxAttempts: 3 },
      { logger: { info: log, warn: log } },
    );
    t.after(() => notifier.close());
    await record(store, notifier, makeTransition());
    await waitUntil(() => notifier.counters().failed === 1, 2000, 'the notification abandoned');
    await new Promise((resolve) => setTimeout(resolve, 100));

    assert.equal(receiver.requests.length, 3);
    const [row] = await store.listNotifications('inc-1');
    assert.equal(row?.state, 'abandoned');
    assert.equal(row?.lastError, 'HTTP 503');
    assert.ok(
      lines.some((line) => line.startsWith('notification failed: abandoned') && line.includes('"attempt":3')),
    );
  });

  it('tries again to store an outcome, so a delivered row is not sent twice', async (t) => {
    const receiver = await withReceiver(t, () => ({ status: 200 }));
    const memory = openMemoryStore();
    let settleFailures = 1;
    const store: ResultStore = {
      ...memory,
      async settleNotification(settlement) {
        if (settleFailures-- > 0) throw new Error('database is locked');
        return memory.settleNotification(settlement);
      },
    };
    const notifier = durableNotifier(store, receiver.url);
    t.after(() => notifier.close());
    await record(store, notifier, makeTransition());
    await receiver.waitForRequests(1, 2000);
    await waitUntil(() => settleFailures < 0, 2000, 'the second try to store the outcome');
    await notifier.flush(1000);

    assert.equal(receiver.requests.length, 1);
    assert.equal((await store.listNotifications('inc-1'))[0]?.state, 'delivered');
  });

  it('abandons a row it cannot read, with a count, and goes on with the next', async (t) => {
    const receiver = await withReceiver(t, () => ({ status: 200 }));
    const store = openMemoryStore();
    const notifier = durableNotifier(store, receiver.url);
    t.after(() => notifier.close());
    const damaged = { transitionKey: 'bad:raised', targetId: 'ops', incidentId: 'bad', createdAtMs: 0 };
    await store.saveIncident(makeTransition({ incidentId: 'bad' }).incident, [
      { ...damaged, payload: '{"incident":{}}' },
    ]);
    await record(store, notifier, makeTransition());
    await receiver.waitForRequests(1, 2000);
    await notifier.flush(1000);

    assert.deepEqual(keysReceived(receiver), ['inc-1:raised']);
    assert.equal((await store.listNotifications('bad'))[0]?.state, 'abandoned');
    assert.equal(notifier.counters().failed, 1);
  });

  it('sends a clear only after its raise, even when the raise is retried', async (t) => {
    const receiver = await withReceiver(t, (_request, index) => ({ status: index === 0 ? 503 : 200 }));
    const store = openMemoryStore();
    const notifier = durableNotifier(store, receiver.url);
    t.after(() => notifier.close());
    await record(store, notifier, makeTransition({ kind: 'raised' }));
    await record(store, notifier, makeTransition({ kind: 'cleared' }));
    await receiver.waitForRequests(3, 2000);
    await notifier.flush(1000);

    assert.deepEqual(keysReceived(receiver), ['inc-1:raised', 'inc-1:raised', 'inc-1:cleared']);
  });

  it('drops non-critical transitions beyond the rate limit and keeps critical ones waiting', async (t) => {
    let clockMs = 1_000_000;
    const receiver = await withReceiver(t, () => ({ status: 200 }));
    const store = openMemoryStore();
    const notifier = durableNotifier(store, receiver.url, { maxPerMinute: 2 }, { now: () => clockMs });
    t.after(() => notifier.close());
    for (let index = 0; index < 3; index += 1) {
      await record(
        store,
        notifier,
        makeTransition({ incidentId: `warn-${index}`, incident: { severity: 'warning' } }),
      );
    }
    await record(store, notifier, makeTransition({ incidentId: 'crit' }));
    await waitUntil(() => notifier.counters().dropped === 1, 2000, 'one drop');
    assert.equal(receiver.requests.length, 2);
    assert.equal((await store.listNotifications('crit'))[0]?.state, 'pending');

    clockMs += 30_000; // one token's worth
    await waitUntil(() => receiver.requests.length === 3, 2000, 'the critical one sent');
    assert.deepEqual(keysReceived(receiver), ['warn-0:raised', 'warn-1:raised', 'crit:raised']);
    assert.equal((await store.listNotifications('warn-2'))[0]?.state, 'abandoned');
  });

  it('resumes after a restart on the same SQLite file: each transition once, with its original key', async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'streamqc-outbox-'));
    t.after(() => rmSync(directory, { recursive: true, force: true }));
    const path = join(directory, 'results.db');
    // A port with nobody listening: the receiver is down while the incident is raised.
    const probe = await startReceiver();
    const port = Number(new URL(probe.url).port);
    await probe.close();

    const firstStore = openSqliteStore({ path });
    const first = durableNotifier(
      firstStore,
      probe.url,
      { maxAttempts: 100 },
      { backoff: { baseMs: 20, capMs: 50 } },
    );
    await record(firstStore, first, makeTransition({ kind: 'raised' }));
    await record(firstStore, first, makeTransition({ kind: 'cleared' }));
    await waitUntil(() => first.counters().retried >= 1, 3000, 'a retry while the receiver is down');
    await first.flush(200);
    await first.close();
    await firstStore.close();

    const receiver = await startReceiver(() => ({ status: 200 }), port);
    t.after(() => receiver.close());
    const secondStore = openSqliteStore({ path });
    const second = durableNotifier(secondStore, receiver.url, { maxAttempts: 100 });
    t.after(async () => {
      await second.close();
      await secondStore.close();
    });
    // The monitor re-evaluates the same transition after the restart: stored again, it adds nothing.
    await record(secondStore, second, makeTransition({ kind: 'cleared' }));
    await receiver.waitForRequests(2, 3000);
    await second.flush(1000);
    await new Promise((resolve) => setTimeout(resolve, 150));

    assert.deepEqual(keysReceived(receiver), ['inc-1:raised', 'inc-1:cleared']);
    const rows = await secondStore.listNotifications('inc-1');
    assert.deepEqual(
      rows.map((row) => [row.transitionKey, row.state]),
      [
        ['inc-1:raised', 'delivered'],
        ['inc-1:cleared', 'delivered'],
      ],
    );
    assert.ok((rows[0]?.attempts ?? 0) >= 2, 'the attempts before the restart count');
  });
});

/** Two notifiers (two nodes) on one shared store, claiming the same rows: each is sent once. */
function describeSharedStore(
  name: string,
  openPair: () => Promise<{ stores: [ResultStore, ResultStore]; cleanup: () => Promise<void> }>,
  skip?: string,
): void {
  it(`sends each row once from two nodes on one ${name} store`, { skip }, async (t) => {
    const { stores, cleanup } = await openPair();
    t.after(cleanup);
    // A little slow, so both nodes are busy at once.
    const receiver = await withReceiver(
      t,
      () => new Promise<Reply>((resolve) => setTimeout(() => resolve({ status: 200 }), 5)),
    );
    const notifiers = stores.map((store) => durableNotifier(store, receiver.url, { maxPerMinute: 1000 }));
    t.after(() => Promise.all(notifiers.map((notifier) => notifier.close())));
    const count = 30;
    for (let index = 0; index < count; index += 1) {
      const transition = makeTransition({ incidentId: `inc-${index}` });
      await record(stores[index % 2]!, notifiers[index % 2]!, transition);
      notifiers[(index + 1) % 2]!.wake();
    }
    await receiver.waitForRequests(count, 10_000);
    await Promise.all(notifiers.map((notifier) => notifier.flush(2000)));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const received = keysReceived(receiver);
    assert.equal(received.length, count, `received ${received.length}`);
    assert.equal(new Set(received).size, count);
    const sent = notifiers.map((notifier) => notifier.counters().sent);
    assert.equal(sent[0]! + sent[1]!, count);
  });
}

describe('durable notifications in a cluster', () => {
  describeSharedStore('SQLite', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'streamqc-outbox-shared-'));
    const path = join(directory, 'results.db');
    const stores: [ResultStore, ResultStore] = [openSqliteStore({ path }), openSqliteStore({ path })];
    return {
      stores,
      cleanup: async () => {
        await Promise.all(stores.map((store) => store.close()));
        rmSync(directory, { recursive: true, force: true });
      },
    };
  });
  const url = postgresTestUrl();
  describeSharedStore(
    'PostgreSQL',
    async () => {
      const schema = testSchema(url ?? '');
      const options = { url: schema.url, schema: schema.schema };
      const first = await openPostgresStore(options);
      const stores: [ResultStore, ResultStore] = [first, await openPostgresStore(options)];
      return {
        stores,
        cleanup: async () => {
          await Promise.all(stores.map((store) => store.close()));
          await schema.drop();
        },
      };
    },
    url === null ? 'STREAMQC_TEST_POSTGRES_URL is not set' : undefined,
  );
});
