import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isStreamqcError } from '../errors/streamqc-error.js';
import { openUdpTsReceiver, parseUdpUrl } from './udp-ts-receiver.js';

function datagram(seed: number): Buffer {
  const bytes = Buffer.alloc(1316, seed);
  for (let offset = 0; offset < bytes.length; offset += 188) bytes[offset] = 0x47;
  return bytes;
}

async function sendAll(port: number, datagrams: readonly Buffer[]): Promise<void> {
  const socket = createSocket('udp4');
  for (const bytes of datagrams)
    await new Promise<void>((resolve) => socket.send(bytes, port, '127.0.0.1', () => resolve()));
  socket.close();
}

describe('UDP TS receiver', () => {
  it('reads FFmpeg-style URLs, and says in one line what is wrong with a bad one', () => {
    const parsed = parseUdpUrl('udp://239.1.1.1:5000?buffer_size=4194304&fifo_size=1000&localaddr=10.0.0.2');
    assert.deepEqual(parsed, {
      rtp: false,
      host: '239.1.1.1',
      port: 5000,
      receiveBufferBytes: 4194304,
      fifoBytes: 188_000,
      localAddress: '10.0.0.2',
    });
    assert.equal(parseUdpUrl('udp://@:1234').host, '0.0.0.0');
    assert.equal(parseUdpUrl('rtp://[::1]:1234').host, '::1');
    assert.equal(parseUdpUrl('RTP://127.0.0.1:9').rtp, true);
    for (const [url, message] of [
      ['udp://127.0.0.1', /no port/],
      ['udp://127.0.0.1:5000?buffer_size=big', /buffer_size must be a positive integer, got 'big'/],
      ['udp://127.0.0.1:5000?fifo_size=-1', /fifo_size/],
    ] as const) {
      assert.throws(
        () => parseUdpUrl(url),
        (error: unknown) =>
          isStreamqcError(error) && message.test(error.message) && !error.message.includes('\n'),
        url,
      );
    }
  });

  it('hands every datagram to the analyser and, in order, to FFmpeg; ends on abort', async () => {
    const seen: Buffer[] = [];
    const controller = new AbortController();
    const receiver = await openUdpTsReceiver('udp://127.0.0.1:0', {
      readTimeoutMs: 5000,
      signal: controller.signal,
      onPayload: (bytes) => seen.push(Buffer.from(bytes)),
    });
    try {
      const sent = [1, 2, 3, 4].map(datagram);
      await sendAll(receiver.localPort, sent);
      const read: Buffer[] = [];
      let bytes = 0;
      while (bytes < 4 * 1316) {
        const answer = await receiver.read(2000);
        assert.ok(Buffer.isBuffer(answer));
        read.push(Buffer.from(answer));
        bytes += answer.length;
      }
      assert.deepEqual(
        Buffer.concat(read),
        Buffer.concat(sent),
        'FFmpeg gets the bytes in order, in any sizes',
      );
      assert.deepEqual(seen, sent, 'the analyser sees each datagram once');
      const pending = receiver.read(2000);
      controller.abort();
      assert.equal(await pending, null, 'aborting ends the input');
    } finally {
      receiver.close();
    }
  });

  it('times out a read when nothing arrives, and counts what FFmpeg could not take in time', async () => {
    let timedOut = false;
    const receiver = await openUdpTsReceiver('udp://127.0.0.1:0?fifo_size=14', {
      readTimeoutMs: 200,
      onPayload: () => undefined,
      onReadTimeout: () => (timedOut = true),
    });
    try {
      assert.equal(await receiver.read(1000), -110, "FFmpeg's AVERROR(ETIMEDOUT)");
      assert.equal(timedOut, true);
      // fifo_size=14 packets holds two datagrams: the next three are dropped while nobody reads.
      await sendAll(receiver.localPort, [1, 2, 3, 4, 5].map(datagram));
      await sleep(100);
      assert.equal(receiver.queueDrops, 3);
    } finally {
      receiver.close();
    }
  });

  it('fails to listen on a port already taken with a one-line, retryable error', async () => {
    const first = await openUdpTsReceiver('udp://127.0.0.1:0', {
      readTimeoutMs: 1000,
      onPayload: () => undefined,
    });
    try {
      await assert.rejects(
        openUdpTsReceiver(`udp://127.0.0.1:${first.localPort}`, {
          readTimeoutMs: 1000,
          onPayload: () => undefined,
        }),
        (error: unknown) =>
          isStreamqcError(error) && error.retryable && /cannot listen on port/.test(error.message),
      );
    } finally {
      first.close();
    }
  });
});
