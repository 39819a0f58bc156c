/**
 * The monitor's own receive drops are counted apart from the stream's defects: a UDP channel whose receive
 * buffer is far too small (fifo_size=4 packets) overruns, and the count shows in the channel's counters.
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
  it('counts UDP receive-buffer overruns as the monitor’s own drops', async () => {
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
            url: `udp://127.0.0.1:${port}?fifo_size=4&overrun_nonfatal=1`,
            detectors: ['black'],
          },
        ],
      },
      'test',
    );
    const service = await startService(config, pino({ level: 'silent' }));
    try {
      const deadline = Date.now() + 30_000;
      while (
        (service.monitor.counters().receiveDropsByChannel['tiny-buffer'] ?? 0) === 0 &&
        Date.now() < deadline
      ) {
        await sleep(500);
      }
      assert.ok(
        (service.monitor.counters().receiveDropsByChannel['tiny-buffer'] ?? 0) > 0,
        'receive drops are counted for the channel',
      );
    } finally {
      await service.stop();
      await sender.close();
    }
  });
});
