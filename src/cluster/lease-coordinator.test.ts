/**
 * The lease protocol against a real PostgreSQL, with several coordinators in one process whose cycles the
 * test runs by hand: each coordinator has its own monotonic clock, so a paused worker is one whose clock
 * jumps while it ran no cycle.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createTestSchema, postgresSkip, type TestSchema } from '../test-support/postgres.js';
import { fairShare, LeaseCoordinator, type LeaseStore, type LossReason } from './lease-coordinator.js';
import { PgLeaseStore } from './pg-lease-store.js';

interface Worker {
  readonly id: string;
  readonly coordinator: LeaseCoordinator;
  readonly store: PgLeaseStore;
  /** This worker's monotonic clock, ms. */
  clockMs: number;
  readonly losses: { taskId: string; reason: LossReason }[];
}

/** The interval is long so only the test runs cycles; 100 s on the clock lets a fresh worker claim. */
const intervalSeconds = 100;

describe('lease coordinator (PostgreSQL)', { skip: postgresSkip() }, () => {
  // Each test has its own schema: the fair share counts every task and worker in it.
  let db: TestSchema;
  let workers: Worker[] = [];

  beforeEach(async () => {
    db = await createTestSchema('lease_test');
    workers = [];
  });
  afterEach(async () => {
    for (const worker of workers) await worker.store.close().catch(() => undefined);
    await db.drop();
  });

  async function startWorker(
    id: string,
    tasks: readonly string[],
    leaseSeconds: number,
    maxTasks?: number,
  ): Promise<Worker> {
    const store = new PgLeaseStore({ postgresUrl: db.url, schema: db.schema, queryTimeoutMs: 5000 });
    await store.open();
    const worker: Worker = {
      id,
      store,
      clockMs: 0,
      losses: [],
      coordinator: undefined as unknown as LeaseCoordinator,
    };
    Object.assign(worker, {
      coordinator: new LeaseCoordinator({
        store,
        workerId: id,
        leaseSeconds,
        checkIntervalSeconds: intervalSeconds,
        tasks: () => tasks,
        logger: pino({ level: 'silent' }),
        ...(maxTasks === undefined ? {} : { maxTasks }),
        nowMs: () => worker.clockMs,
        events: {
          acquired: () => undefined,
          released: async (taskId, reason) => {
            worker.losses.push({ taskId, reason });
            await Promise.resolve();
          },
        },
      }),
    });
    await worker.coordinator.start();
    worker.clockMs += intervalSeconds * 1000;
    workers.push(worker);
    return worker;
  }

  async function owners(prefix: string): Promise<Map<string, string | null>> {
    const rows = await db.query<{ task_id: string; owner: string | null }>(
      `SELECT task_id, owner FROM "${db.schema}".streamqc_leases WHERE task_id LIKE $1`,
      [`${prefix}%`],
    );
    return new Map(rows.map((row) => [row.task_id, row.owner]));
  }

  const held = (worker: Worker) => worker.coordinator.heldTaskIds().sort();

  it('workers claiming at once never share a task, each takes its fair share, and a graceful stop frees its tasks at once', async () => {
    const tasks = Array.from({ length: 12 }, (_, i) => `fair-${String(i).padStart(2, '0')}`);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((id) => startWorker(`fair-${id}`, tasks, 30)));
    assert.ok(a && b && c);
    await Promise.all([a, b, c].map((w) => w.coordinator.cycle()));
    // The first round may see the tasks half-registered; the second settles.
    await Promise.all([a, b, c].map((w) => w.coordinator.cycle()));
    const all = [a, b, c].flatMap(held);
    assert.equal(new Set(all).size, all.length, `a task held twice: ${all.join(' ')}`);
    assert.deepEqual(
      [a, b, c].map((w) => held(w).length),
      [4, 4, 4],
    );
    const table = await owners('fair-');
    for (const worker of [a, b, c]) for (const task of held(worker)) assert.equal(table.get(task), worker.id);

    const handedBack = held(c);
    await c.coordinator.close();
    assert.deepEqual(
      c.losses.map((loss) => loss.reason),
      ['closing', 'closing', 'closing', 'closing'],
    );
    const afterClose = await owners('fair-');
    for (const task of handedBack) assert.equal(afterClose.get(task), null, `${task} freed at once`);

    await a.coordinator.cycle();
    await b.coordinator.cycle();
    assert.deepEqual([held(a).length, held(b).length], [6, 6], 'the two left take the freed tasks');
    assert.equal(new Set([...held(a), ...held(b)]).size, 12);
    await a.coordinator.close();
    await b.coordinator.close();
  });

  it('a worker that joins gets its share from the others, handed back without waiting for expiry', async () => {
    const tasks = Array.from({ length: 6 }, (_, i) => `join-${i}`);
    const a = await startWorker('join-a', tasks, 30);
    await a.coordinator.cycle();
    await a.coordinator.cycle();
    assert.equal(held(a).length, 6, 'alone, it takes everything');

    const b = await startWorker('join-b', tasks, 30);
    await b.coordinator.cycle();
    assert.equal(held(b).length, 0, 'nothing is free yet');
    await a.coordinator.cycle();
    await a.coordinator.settled();
    assert.equal(held(a).length, 3);
    assert.deepEqual(
      a.losses.map((loss) => loss.reason),
      ['rebalanced', 'rebalanced', 'rebalanced'],
    );
    await b.coordinator.cycle();
    assert.equal(held(b).length, 3);
    assert.equal(new Set([...held(a), ...held(b)]).size, 6);
    await a.coordinator.close();
    await b.coordinator.close();
  });

  it('a paused worker loses its leases: fenced locally the moment it resumes, and by generation in the database', async () => {
    const tasks = ['pause-0', 'pause-1', 'pause-2', 'pause-3'];
    const leaseSeconds = 1;
    const a = await startWorker('pause-a', tasks, leaseSeconds);
    const b = await startWorker('pause-b', tasks, leaseSeconds);
    await Promise.all([a.coordinator.cycle(), b.coordinator.cycle()]);
    await Promise.all([a.coordinator.cycle(), b.coordinator.cycle()]);
    assert.deepEqual([held(a).length, held(b).length], [2, 2]);
    const aTasks = held(a);
    const aTokens = aTasks.map((task) => a.coordinator.token(task)?.generation);

    // Renewed leases outlive the lease time: nothing moves while both keep renewing.
    for (let round = 0; round < 4; round++) {
      await sleep(400);
      a.clockMs += 400;
      b.clockMs += 400;
      await Promise.all([a.coordinator.cycle(), b.coordinator.cycle()]);
    }
    assert.deepEqual(held(a), aTasks, 'still held after 1.6 s of 1 s leases');
    assert.deepEqual(
      aTasks.map((task) => a.coordinator.token(task)?.generation),
      aTokens,
      'renewal keeps the generation',
    );

    // a is paused (no cycles) past its lease; b takes its tasks over.
    await sleep(1300);
    b.clockMs += 1300;
    await b.coordinator.cycle();
    assert.equal(held(b).length, 4, 'the survivor takes the expired tasks');
    for (const task of aTasks) {
      assert.ok((b.coordinator.token(task)?.generation ?? 0) > (aTokens[0] ?? 0), 'a new generation');
    }

    // a resumes: its monotonic clock moved on, so it no longer holds anything, before any round trip.
    a.clockMs += 1300;
    for (const task of aTasks) assert.equal(a.coordinator.holds(task), false);
    await a.coordinator.cycle();
    assert.deepEqual(
      a.losses.map((loss) => loss.reason),
      ['expired', 'expired'],
    );
    const table = await owners('pause-');
    for (const task of tasks) assert.equal(table.get(task), 'pause-b', `${task} is b's alone`);
    await a.coordinator.close();
    await b.coordinator.close();
  });

  it('a stale renewal never takes back a lease that changed hands (generation fencing)', async () => {
    const tasks = ['stale-0'];
    const a = await startWorker('stale-a', tasks, 1);
    await a.coordinator.cycle();
    await a.coordinator.cycle();
    assert.deepEqual(held(a), ['stale-0']);
    await sleep(1200);
    const b = await startWorker('stale-b', tasks, 1);
    await b.coordinator.cycle();
    await b.coordinator.cycle();
    assert.deepEqual(held(b), ['stale-0']);
    // a's clock did not move (as if its deadline were still ahead): the database refuses its renewal.
    assert.equal(a.coordinator.holds('stale-0'), true);
    await a.coordinator.cycle();
    assert.deepEqual(a.losses, [{ taskId: 'stale-0', reason: 'taken' }]);
    assert.deepEqual(held(a), []);
    assert.equal((await owners('stale-')).get('stale-0'), 'stale-b');
    await a.coordinator.close();
    await b.coordinator.close();
  });

  it('worker.maxChannels: a worker never holds more, the others take the rest, and what nobody has room for is reported', async () => {
    const tasks = Array.from({ length: 10 }, (_, i) => `cap-${String(i).padStart(2, '0')}`);
    const [small, large] = await Promise.all([
      startWorker('cap-small', tasks, 30, 2),
      startWorker('cap-large', tasks, 30, 6),
    ]);
    assert.ok(small && large);
    for (let round = 0; round < 3; round++)
      await Promise.all([small, large].map((w) => w.coordinator.cycle()));
    assert.deepEqual([held(small).length, held(large).length], [2, 6]);
    const free = [...(await owners('cap-')).values()].filter((owner) => owner === null);
    assert.equal(free.length, 2, 'two channels have no worker');
    assert.deepEqual(small.coordinator.status(), {
      workerId: 'cap-small',
      heldTasks: 2,
      maxTasks: 2,
      liveWorkers: 2,
      tasks: 10,
      unassignedTasks: 2,
    });
    assert.equal(large.coordinator.status().unassignedTasks, 2);

    // A third worker with room takes the leftovers; the full ones keep theirs.
    const third = await startWorker('cap-third', tasks, 30);
    for (let round = 0; round < 3; round++) {
      await Promise.all([small, large, third].map((w) => w.coordinator.cycle()));
      // Hand-backs are written once their work has stopped, after the round.
      await Promise.all([small, large, third].map((w) => w.coordinator.settled()));
    }
    assert.deepEqual([held(small).length, held(large).length, held(third).length], [2, 4, 4]);
    assert.equal(third.coordinator.status().unassignedTasks, 0);
    const all = [small, large, third].flatMap(held);
    assert.equal(new Set(all).size, 10);
    for (const worker of [small, large, third]) await worker.coordinator.close();
  });
});

