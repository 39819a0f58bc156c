import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { pino } from 'pino';
import {
  createNotifier,
  type Notifier,
  type NotifierOptions,
  type NotificationTarget,
  type NotifyLogger,
} from './notifier.js';
import {
  makeTransition,
  startReceiver,
  waitUntil,
  type LocalReceiver,
  type Reply,
} from '../test-support/local-receiver.js';

// Short waits so every test stays well under 2 s.
const fastBackoff = { baseMs: 5, capMs: 20 };

async function setUp(
  t: TestContext,
  reply: Parameters<typeof startReceiver>[0],
  target: Partial<NotificationTarget> = {},
  options: Partial<NotifierOptions> = {},
): Promise<{ receiver: LocalReceiver; notifier: Notifier }> {
  const receiver = await startReceiver(reply);
  const notifier = createNotifier({
    targets: [{ id: 'ops', kind: 'webhook', url: receiver.url, timeoutMs: 500, ...target }],
    backoff: fastBackoff,
    version: '1.2.3',
    ...options,
  });
  t.after(async () => {
    await notifier.close();
    await receiver.close();
  });
  return { receiver, notifier };
}

const keysReceived = (receiver: LocalReceiver): string[] =>
  receiver.requests.map((request) => String(request.headers['idempotency-key']));

describe('notifier delivery', () => {
  it('posts the transition as JSON with the idempotency key header', async (t) => {
    const { receiver, notifier } = await setUp(t, () => ({ status: 200 }));
    const transition = makeTransition();
    notifier.notify(transition);
    await notifier.flush(1500);

    assert.equal(receiver.requests.length, 1);
    const request = receiver.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['idempotency-key'], 'inc-1:raised');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['user-agent'], 'streamqc/1.2.3');
    const body = JSON.parse(request.body) as Record<string, unknown>;
    assert.equal(body.key, 'inc-1:raised');
    assert.equal(body.type, 'incident.raised');
    assert.equal(body.at, '2025-01-02T12:00:07.000Z');
    const incident = body.incident as Record<string, unknown>;
    assert.equal(incident.id, 'inc-1');
    assert.equal(incident.startedAt, '2025-01-02T12:00:03.000Z');
    assert.equal(incident.closedAt, null);
    assert.deepEqual(notifier.counters(), { sent: 1, failed: 0, dropped: 0, retried: 0, rateLimited: 0 });
  });

  it('sends a Slack target a readable text and the key in a context block', async (t) => {
    const { receiver, notifier } = await setUp(t, () => ({ status: 200 }), { kind: 'slack' });
    notifier.notify(makeTransition());
    await notifier.flush(1500);

    const body = JSON.parse(receiver.requests[0]!.body) as { text: string; blocks: { type: string }[] };
    assert.equal(body.text, ':red_circle: RAISED critical freeze on channel news-1 (since 12:00:03 UTC)');
    const context = body.blocks.find((block) => block.type === 'context');
    assert.match(JSON.stringify(context), /inc-1:raised/);
  });

  it('retries 503 with the same key and delivers on the third attempt', async (t) => {
    const { receiver, notifier } = await setUp(t, (_request, index) => ({ status: index < 2 ? 503 : 200 }));
    notifier.notify(makeTransition());
    await notifier.flush(1500);

    assert.deepEqual(keysReceived(receiver), ['inc-1:raised', 'inc-1:raised', 'inc-1:raised']);
    assert.deepEqual(notifier.counters(), { sent: 1, failed: 0, dropped: 0, retried: 2, rateLimited: 0 });
  });

  it('does not retry a 400', async (t) => {
    const { receiver, notifier } = await setUp(t, () => ({ status: 400 }));
    notifier.notify(makeTransition());
    await notifier.flush(1500);
    await new Promise((resolve) => setTimeout(resolve, 60)); // longer than any retry wait

    assert.equal(receiver.requests.length, 1);
    assert.deepEqual(notifier.counters(), { sent: 0, failed: 1, dropped: 0, retried: 0, rateLimited: 0 });
  });

  it('gives up after maxAttempts', async (t) => {
    const { receiver, notifier } = await setUp(t, () => ({ status: 500 }), { maxAttempts: 3 });
    notifier.notify(makeTransition());
    await notifier.flush(1500);

    assert.equal(receiver.requests.length, 3);
    assert.deepEqual(notifier.counters(), { sent: 0, failed: 1, dropped: 0, retried: 2, rateLimited: 0 });
  });

  it('times out a receiver that does not answer and retries', async (t) => {
    const replies: Reply[] = ['hang', { status: 200 }];
    const { receiver, notifier } = await setUp(t, (_request, index) => replies[index] ?? { status: 200 }, {
      timeoutMs: 100,
    });
    const startedMs = Date.now();
    notifier.notify(makeTransition());
    await notifier.flush(1500);

    assert.equal(receiver.requests.length, 2);
    assert.ok(Date.now() - startedMs >= 100, 'the retry came after the timeout');
    assert.deepEqual(notifier.counters(), { sent: 1, failed: 0, dropped: 0, retried: 1, rateLimited: 0 });
  });

  it('honours Retry-After on 429', async (t) => {
    const { receiver, notifier } = await setUp(
      t,
      (_request, index): Reply =>
        index === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 200 },
      {},
      { backoff: { baseMs: 1, capMs: 5000 } },
    );
    notifier.notify(makeTransition());
    await notifier.flush(1800);

    assert.equal(receiver.requests.length, 2);
    const waitedMs = receiver.requests[1]!.atMs - receiver.requests[0]!.atMs;
    assert.ok(waitedMs >= 950, `waited ${waitedMs} ms`);
  });

  it('delivers the same transition once', async (t) => {
    const { receiver, notifier } = await setUp(t, () => ({ status: 200 }));
    notifier.notify(makeTransition());
    notifier.notify(makeTransition()); // while the first is queued
    await notifier.flush(1500);
    notifier.notify(makeTransition()); // after it was delivered
    await notifier.flush(1500);

    assert.equal(receiver.requests.length, 1);
    assert.equal(notifier.counters().sent, 1);
  });

  it('keeps raise before clear for one incident, even when the raise is retried', async (t) => {
    const { receiver, notifier } = await setUp(t, (_request, index) => ({ status: index === 0 ? 503 : 200 }));
    notifier.notify(makeTransition({ kind: 'raised' }));
    notifier.notify(makeTransition({ kind: 'cleared' }));
    await notifier.flush(1500);

    assert.deepEqual(keysReceived(receiver), ['inc-1:raised', 'inc-1:raised', 'inc-1:cleared']);
  });

  it('flush waits for a slow receiver, and gives up at its timeout', async (t) => {
    let slowMs = 150;
    const { receiver, notifier } = await setUp(
      t,
      () => new Promise<Reply>((resolve) => setTimeout(() => resolve({ status: 200 }), slowMs)),
      { timeoutMs: 1000 },
    );
    notifier.notify(makeTransition());
    await notifier.flush(1500);
    assert.equal(notifier.counters().sent, 1);

    slowMs = 900;
    notifier.notify(makeTransition({ incidentId: 'inc-2' }));
    const startedMs = Date.now();
    await notifier.flush(100);
    assert.ok(Date.now() - startedMs < 400, 'flush returned at its own timeout');
    assert.equal(notifier.counters().sent, 1);
    await receiver.waitForRequests(2);
  });
});

