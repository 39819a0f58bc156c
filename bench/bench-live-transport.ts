/**
 * `npm run bench:live-ts`: what receiving a UDP channel in the worker and running the TR 101 290 analyser
 * on it costs, against another build of the service (default: none).
 *
 * One 720p25 H.264 channel at 3 Mb/s (generated once, 10 s, looped by a UDP sender at real-time speed),
 * detectors `black` only, so decoding dominates as it does in production. This worktree's `dist` runs
 * twice: with the checks and with `transportChecks: false` (FFmpeg reads the socket, as before); other
 * builds given (for example the main branch's `dist`) run once. Each run (twice over, alternating) lasts
 * `BENCH_LIVE_TS_SECONDS` (default 20) after the first chunk and prints the worker's mean
 * CPU (from its heartbeats), the processing lag and the transport figures it reported.
 *
 * `BENCH_LIVE_TS_INPUT` picks the protocol (default `udp`): `srt` (the sender listens, the channel calls)
 * or `http` (the sender's UDP relayed as one endless HTTP response by this process, as an encoder serves
 * it). With `transportChecks: false` FFmpeg reads that protocol itself.
 *
 *   npm run build && tsx bench/bench-live-transport.ts dist /work/main/dist
 *   BENCH_LIVE_TS_INPUT=srt tsx bench/bench-live-transport.ts dist
 */
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { writeClip } from '../src/synth/clip-writer.js';
import { fixtureDirectory } from '../src/synth/fixtures.js';
import { audioSpec, programme } from '../src/synth/fixture-parts.js';
import { drawMovingPattern } from '../src/synth/patterns.js';

const runSeconds = Number(process.env.BENCH_LIVE_TS_SECONDS ?? 20);
const distFolders = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dist'];
const inputKind = process.env.BENCH_LIVE_TS_INPUT ?? 'udp';
if (!['udp', 'srt', 'http'].includes(inputKind)) throw new Error('BENCH_LIVE_TS_INPUT is udp, srt or http');

/** What the UDP datagrams arriving on `udpPort` become: one endless HTTP response per request. */
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
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/live.ts`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      socket.close();
    },
  };
}

async function source(): Promise<string> {
  const path = join(fixtureDirectory, 'bench-live-ts-720p25.ts');
  if (existsSync(path)) return path;
  mkdirSync(fixtureDirectory, { recursive: true });
  process.stderr.write('generating the 720p25 source (once)...\n');
  await writeClip({
    path,
    container: 'mpegts',
    durationSeconds: 10,
    video: {
      width: 1280,
      height: 720,
      framesPerSecond: 25,
      codec: 'libx264',
      bitRate: 3_000_000,
      options: { preset: 'veryfast' },
      draw: (index, planes) => drawMovingPattern(planes, index),
    },
    audio: audioSpec(programme),
  });
  return path;
}

interface Measured {
  readonly cpuPercent: number;
  readonly samples: number;
  readonly maxLagSeconds: number;
  readonly transport: unknown;
}

async function measure(
  dist: string,
  file: string,
  port: number,
  transportChecks: boolean,
): Promise<Measured> {
  const module = (path: string) => pathToFileURL(resolve(dist, path)).href;
  const { startService } = (await import(
    module('cli/run-command.js')
  )) as typeof import('../src/cli/run-command.js');
  const { parseServiceConfig } = (await import(
    module('config/service-config.js')
  )) as typeof import('../src/config/service-config.js');
  const { startLiveSender } = (await import(
    module('synth/live-sender.js')
  )) as typeof import('../src/synth/live-sender.js');
  const relay = inputKind === 'http' ? await startHttpRelay(port) : null;
  const channelUrl =
    relay?.url ?? (inputKind === 'srt' ? `srt://127.0.0.1:${port}` : `udp://127.0.0.1:${port}`);
  const senderUrl =
    inputKind === 'srt' ? `srt://127.0.0.1:${port}?mode=listener` : `udp://127.0.0.1:${port}?pkt_size=1316`;
  const config = parseServiceConfig(
    {
      http: { port: 0 },
      storage: { path: ':memory:' },
      channels: [
        {
          id: 'bench',
          url: channelUrl,
          detectors: ['black'],
          // Left out for builds that do not know the option (they have no transport checks anyway).
          ...(transportChecks ? {} : { transportChecks: false }),
        },
      ],
    },
    'bench',
  );
  const service = await startService(config, pino({ level: 'silent' }));
  const sender = startLiveSender(file, senderUrl);
  try {
    const deadline = Date.now() + 60_000;
    while (service.monitor.getChannel('bench')?.lastChunkAtMs == null && Date.now() < deadline)
      await sleep(200);
    // The first heartbeats cover probing and start-up.
    await sleep(3000);
    const cpu: number[] = [];
    let maxLagSeconds = 0;
    for (let second = 0; second < runSeconds; second++) {
      await sleep(1000);
      const status = service.monitor.getChannel('bench');
      if (status?.cpuPercent != null) cpu.push(status.cpuPercent);
      maxLagSeconds = Math.max(maxLagSeconds, status?.processingLagSeconds ?? 0);
    }
    const status = service.monitor.getChannel('bench') as { transport?: unknown } | null;
    return {
      cpuPercent: cpu.reduce((a, b) => a + b, 0) / Math.max(1, cpu.length),
      samples: cpu.length,
      maxLagSeconds,
      transport: status?.transport ?? null,
    };
  } finally {
    await sender.close();
    await service.stop();
    await relay?.close();
  }
}

const file = await source();
let port = 24_000 + Math.floor(Math.random() * 10_000);
const runs = distFolders.flatMap((dist) =>
  dist === 'dist'
    ? [
        { dist, transportChecks: true },
        { dist, transportChecks: false },
      ]
    : [{ dist, transportChecks: true }],
);
for (const { dist, transportChecks } of [...runs, ...runs]) {
  const measured = await measure(dist, file, port, transportChecks);
  port += 1;
  process.stdout.write(
    `${dist} ${inputKind}${transportChecks ? '' : ` (transportChecks: false, FFmpeg reads ${inputKind})`}: worker CPU ${measured.cpuPercent.toFixed(1)}% of a core (mean of ${measured.samples} heartbeats), ` +
      `max lag ${measured.maxLagSeconds.toFixed(2)} s, transport ${JSON.stringify(measured.transport)}\n`,
  );
}
