/**
 * Live inputs over UDP (MPEG-TS from a local sender process): the monitor analyses them, a source that
 * disappears raises no-signal and clears when it comes back, and garbage on another channel's port
 * neither crashes anything nor stops the good channel.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseServiceConfig } from '../src/config/service-config.js';
import { fixturePath } from '../src/synth/fixtures.js';
import { startLiveSender } from '../src/synth/live-sender.js';
import { recordingMonitor } from '../src/test-support/recording-monitor.js';

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function freePort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000);
}

describe('live UDP inputs', () => {
  it('no-signal when the source disappears, cleared when it is back; garbage on another port harms nobody', async () => {
    const source = await fixturePath('offset-start.ts');
    const goodPort = freePort();
    const garbagePort = goodPort + 1;
    const config = parseServiceConfig(
      {
        // With the 5 s start-up grace, a worker has 9 s to open and probe: a loaded CI machine has needed over 7.
        noSignalSeconds: 4,
        alerts: { defaults: { raiseAfterSeconds: 0, clearAfterSeconds: 1 } },
        worker: { connectTimeoutMs: 1500, heartbeatTimeoutMs: 10_000 },
        channels: [
          {
            id: 'good',
            url: `udp://127.0.0.1:${goodPort}`,
            detectors: ['black', 'freeze', 'silence', 'decode-error'],
          },
          { id: 'garbage', url: `udp://127.0.0.1:${garbagePort}`, detectors: ['black', 'decode-error'] },
        ],
      },
      'test',
    );
    const { monitor, transitions } = recordingMonitor(config);
    let sender = startLiveSender(source, `udp://127.0.0.1:${goodPort}?pkt_size=1316`);
    const garbage = createSocket('udp4');
    const spray = setInterval(() => garbage.send(randomBytes(1316), garbagePort, '127.0.0.1'), 5);
    await monitor.start();
    try {
      await waitFor(() => monitor.getChannel('good')?.state === 'ok', 40_000, 'the good channel to decode');
      const markAt = transitions.length;
      const noSignalRaised = () =>
        transitions
          .slice(markAt)
          .some(
            (t) => t.kind === 'raised' && t.incident.kind === 'no-signal' && t.incident.channelId === 'good',
          );
      assert.equal(
        transitions.some((t) => t.incident.channelId === 'good' && t.incident.kind === 'no-signal'),
        false,
        'the start-up grace covers opening and probing the input',
      );

      await sender.close();
      await waitFor(noSignalRaised, 20_000, 'no-signal on the good channel');
      sender = startLiveSender(source, `udp://127.0.0.1:${goodPort}?pkt_size=1316`);
      await waitFor(
        () =>
          transitions
            .slice(markAt)
            .some(
              (t) =>
                t.kind === 'cleared' && t.incident.kind === 'no-signal' && t.incident.channelId === 'good',
            ),
        40_000,
        'no-signal to clear',
      );
      assert.equal(monitor.getChannel('good')?.restarts, 0, 'the good worker never crashed');
      assert.ok((monitor.getChannel('garbage')?.restarts ?? 0) >= 0);
    } finally {
      clearInterval(spray);
      garbage.close();
      await sender.close();
      await monitor.stop();
    }
  });
});
