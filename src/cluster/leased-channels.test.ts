/**
 * Leases driving channels, with detector groups, against a real PostgreSQL and a recording stand-in for the
 * monitor: a worker holding several groups of a channel runs it once with their union, a lost group
 * restarts the channel with the rest, and a graceful stop hands everything to the other worker.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { ChannelSpec } from '../service/model.js';
import { exampleChannel } from '../store/result-store.fixtures.js';
import { createTestSchema, postgresSkip, type TestSchema } from '../test-support/postgres.js';
import { tasksOf } from './cluster-tasks.js';
import { LeasedChannels, type ChannelHost } from './leased-channels.js';

const groups = { video: ['black', 'freeze'], audio: ['silence'] };
const allDetectorIds = ['black', 'freeze', 'silence', 'loudness'];

class RecordingHost implements ChannelHost {
  /** Channel id -> detectors, for what runs now. */
  readonly running = new Map<string, readonly string[]>();
  readonly log: string[] = [];
  constructor(private readonly specs: readonly ChannelSpec[]) {}
  knownChannels(): readonly ChannelSpec[] {
    return this.specs;
  }
  async startChannel(id: string, detectorIds: readonly string[]): Promise<boolean> {
    if (this.running.has(id)) return false;
    this.running.set(id, detectorIds);
    this.log.push(`start ${id} ${detectorIds.join(',')}`);
    return true;
  }
  async stopChannel(id: string): Promise<boolean> {
    await sleep(20);
    this.log.push(`stop ${id}`);
    return this.running.delete(id);
  }
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('tasks of a channel', () => {
  it('one per channel without groups; one per group the channel runs with them', () => {
    const news = exampleChannel('news', { detectors: [] });
    const radio = exampleChannel('radio', { detectors: ['silence', 'loudness'] });
    assert.deepEqual(tasksOf(news, {}, allDetectorIds), [
      { taskId: 'news', channelId: 'news', detectorIds: allDetectorIds },
    ]);
    assert.deepEqual(
      tasksOf(news, groups, allDetectorIds).map((t) => `${t.taskId}=${t.detectorIds.join(',')}`),
      ['news#video=black,freeze', 'news#audio=silence'],
    );
    assert.deepEqual(
      tasksOf(radio, groups, allDetectorIds).map((t) => t.taskId),
      ['radio#audio'],
      'a group none of whose detectors the channel runs gives no task',
    );
  });
});

describe('leased channels (PostgreSQL)', { skip: postgresSkip() }, () => {
  let db: TestSchema;
  beforeEach(async () => {
    db = await createTestSchema('leased_test');
  });
  afterEach(async () => {
    await db.drop();
  });

  it('runs each channel once with the union of its held groups, and hands all over on a graceful stop', async () => {
    const specs = [exampleChannel('a', { detectors: [] }), exampleChannel('b', { detectors: [] })];
    const cluster = (workerId: string) =>
      new LeasedChannels({
        cluster: {
          postgresUrl: db.url,
          schema: db.schema,
          workerId,
          leaseSeconds: 2,
          checkIntervalSeconds: 0.2,
          detectorGroups: groups,
        },
        allDetectorIds,
        maxChannels: 100,
        logger: pino({ level: 'silent' }),
      });
    const first = cluster('first');
    const firstHost = new RecordingHost(specs);
    await first.start(firstHost);
    await waitFor(() => firstHost.running.size === 2, 'the first worker to run both channels');
    assert.deepEqual(Object.fromEntries(firstHost.running), {
      a: ['black', 'freeze', 'silence'],
      b: ['black', 'freeze', 'silence'],
    });
    assert.equal(first.mayRun('a'), true);
    assert.deepEqual(
      { ...first.clusterStatus(), liveWorkers: 1 },
      { workerId: 'first', heldTasks: 4, maxTasks: 100, liveWorkers: 1, tasks: 4, unassignedTasks: 0 },
    );

    // A second worker joins: fair share is two of the four tasks each.
    const second = cluster('second');
    const secondHost = new RecordingHost(specs);
    await second.start(secondHost);
    const detectorsRun = () =>
      [...firstHost.running.values(), ...secondHost.running.values()].flat().sort().join(',');
    await waitFor(
      () => secondHost.running.size > 0 && detectorsRun() === 'black,black,freeze,freeze,silence,silence',
      'every group of every channel to run exactly once',
    );
    assert.ok(
      firstHost.log.some((line) => line.startsWith('stop ')),
      'the first worker gave up groups',
    );

    await first.close();
    assert.equal(firstHost.running.size, 0, 'a graceful stop stops every channel first');
    assert.equal(first.mayRun('a'), false);
    await waitFor(
      () =>
        secondHost.running.get('a')?.join() === 'black,freeze,silence' &&
        secondHost.running.get('b')?.join() === 'black,freeze,silence',
      'the second worker to take every group',
    );
    assert.deepEqual(first.tokens('a'), []);
    assert.ok(second.tokens('a').every((token) => token.generation >= 1));
    await second.close();
    const owners = await db.query<{ owner: string | null }>(
      `SELECT owner FROM "${db.schema}".streamqc_leases`,
    );
    assert.deepEqual(
      owners.map((row) => row.owner),
      [null, null, null, null],
    );
  });
});