describe('notifier filters and limits', () => {
  it('sends only what matches severity, channel and kind', async (t) => {
    const { receiver, notifier } = await setUp(t, () => ({ status: 200 }), {
      minSeverity: 'warning',
      channels: ['news-1'],
      kinds: ['freeze', 'black'],
    });
    notifier.notify(makeTransition({ incidentId: 'info', incident: { severity: 'info' } }));
    notifier.notify(makeTransition({ incidentId: 'other-channel', incident: { channelId: 'sport-2' } }));
    notifier.notify(makeTransition({ incidentId: 'other-kind', incident: { kind: 'silence' } }));
    notifier.notify(
      makeTransition({ incidentId: 'warning-black', incident: { severity: 'warning', kind: 'black' } }),
    );
    notifier.notify(makeTransition({ incidentId: 'critical-freeze' }));
    await notifier.flush(1500);

    assert.deepEqual(keysReceived(receiver), ['warning-black:raised', 'critical-freeze:raised']);
  });

  it('drops non-critical transitions beyond the rate limit and keeps critical ones waiting', async (t) => {
    let clockMs = 0;
    const { receiver, notifier } = await setUp(
      t,
      () => ({ status: 200 }),
      { maxPerMinute: 2 },
      { now: () => clockMs },
    );
    for (let index = 0; index < 5; index += 1) {
      notifier.notify(makeTransition({ incidentId: `warn-${index}`, incident: { severity: 'warning' } }));
    }
    notifier.notify(makeTransition({ incidentId: 'crit' }));
    await waitUntil(() => notifier.counters().dropped === 3, 1000, 'three drops');
    assert.equal(receiver.requests.length, 2);

    clockMs += 30_000; // one token's worth
    await notifier.flush(1500);
    assert.deepEqual(keysReceived(receiver), ['warn-0:raised', 'warn-1:raised', 'crit:raised']);
    assert.deepEqual(notifier.counters(), { sent: 3, failed: 0, dropped: 3, retried: 0, rateLimited: 4 });
  });

  it('lets the clear of a delivered raise wait for the rate limit', async (t) => {
    let clockMs = 0;
    const { receiver, notifier } = await setUp(
      t,
      () => ({ status: 200 }),
      { maxPerMinute: 1 },
      { now: () => clockMs },
    );
    const warning = { severity: 'warning' } as const;
    notifier.notify(makeTransition({ incidentId: 'a', incident: warning }));
    notifier.notify(makeTransition({ incidentId: 'b', incident: warning }));
    notifier.notify(makeTransition({ incidentId: 'a', kind: 'cleared', incident: warning }));
    await waitUntil(() => notifier.counters().dropped === 1, 1000, 'one drop');
    clockMs += 60_000;
    await notifier.flush(1500);

    assert.deepEqual(keysReceived(receiver), ['a:raised', 'a:cleared']);
  });

  it('bounds the queue, dropping the oldest non-critical entry first', async (t) => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { receiver, notifier } = await setUp(
      t,
      async (_request, index): Promise<Reply> => {
        if (index === 0) await gate;
        return { status: 200 };
      },
      { timeoutMs: 1000 },
      { maxQueueLength: 3 },
    );
    const warning = { severity: 'warning' } as const;
    notifier.notify(makeTransition({ incidentId: 'first' }));
    await receiver.waitForRequests(1); // in flight, no longer queued
    notifier.notify(makeTransition({ incidentId: 'w1', incident: warning }));
    notifier.notify(makeTransition({ incidentId: 'c2' }));
    notifier.notify(makeTransition({ incidentId: 'w3', incident: warning }));
    notifier.notify(makeTransition({ incidentId: 'w4', incident: warning })); // drops w1
    notifier.notify(makeTransition({ incidentId: 'c5' })); // drops w3
    release();
    await notifier.flush(1500);

    assert.deepEqual(keysReceived(receiver), ['first:raised', 'c2:raised', 'w4:raised', 'c5:raised']);
    assert.equal(notifier.counters().dropped, 2);
  });
});

