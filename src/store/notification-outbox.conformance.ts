/**
 * What every backend's notification outbox must do (notification-outbox.ts), run from the ResultStore
 * conformance suite so memory, SQLite and PostgreSQL all pass the same tests.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { OutboxEntry, OutboxRow } from './notification-outbox.js';
import type { ConformanceBackend } from './result-store.conformance.js';
import { baseTimeMs, exampleIncident } from './result-store.fixtures.js';
import type { ResultStore } from './result-store.js';

function entry(incidentId: string, kind: string, targetId = 'ops', createdAtMs = baseTimeMs): OutboxEntry {
  return {
    transitionKey: `${incidentId}:${kind}`,
    targetId,
    incidentId,
    payload: JSON.stringify({ key: `${incidentId}:${kind}` }),
    createdAtMs,
  };
}

const claimOf = (claimer: string, nowMs: number, targetId = 'ops') => ({
  claimer,
  targetId,
  nowMs,
  leaseMs: 10_000,
  limit: 10,
});
const keys = (rows: readonly OutboxRow[]): string[] => rows.map((row) => row.transitionKey);

function settled(row: OutboxRow, claimer: string, state: OutboxRow['state'], nowMs: number) {
  return {
    transitionKey: row.transitionKey,
    targetId: row.targetId,
    claimer,
    state,
    attempts: row.attempts + 1,
    nextAttemptAtMs: nowMs,
    lastError: state === 'delivered' ? null : 'HTTP 500',
    nowMs,
  };
}

export function describeOutboxConformance(name: string, open: () => Promise<ConformanceBackend>): void {
  const withStore = async (body: (store: ResultStore) => Promise<void>): Promise<void> => {
    const backend = await open();
    try {
      await body(backend.store);
    } finally {
      await backend.store.close();
      await backend.cleanup();
    }
  };

  describe(`notification outbox conformance: ${name}`, () => {
    it('adds rows with the incident, once per transition and target', () =>
      withStore(async (store) => {
        await store.saveIncident(exampleIncident('i1'), [
          entry('i1', 'raised'),
          entry('i1', 'raised', 'slack'),
        ]);
        // The same transition saved again (a retried save, or re-evaluated after a restart) adds nothing.
        await store.saveIncident(exampleIncident('i1'), [entry('i1', 'raised', 'ops', baseTimeMs + 5)]);
        await store.saveIncident(exampleIncident('i1', { state: 'closed' }), [entry('i1', 'cleared')]);
        const rows = await store.listNotifications('i1');
        assert.deepEqual(
          rows.map((row) => [row.transitionKey, row.targetId, row.state, row.attempts, row.createdAtMs]),
          [
            ['i1:raised', 'ops', 'pending', 0, baseTimeMs],
            ['i1:raised', 'slack', 'pending', 0, baseTimeMs],
            ['i1:cleared', 'ops', 'pending', 0, baseTimeMs],
          ],
        );
        assert.equal(rows[0]?.payload, JSON.stringify({ key: 'i1:raised' }));
        assert.equal(rows[0]?.nextAttemptAtMs, baseTimeMs);
        assert.equal((await store.getIncident('i1'))?.state, 'closed');
        assert.deepEqual(await store.listNotifications('other'), []);
      }));

    it('claims due rows of one target in order, never a clear before its raise, never twice', () =>
      withStore(async (store) => {
        await store.saveIncident(exampleIncident('a'), [entry('a', 'raised'), entry('a', 'cleared')]);
        await store.saveIncident(exampleIncident('b'), [entry('b', 'raised'), entry('b', 'raised', 'slack')]);
        const nowMs = baseTimeMs + 1000;
        const first = await store.claimNotifications(claimOf('node-1', nowMs));
        assert.deepEqual(keys(first), ['a:raised', 'b:raised']);
        assert.deepEqual(
          await store.claimNotifications(claimOf('node-2', nowMs)),
          [],
          'claimed rows are taken',
        );
        assert.deepEqual(keys(await store.claimNotifications(claimOf('node-2', nowMs, 'slack'))), [
          'b:raised',
        ]);

        const raise = first[0]!;
        assert.equal(await store.settleNotification(settled(raise, 'node-2', 'delivered', nowMs)), false);
        assert.equal(await store.settleNotification(settled(raise, 'node-1', 'delivered', nowMs)), true);
        const clear = await store.claimNotifications(claimOf('node-2', nowMs));
        assert.deepEqual(keys(clear), ['a:cleared'], 'the clear is claimable once its raise is settled');
        const rows = await store.listNotifications('a');
        assert.equal(rows[0]?.state, 'delivered');
        assert.equal(rows[0]?.settledAtMs, nowMs);
        assert.equal(rows[0]?.attempts, 1);
      }));

    it('respects the next attempt time, and hands out rows whose claim ran out or was released', () =>
      withStore(async (store) => {
        await store.saveIncident(exampleIncident('a'), [entry('a', 'raised')]);
        const [row] = await store.claimNotifications(claimOf('node-1', baseTimeMs));
        assert.ok(row);
        const retryAtMs = baseTimeMs + 5000;
        assert.ok(
          await store.settleNotification({
            ...settled(row, 'node-1', 'pending', baseTimeMs),
            nextAttemptAtMs: retryAtMs,
          }),
        );
        assert.deepEqual(await store.claimNotifications(claimOf('node-1', retryAtMs - 1)), [], 'not due yet');
        const again = await store.claimNotifications(claimOf('node-1', retryAtMs));
        assert.deepEqual(
          again.map((claimed) => [claimed.transitionKey, claimed.attempts, claimed.lastError]),
          [['a:raised', 1, 'HTTP 500']],
        );
        // node-1 dies holding the row: it is free again once the 10 s claim has run out.
        assert.deepEqual(await store.claimNotifications(claimOf('node-2', retryAtMs + 9_999)), []);
        assert.equal((await store.claimNotifications(claimOf('node-2', retryAtMs + 10_000))).length, 1);
        assert.equal(await store.releaseNotifications('node-2'), 1);
        assert.equal((await store.claimNotifications(claimOf('node-3', retryAtMs + 10_000))).length, 1);
        assert.equal(await store.releaseNotifications('node-1'), 0);
      }));

    it('prunes settled rows by settle time and forgotten pending rows by age', () =>
      withStore(async (store) => {
        await store.saveIncident(exampleIncident('a'), [
          entry('a', 'raised'),
          entry('a', 'cleared', 'ops', baseTimeMs + 100),
        ]);
        await store.saveIncident(exampleIncident('b'), [entry('b', 'raised', 'ops', baseTimeMs + 50_000)]);
        const [raise] = await store.claimNotifications(claimOf('n', baseTimeMs + 100));
        assert.ok(raise);
        await store.settleNotification(settled(raise, 'n', 'abandoned', baseTimeMs + 100));
        assert.equal(await store.pruneNotifications(baseTimeMs + 100), 0);
        assert.equal(
          await store.pruneNotifications(baseTimeMs + 101),
          2,
          'the abandoned raise and old clear',
        );
        assert.deepEqual(await store.listNotifications('a'), []);
        assert.equal((await store.listNotifications('b')).length, 1);
      }));

    it('keeps the outbox across close and reopen', async (t: TestContext) => {
      const backend = await open();
      try {
        if (backend.reopen === undefined) {
          t.skip('this backend keeps nothing after close');
          return;
        }
        await backend.store.saveIncident(exampleIncident('a'), [entry('a', 'raised')]);
        await backend.store.claimNotifications(claimOf('node-1', baseTimeMs));
        await backend.store.releaseNotifications('node-1');
        await backend.store.close();
        const reopened = await backend.reopen();
        try {
          assert.deepEqual(keys(await reopened.claimNotifications(claimOf('node-2', baseTimeMs))), [
            'a:raised',
          ]);
        } finally {
          await reopened.close();
        }
      } finally {
        await backend.store.close();
        await backend.cleanup();
      }
    });
  });
}
