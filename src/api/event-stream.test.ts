import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import type { ApiLogger } from './api-logger.js';
import { createEventStreams, formatServerSentEvent } from './event-stream.js';
import { FakeMonitorApi, fakeIncident } from '../test-support/fake-monitor-api.js';

/** A response that never drains, as a client that stopped reading looks from the server. */
class StuckResponse extends EventEmitter {
  writableLength = 0;
  ended = false;
  destroyed = false;
  writeHead(): this {
    return this;
  }
  write(text: string): boolean {
    this.writableLength += Buffer.byteLength(text);
    return false;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

describe('event streams', () => {
  it('writes one data line per event, whatever the JSON holds', () => {
    assert.equal(formatServerSentEvent('status', { a: 'x\ny' }), 'event: status\ndata: {"a":"x\\ny"}\n\n');
  });

  it('drops a client that stops reading instead of buffering for it, and unsubscribes', () => {
    const api = new FakeMonitorApi();
    const warnings: string[] = [];
    const logger: ApiLogger = {
      info: () => undefined,
      warn: (_fields, message) => warnings.push(message),
      error: () => undefined,
    };
    const streams = createEventStreams({ api, logger, heartbeatIntervalMs: 60_000, maxStreams: 5 });
    const response = new StuckResponse();
    const request = { socket: { remoteAddress: '192.0.2.1' } };
    streams.open(request as unknown as IncomingMessage, response as unknown as ServerResponse);
    assert.equal(streams.count, 1);
    const incident = fakeIncident('big', { details: { note: 'x'.repeat(64 * 1024) } });
    for (let i = 0; i < 40 && !response.destroyed; i++) {
      api.emit({ type: 'incident', transition: { kind: 'raised', incident, atMs: i, key: `big:${i}` } });
    }
    assert.ok(response.destroyed);
    assert.equal(api.listeners.size, 0);
    assert.equal(streams.count, 0);
    assert.deepEqual(warnings, ['event stream client too slow, dropped']);
  });
});
