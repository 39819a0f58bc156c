/**
 * `npm run bench:live`: how many live channels one machine keeps in real time.
 *
 * For 720p25 and 1080p30 H.264 sources (generated, 20 s, black from 10 s to 16 s, looped by UDP senders at
 * real-time speed), runs the monitor with N channels for a fixed time, N = 1, 2, ..., and reports the most
 * channels whose processing lag stayed under 2 s, CPU and RSS per channel (from the workers' heartbeats),
 * and alert latency: fault onset to the webhook received by a local receiver. Decode-only capacity comes
 * from the same machine in the same run, twice (bench/run-one.ts): from the file as fast as it decodes, and
 * from the same source sent live over UDP with nothing but decoding, so the two can be compared. The one-channel
 * trial's CPU and memory go to .cache/bench-costs.json (or $STREAMQC_BENCH_COSTS) for `streamqc plan`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { parseServiceConfig, startLiveSender, startService } from './compiled-service.js';
import { benchCostsPath, recordBenchCosts, thisMachine } from '../src/capacity/bench-costs.js';
import { writeClip } from '../src/synth/clip-writer.js';
import { fixtureDirectory } from '../src/synth/fixtures.js';
import { audioSpec, programme } from '../src/synth/fixture-parts.js';
import { drawFlat, drawMovingPattern } from '../src/synth/patterns.js';

const runSeconds = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
const raiseAfterSeconds = 3;
const loopSeconds = 20;
const blackFrom = 10;
const blackTo = 16;

interface Format {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly bitRate: number;
}

const formats: readonly Format[] = [
  { name: '720p25', width: 1280, height: 720, fps: 25, bitRate: 3_000_000 },
  { name: '1080p30', width: 1920, height: 1080, fps: 30, bitRate: 5_000_000 },
];

async function source(format: Format): Promise<string> {
  const path = join(fixtureDirectory, `bench-live-${format.name}.ts`);
  if (existsSync(path)) return path;
  mkdirSync(fixtureDirectory, { recursive: true });
  process.stderr.write(`generating the ${format.name} source (once)...\n`);
  await writeClip({
    path,
    container: 'mpegts',
    durationSeconds: loopSeconds,
    video: {
      width: format.width,
      height: format.height,
      framesPerSecond: format.fps,
      codec: 'libx264',
      bitRate: format.bitRate,
      options: { preset: 'veryfast' },
      draw: (index, planes) => {
        const t = index / format.fps;
        if (t >= blackFrom && t < blackTo) drawFlat(planes, 16);
        else drawMovingPattern(planes, index);
      },
    },
    audio: audioSpec(programme),
  });
  return path;
}

/**
 * Decode-only CPU per media second in its own process (bench/run-one.ts): `decode` over the file as fast as
 * it goes, `decode-live` over the file sent as a live UDP stream at real-time speed (FFmpeg reads the
 * socket, no analysis), which is what a decode-only live monitor would spend.
 */
function decodeOnlyCpuPerMediaSecond(file: string, mode: 'decode' | 'decode-live'): number {
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'run-one.ts'), mode, file, String(runSeconds)],
    { encoding: 'utf8' },
  );
  const measured = JSON.parse(output.trim().split('\n').pop() ?? '{}') as {
    cpuSeconds: number;
    mediaSeconds: number;
  };
  return measured.cpuSeconds / measured.mediaSeconds;
}

/** CPU seconds (user + system) the processes have used so far, from /proc (0 where unreadable). */
function processesCpuSeconds(pids: readonly (number | undefined)[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Not Linux, or the process has gone.
    }
  }
  return ticks / 100;
}

interface Trial {
  readonly channels: number;
  readonly maxLagSeconds: number;
  readonly cpuPercentPerChannel: number;
  /** The monitor process (this one: API, store, incidents, notifications) over the trial, per channel. */
  readonly servicePercentPerChannel: number;
  /** The UDP sender processes, which share the machine here but not in production, per channel. */
  readonly senderPercentPerChannel: number;
  readonly rssMbPerChannel: number;
  readonly pssMbPerChannel: number;
  readonly alertLatenciesSeconds: number[];
}