describe('lease coordinator when PostgreSQL is unreachable', () => {
  it('keeps its leases until the local deadline, then stops them, and claims again once the database answers', async () => {
    let down = false;
    let generation = 0;
    const fail = async () => {
      await Promise.resolve();
      if (down) throw new Error('connect ECONNREFUSED');
    };
    const store: LeaseStore = {
      heartbeat: fail,
      addTasks: fail,
      deregister: fail,
      release: fail,
      census: async () => {
        await fail();
        return { liveWorkers: 1, tasks: 1, capacities: [Number.POSITIVE_INFINITY] };
      },
      claim: async (_worker, candidates) => {
        await fail();
        return candidates.map((taskId) => ({ taskId, generation: ++generation }));
      },
      renew: async (_worker, held) => {
        await fail();
        return [...held];
      },
    };
    let clockMs = 0;
    const losses: LossReason[] = [];
    const coordinator = new LeaseCoordinator({
      store,
      workerId: 'w',
      leaseSeconds: 5,
      checkIntervalSeconds: intervalSeconds,
      tasks: () => ['t'],
      logger: pino({ level: 'silent' }),
      nowMs: () => clockMs,
      events: {
        acquired: () => undefined,
        released: async (_taskId, reason) => {
          losses.push(reason);
          await Promise.resolve();
        },
      },
    });
    await coordinator.start();
    clockMs += intervalSeconds * 1000;
    await coordinator.cycle();
    assert.equal(coordinator.holds('t'), true);

    down = true;
    clockMs += 3000;
    await coordinator.cycle();
    assert.equal(coordinator.holds('t'), true, 'a failed round within the lease time changes nothing');
    clockMs += 3000;
    assert.equal(coordinator.holds('t'), false, 'past the deadline the lease is gone, round or not');
    await coordinator.cycle();
    assert.deepEqual(losses, ['expired']);

    down = false;
    await coordinator.cycle();
    assert.equal(coordinator.token('t')?.generation, 2, 'claimed again with a new generation');
    await coordinator.close();
  });
});

describe('fairShare', () => {
  it('is ceil(tasks / workers) when nobody is near a limit', () => {
    const none = Number.POSITIVE_INFINITY;
    assert.equal(fairShare(12, [none, none, none], none), 4);
    assert.equal(fairShare(10, [none, none, none], none), 4);
  });

  it('fills the others up when some workers have a lower limit, never past a worker limit', () => {
    assert.equal(fairShare(10, [2, 100, 100], 2), 2);
    assert.equal(fairShare(10, [2, 100, 100], 100), 4);
    assert.equal(fairShare(10, [2, 6], 6), 6);
    assert.equal(fairShare(10, [2, 6], 2), 2);
  });

  it('every worker takes its limit when the tasks outnumber them all', () => {
    assert.equal(fairShare(50, [3, 5], 3), 3);
    assert.equal(fairShare(50, [3, 5], 5), 5);
    assert.equal(fairShare(0, [3, 5], 5), 0);
  });
});