describe('notifier lifecycle and safety', () => {
  it('close() aborts the wait, drops what is left and leaves no timers', async (t) => {
    const timersBefore = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const { receiver, notifier } = await setUp(
      t,
      () => ({ status: 503 }),
      {},
      {
        backoff: { baseMs: 10_000, capMs: 10_000 },
      },
    );
    notifier.notify(makeTransition({ incidentId: 'a' }));
    notifier.notify(makeTransition({ incidentId: 'b' }));
    await receiver.waitForRequests(1);
    await new Promise((resolve) => setTimeout(resolve, 20)); // now in its retry wait

    const startedMs = Date.now();
    await notifier.close();
    assert.ok(Date.now() - startedMs < 200, 'close did not wait for the retry');
    assert.equal(notifier.counters().dropped, 2);
    const timersAfter = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    assert.ok(timersAfter <= timersBefore, `timers: ${timersBefore} before, ${timersAfter} after`);

    notifier.notify(makeTransition({ incidentId: 'c' }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(receiver.requests.length, 1);
  });

  it('never logs the target URL', async (t) => {
    const lines: string[] = [];
    const logger = {
      info: (fields: object, message: string) => lines.push(`${message} ${JSON.stringify(fields)}`),
      warn: (fields: object, message: string) => lines.push(`${message} ${JSON.stringify(fields)}`),
    };
    const { notifier } = await setUp(
      t,
      () => ({ status: 500 }),
      { kind: 'slack', maxAttempts: 2 },
      { logger },
    );
    notifier.notify(makeTransition());
    await notifier.flush(1500);
    // And a network failure: a port that was just closed refuses connections.
    const gone = await startReceiver();
    await gone.close();
    const refused = createNotifier({
      targets: [{ id: 'gone', kind: 'slack', url: gone.url, maxAttempts: 1 }],
      logger,
    });
    refused.notify(makeTransition());
    await refused.flush(1500);
    await refused.close();

    const failure = lines.find(
      (line) => line.includes('notification failed') && line.includes('ECONNREFUSED'),
    );
    assert.ok(failure !== undefined, `no connection-refused failure logged in ${JSON.stringify(lines)}`);
    assert.ok(lines.length >= 3, `only ${lines.length} log lines`);
    for (const line of lines) assert.doesNotMatch(line, /secret-token-xyz|hooks\/|services\//);
  });

  it('never throws from notify, even for a transition it cannot format', async (t) => {
    const { receiver, notifier } = await setUp(t, () => ({ status: 200 }));
    const broken = makeTransition({ incident: { details: { bad: 1n as unknown as number } } });
    assert.doesNotThrow(() => notifier.notify(broken));
    await notifier.flush(500);
    assert.equal(receiver.requests.length, 0);
    assert.equal(notifier.counters().failed, 1);
  });

  it('rejects invalid targets, naming each problem but not the URL', () => {
    assert.throws(
      () =>
        createNotifier({
          targets: [
            { id: 'a', kind: 'webhook', url: 'ftp://user:pw@example.test/x', maxPerMinute: 0 },
            { id: 'a', kind: 'slack', url: 'https://hooks.example.test/x', maxAttempts: 1.5 },
          ],
        }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'BAD_CONFIG');
        assert.match(error.message, /targets\[0\]\.url/);
        assert.match(error.message, /targets\[0\]\.maxPerMinute/);
        assert.match(error.message, /targets\[1\]\.id: 'a' is used twice/);
        assert.match(error.message, /targets\[1\]\.maxAttempts/);
        assert.doesNotMatch(error.message, /pw@|example\.test/);
        return true;
      },
    );
  });

  it('takes a pino logger as it is', async () => {
    const logger: NotifyLogger = pino({ enabled: false });
    const notifier = createNotifier({ targets: [], logger });
    notifier.notify(makeTransition());
    await notifier.close();
    assert.equal(notifier.counters().sent, 0);
  });
});
