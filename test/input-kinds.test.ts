/**
 * Every kind of live input `streamqc run` reads, end to end through the service: SRT as caller and as
 * listener, RTMP and RTSP through real servers from Debian's packages, and MPEG-TS over HTTP. Each source
 * loops a clip with black from 4 s to 7 s of every 12 s, so a channel that really decodes raises `black`.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseServiceConfig } from '../src/config/service-config.js';
import { fixturePath } from '../src/synth/fixtures.js';
import { startLiveSender, type LiveSender, type SenderFormat } from '../src/synth/live-sender.js';
import {
  randomPort,
  startRtmpServer,
  startRtspServer,
  type MediaServer,
} from '../src/test-support/media-servers.js';
import { recordingMonitor } from '../src/test-support/recording-monitor.js';

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
  return true;
}

/** A sender that is started again whenever it exits (a caller that found no listener yet). */
function keepSending(file: string, url: string, format: SenderFormat = 'mpegts'): { stop(): Promise<void> } {
  let current: LiveSender | null = null;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      current = startLiveSender(file, url, format);
      await current.exited;
      if (!stopped) await sleep(500);
    }
  };
  void loop();
  return {
    async stop() {
      stopped = true;
      await current?.close();
    },
  };
}

/** MPEG-TS over HTTP, as an encoder serves it: each response relays what arrives on a UDP port from now on. */
async function startHttpRelay(udpPort: number): Promise<{ url: string; close(): Promise<void> }> {
  const listeners = new Set<ServerResponse>();
  const socket = createSocket('udp4');
  socket.on('message', (datagram) => {
    for (const response of listeners) response.write(datagram);
  });
  await new Promise<void>((resolve) => socket.bind(udpPort, '127.0.0.1', resolve));
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'video/mp2t' });
    listeners.add(response);
    request.on('close', () => listeners.delete(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/live.ts`,
    async close() {
      for (const response of listeners) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      socket.close();
    },
  };
}

describe('live input kinds through streamqc run', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const channels: { id: string; url: string }[] = [];
  const skipped: string[] = [];
  let file = '';

  before(async () => {
    file = await fixturePath('black.mp4');
    const srtCallerPort = randomPort();
    channels.push({ id: 'srt-caller', url: `srt://127.0.0.1:${srtCallerPort}` });
    const srtListenerPort = srtCallerPort + 1;
    channels.push({ id: 'srt-listener', url: `srt://127.0.0.1:${srtListenerPort}?mode=listener` });
    const relayUdpPort = srtCallerPort + 2;
    const relay = await startHttpRelay(relayUdpPort);
    cleanups.push(() => relay.close());
    channels.push({ id: 'http-ts', url: relay.url });

    const senders = [
      keepSending(file, `srt://127.0.0.1:${srtCallerPort}?mode=listener`),
      keepSending(file, `srt://127.0.0.1:${srtListenerPort}`),
      keepSending(file, `udp://127.0.0.1:${relayUdpPort}?pkt_size=1316`),
    ];
    const servers: [string, Promise<{ server: MediaServer } | { skip: string }>, SenderFormat][] = [
      ['rtmp', startRtmpServer('black'), 'flv'],
      ['rtsp', startRtspServer('black'), 'rtsp'],
    ];
    for (const [id, starting, format] of servers) {
      const started = await starting;
      if ('skip' in started) {
        skipped.push(`${id}: ${started.skip}`);
        continue;
      }
      cleanups.push(() => started.server.stop());
      senders.push(keepSending(file, started.server.publishUrl, format));
      channels.push({ id, url: started.server.playUrl });
    }
    for (const sender of senders) cleanups.unshift(() => sender.stop());
  });

  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('decodes every kind and raises the black each source carries', async (t) => {
    if (skipped.length > 0) t.diagnostic(`not tested here: ${skipped.join('; ')}`);
    const config = parseServiceConfig(
      {
        // Senders start slowly on a loaded machine (a caller retries until the monitor listens): this test is
        // about decoding each kind, so only a source that stays away 20 s would count as gone.
        noSignalSeconds: 20,
        alerts: { defaults: { raiseAfterSeconds: 1, clearAfterSeconds: 1 } },
        worker: { connectTimeoutMs: 4000, heartbeatTimeoutMs: 15_000 },
        channels: channels.map(({ id, url }) => ({
          id,
          url,
          detectors: ['black', 'silence', 'decode-error'],
        })),
      },
      'test',
    );
    const { monitor, store, transitions } = recordingMonitor(config);
    await monitor.start();
    const blackRaised = (id: string) =>
      transitions.some(
        (t) => t.kind === 'raised' && t.incident.kind === 'black' && t.incident.channelId === id,
      );
    try {
      await waitFor(() => channels.every(({ id }) => blackRaised(id)), 60_000);
      for (const { id } of channels) {
        const stored = await store.queryChunks(id, 0, Date.now() + 60_000);
        assert.ok(stored.length >= 5, `${id}: ${stored.length} chunks analysed`);
        assert.ok(blackRaised(id), `${id}: black raised`);
        // Content incidents other than the black would be false alarms from the input path; service
        // health (no-signal, decoder-crash) depends on how loaded the machine is and is tested elsewhere.
        const falseAlarms = transitions.filter(
          (t) =>
            t.incident.channelId === id &&
            t.kind === 'raised' &&
            (t.incident.kind === 'silence' || t.incident.kind === 'decode-error'),
        );
        for (const alarm of falseAlarms)
          t.diagnostic(`false alarm on ${id}: ${JSON.stringify(alarm.incident)}`);
        assert.deepEqual(
          falseAlarms.map((t) => t.incident.kind),
          [],
          `${id}: no silence or decode-error`,
        );
      }
    } finally {
      await monitor.stop();
    }
  });
});