async function trial(file: string, channelCount: number, basePort: number): Promise<Trial> {
  const webhookTimes: { atMs: number; onsetAtMs: number }[] = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const payload = JSON.parse(body) as {
        type: string;
        incident: { channelId: string; kind: string; startedAtMs: number };
      };
      if (payload.type === 'incident.raised' && payload.incident.kind === 'black') {
        webhookTimes.push({ atMs: Date.now(), onsetAtMs: payload.incident.startedAtMs });
      }
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  const receiverPort = typeof address === 'object' && address ? address.port : 0;
  const ids = Array.from({ length: channelCount }, (_, i) => `ch${i}`);
  const senders = ids.map((_, i) => startLiveSender(file, `udp://127.0.0.1:${basePort + i}?pkt_size=1316`));
  const config = parseServiceConfig(
    {
      http: { port: 0 },
      storage: { path: ':memory:', evidenceDirectory: mkdtempSync(join(tmpdir(), 'streamqc-bench-')) },
      alerts: {
        defaults: { raiseAfterSeconds, clearAfterSeconds: 2 },
        rules: { loudness: { enabled: false } },
      },
      notifications: [
        { id: 'bench', kind: 'webhook', url: `http://127.0.0.1:${receiverPort}/hook`, maxPerMinute: 1000 },
      ],
      channels: ids.map((id, i) => ({ id, url: `udp://127.0.0.1:${basePort + i}` })),
    },
    'bench',
  );
  const service = await startService(config, pino({ level: 'silent' }));
  let maxLagSeconds = 0;
  const cpu: number[] = [];
  const rss: number[] = [];
  // Start-up (process start, probing, first chunks) is not steady state: wait until every channel delivers.
  const startDeadline = Date.now() + 60_000;
  while (Date.now() < startDeadline && service.monitor.listChannels().some((c) => c.lastChunkAtMs === null))
    await sleep(500);
  await sleep(3000);
  const serviceCpuBefore = process.cpuUsage();
  const sendersCpuBefore = processesCpuSeconds(senders.map((sender) => sender.pid));
  const sampleFrom = Date.now();
  const sampleUntil = sampleFrom + runSeconds * 1000;
  while (Date.now() < sampleUntil) {
    const now = Date.now();
    for (const status of service.monitor.listChannels()) {
      // A channel that has stopped delivering is as late as its silence is long.
      const silentSeconds =
        status.lastChunkAtMs === null ? Infinity : (now - status.lastChunkAtMs) / 1000 - 1;
      maxLagSeconds = Math.max(maxLagSeconds, status.processingLagSeconds ?? 0, silentSeconds);
      if (status.cpuPercent !== null) cpu.push(status.cpuPercent);
    }
    await sleep(1000);
  }
  const serviceCpu = process.cpuUsage(serviceCpuBefore);
  const sendersCpu = processesCpuSeconds(senders.map((sender) => sender.pid)) - sendersCpuBefore;
  const servicePercent = ((serviceCpu.user + serviceCpu.system) / 1000 / (Date.now() - sampleFrom)) * 100;
  const pss: number[] = [];
  for (const channel of service.monitor.listChannels()) {
    if (channel.rssMb !== undefined) rss.push(channel.rssMb);
    if (channel.pssMb !== undefined) pss.push(channel.pssMb);
  }
  await service.stop();
  await Promise.all(senders.map((s) => s.close()));
  receiver.close();
  // Onset as the monitor placed it on the wall clock (media time of the black's start): latency covers
  // detection, the raise time, incident evaluation and webhook delivery.
  const alertLatenciesSeconds = webhookTimes.map(({ atMs, onsetAtMs }) => (atMs - onsetAtMs) / 1000);
  const mean = (values: number[]) =>
    values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  return {
    channels: channelCount,
    maxLagSeconds,
    cpuPercentPerChannel: mean(cpu),
    servicePercentPerChannel: servicePercent / channelCount,
    senderPercentPerChannel: ((sendersCpu * 1000) / (Date.now() - sampleFrom)) * (100 / channelCount),
    rssMbPerChannel: mean(rss),
    pssMbPerChannel: mean(pss),
    alertLatenciesSeconds,
  };
}

