/**
 * The monitor's own receive drops are counted apart from the stream's defects: a UDP channel whose socket
 * receive buffer is far too small (buffer_size=2048 bytes) overflows in the kernel whenever the sender
 * bursts a picture's datagrams. The kernel's drop count shows in the channel's counters, and the
 * continuity breaks it leaves in the TS are blamed on the monitor, not counted as the stream's errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { startService } from '../src/cli/run-command.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import { fixturePath } from '../src/synth/fixtures.js';
import { startLiveSender } from '../src/synth/live-sender.js';

describe('receive drops', () => {
  it('counts UDP receive-buffer overruns as the monitor’s own drops, not as continuity errors', async () => {
    const port = 27_000 + Math.floor(Math.random() * 1000);
    const sender = startLiveSender(
      await fixturePath('offset-start.ts'),
      `udp://127.0.0.1:${port}?pkt_size=1316`,
    );
    const config = parseServiceConfig(
      {
        http: { port: 0 },
        storage: { path: ':memory:' },
        channels: [
          {
            id: 'tiny-buffer',
            url: `udp://127.0.0.1:${port}?buffer_size=2048`,
            detectors: ['black'],
          },
        ],
      },
      'test',
    );
    const service = await startService(config, pino({ level: 'silent' }));
    try {
      const transport = () => service.monitor.getChannel('tiny-buffer')?.transport;
      const deadline = Date.now() + 30_000;
      while (
        ((service.monitor.counters().receiveDropsByChannel['tiny-buffer'] ?? 0) === 0 ||
          (transport()?.suppressedContinuityErrors ?? 0) === 0) &&
        Date.now() < deadline
      ) {
        await sleep(500);
      }
      assert.ok(
        (service.monitor.counters().receiveDropsByChannel['tiny-buffer'] ?? 0) > 0,
        'receive drops are counted for the channel',
      );
      assert.ok((transport()?.receiveDroppedPackets ?? 0) > 0, 'the transport analyser knows of them');
      assert.ok(
        (transport()?.suppressedContinuityErrors ?? 0) > 0,
        'the continuity breaks they left are blamed on the monitor',
      );
      assert.equal(transport()?.counts.continuityError, 0, 'and are not the stream’s continuity errors');
    } finally {
      await service.stop();
      await sender.close();
    }
  });
});
