/**
 * Durable notifications through the whole service with SQLite: the receiver is down while an incident is
 * raised, the service is stopped as SIGTERM stops it and started again on the same file, then the receiver
 * comes up and gets the transition exactly once, with the key it had before the restart.
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
import type { OutboxRow } from '../src/store/notification-outbox.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { fixtureDirectory, fixturePath } from '../src/synth/fixtures.js';
import { startReceiver } from '../src/test-support/local-receiver.js';

async function pollUntil<T>(read: () => Promise<T | null>, timeoutMs: number, what: string): Promise<T> {
  const deadlineMs = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('durable notifications across a restart', () => {
  it('delivers a transition raised while the receiver was down once, after a restart, with its key', async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'streamqc-notify-restart-'));
    t.after(() => rmSync(directory, { recursive: true, force: true }));
    // A port with nobody listening: the receiver is down.
    const probe = await startReceiver();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const config = parseServiceConfig(
      {
        http: { port: 0 },
        storage: { path: join(directory, 'streamqc.db'), evidenceDirectory: join(directory, 'evidence') },
        alerts: { defaults: { raiseAfterSeconds: 1, clearAfterSeconds: 30 } },
        inputs: { localDirectories: [fixtureDirectory] },
        channels: [{ id: 'black', url: await fixturePath('black.mp4'), loop: true, detectors: ['black'] }],
        notifications: [{ id: 'ops', kind: 'webhook', url: probe.url, maxAttempts: 100, timeoutMs: 1000 }],
      },
      'test',
    );
    const logger = pino({ level: 'silent' });
    const reader = openSqliteStore({ path: config.storage.path });
    t.after(() => reader.close());
    const blackRows = async (): Promise<OutboxRow[]> => {
      const incidents = await reader.listIncidents({ channelId: 'black', kind: 'black' });
      return (await Promise.all(incidents.map((incident) => reader.listNotifications(incident.id)))).flat();
    };

    const first = await startService(config, logger);
    const before = await pollUntil(
      async () => {
        const rows = await blackRows();
        return rows.some((row) => row.attempts >= 2) ? rows : null;
      },
      30_000,
      'two failed attempts while the receiver is down',
    );
    await first.stop();
    const [raised] = before;
    assert.ok(raised !== undefined);
    assert.match(raised.transitionKey, /:raised$/);

    const afterStop = await blackRows();
    assert.ok(
      afterStop.every((row) => row.state === 'pending'),
      `pending after the stop: ${JSON.stringify(afterStop)}`,
    );

    const receiver = await startReceiver(() => ({ status: 200 }), port);
    t.after(() => receiver.close());
    const second = await startService(config, logger);
    try {
      await receiver.waitForRequests(1, 30_000);
      await sleep(3000); // a duplicate, if any, would arrive now
    } finally {
      await second.stop();
    }

    const keys = receiver.requests.map((request) => String(request.headers['idempotency-key']));
    assert.equal(new Set(keys).size, keys.length, `a key sent twice: ${JSON.stringify(keys)}`);
    assert.equal(keys.filter((key) => key === raised.transitionKey).length, 1, JSON.stringify(keys));
    const body = JSON.parse(receiver.requests[keys.indexOf(raised.transitionKey)]?.body ?? '{}') as {
      type?: string;
    };
    assert.equal(body.type, 'incident.raised');
    const after = (await blackRows()).find((row) => row.transitionKey === raised.transitionKey);
    assert.equal(after?.state, 'delivered');
    assert.ok((after?.attempts ?? 0) >= 3, `attempts: ${after?.attempts}`);
  });
});