/** One channel alone, as the service runs it: the live per-channel cost for `streamqc plan`. */
async function recordLiveCosts(format: Format, alone: Trial): Promise<void> {
  if (!Number.isFinite(alone.cpuPercentPerChannel) || !Number.isFinite(alone.rssMbPerChannel)) return;
  await recordBenchCosts(benchCostsPath(), format.name, {
    live: {
      measuredAtIso: new Date().toISOString(),
      machine: thisMachine(),
      source: `npm run bench:live, ${format.name} H.264 ${format.bitRate / 1e6} Mb/s over UDP, one channel`,
      coresPerChannel: alone.cpuPercentPerChannel / 100,
      rssMb: alone.rssMbPerChannel,
      ...(Number.isFinite(alone.pssMbPerChannel) ? { pssMb: alone.pssMbPerChannel } : {}),
    },
  });
}

process.stdout.write(
  `# streamqc bench:live: ${cpus()[0]?.model ?? 'CPU'}, ${cpus().length} cores, ${runSeconds} s per trial\n\n`,
);
let basePort = 24_000;
for (const format of formats) {
  const file = await source(format);
  const decodeCpu = decodeOnlyCpuPerMediaSecond(file, 'decode');
  const decodeCapacity = cpus().length / decodeCpu;
  const liveDecodeCpu = decodeOnlyCpuPerMediaSecond(file, 'decode-live');
  const liveDecodeCapacity = cpus().length / liveDecodeCpu;
  process.stdout.write(
    `## ${format.name}: decode-only ${decodeCpu.toFixed(3)} CPU s per media s from the file -> ${decodeCapacity.toFixed(1)} channels on ${cpus().length} cores; ` +
      `${liveDecodeCpu.toFixed(3)} live over UDP -> ${liveDecodeCapacity.toFixed(1)} channels\n`,
  );
  // Start near 60% of the live decode-only capacity and walk up while real time holds, down while it does not.
  const results = new Map<number, boolean>();
  const runTrial = async (n: number): Promise<boolean> => {
    const result = await trial(file, n, basePort);
    basePort += n + 10;
    const ok = result.maxLagSeconds < 2;
    const latencies = result.alertLatenciesSeconds.map((s) => s.toFixed(1)).join(', ') || 'none received';
    const perChannel = result.cpuPercentPerChannel + result.servicePercentPerChannel;
    process.stdout.write(
      `${n} channel(s): max lag ${result.maxLagSeconds.toFixed(2)} s ${ok ? 'real time' : 'BEHIND'}, ` +
        `CPU ${result.cpuPercentPerChannel.toFixed(0)}% worker + ${result.servicePercentPerChannel.toFixed(1)}% monitor per channel ` +
        `(${(cpus().length / (perChannel / 100)).toFixed(1)} channels on ${cpus().length} cores by CPU, ${(((liveDecodeCpu * 100) / perChannel) * 100).toFixed(0)}% of live decode-only), ` +
        `senders ${result.senderPercentPerChannel.toFixed(1)}% per channel, ` +
        `RSS ${result.rssMbPerChannel.toFixed(0)} MB (PSS ${result.pssMbPerChannel.toFixed(0)} MB) per channel, ` +
        `alert latency ${latencies} s (raise time ${raiseAfterSeconds} s)\n`,
    );
    results.set(n, ok);
    if (n === 1) await recordLiveCosts(format, result);
    return ok;
  };
  // One channel alone first: its CPU per media second, free of contention, against decode-only.
  await runTrial(1);
  let n = Math.max(2, Math.floor(liveDecodeCapacity * 0.6));
  if (await runTrial(n)) {
    while (n < liveDecodeCapacity * 1.5 && (await runTrial(n + 1))) n += 1;
  } else {
    while (n > 1 && !(await runTrial(n - 1))) n -= 1;
    n -= 1;
  }
  const best = Math.max(0, ...[...results].filter(([, ok]) => ok).map(([count]) => count));
  process.stdout.write(
    `most channels in real time: ${best} (${(best / cpus().length).toFixed(1)} per core), ` +
      `${((best / liveDecodeCapacity) * 100).toFixed(0)}% of the live decode-only capacity, ` +
      `${((best / decodeCapacity) * 100).toFixed(0)}% of the decode-only capacity from the file\n\n`,
  );
}
