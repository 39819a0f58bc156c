/**
 * `npm run soak -- --minutes 60 [--channels 3] [--kill-every-minutes 3] [--warmup-minutes 5]`
 *
 * N local live channels (the demo clips: faults at known seconds of every 60 s loop, played over UDP by
 * sender processes) monitored by the compiled service with SQLite storage; now and then one channel's
 * worker is killed with SIGKILL, always in a quiet part of its loop. Every minute and at the end it prints
 * RSS per process (the service and each channel worker) with its growth after warm-up, processing lag,
 * restarts, chunk results stored against the time watched (seconds a killed worker was down counted apart),
 * and injected faults against incidents raised; at the end PASS/FAIL per target:
 * memory growth < 5% after warm-up, no chunk result lost beyond worker downtime, every fault raised once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import {
  demoLoopSeconds,
  demoSchedules,
  prepareDemoChannels,
  type DemoSchedule,
} from '../src/synth/demo-channels.js';
import {
  accountChunks,
  growthAfterWarmup,
  matchFaults,
  type DownInterval,
  type ExpectedFault,
  type Growth,
  type Sample,
} from './soak-figures.js';

import { parseServiceConfig, startLiveSender, startService } from '../bench/compiled-service.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    channels: { type: 'string', default: '3' },
    'kill-every-minutes': { type: 'string', default: '3' },
    'warmup-minutes': { type: 'string' },
    'udp-port': { type: 'string', default: '25000' },
  },
});
const positive = (name: string, text: string | undefined): number => {
  const value = Number(text);
  if (!(value > 0)) {
    process.stderr.write(`soak: --${name} must be a positive number, got '${text}'\n`);
    process.exit(2);
  }
  return value;
};
const minutes = positive('minutes', values.minutes);
const channelCount = Math.round(positive('channels', values.channels));
const killEveryMs = positive('kill-every-minutes', values['kill-every-minutes']) * 60_000;
const warmupMs =
  positive('warmup-minutes', values['warmup-minutes'] ?? String(Math.min(5, minutes / 3))) * 60_000;
const udpBasePort = positive('udp-port', values['udp-port']);
const loopMs = demoLoopSeconds * 1000;
/** Incidents are raised this long after a fault starts; short so every fault of the loop is raised. */
const raiseAfterSeconds = 2;
/** Kills happen at this second of the channel's loop: no demo schedule has a fault from 47 s to 60 s. */
const killAtLoopSecond = 50;
/** RSS is sampled every 10 s; a process is judged on at least a minute of samples after warm-up. */
const minimumSamples = 6;
/** A gap in results that starts at a kill and ends within this long is the worker being down. */
const downAllowanceMs = 60_000;

/** Which incident each kind of injected fault must raise. */
const incidentKindOf: Readonly<Record<keyof DemoSchedule, string>> = {
  black: 'black',
  frozen: 'freeze',
  silentAll: 'silence',
  silentRight: 'silence',
  clipped: 'clipping',
};

/** A black or frozen picture while all sound is silent is one dead-channel incident (channel-incidents.ts). */
function kindOf(schedule: DemoSchedule, key: keyof DemoSchedule): string {
  const picture = schedule.black ?? schedule.frozen;
  const sound = schedule.silentAll;
  const dead = picture && sound && picture[0] < sound[1] && sound[0] < picture[1];
  const part = key === 'black' || key === 'frozen' || key === 'silentAll';
  return dead && part ? 'dead-channel' : incidentKindOf[key];
}

const dataDirectory = mkdtempSync(join(tmpdir(), 'streamqc-soak-'));
process.stdout.write(
  `soak: ${minutes} min, ${channelCount} channels, a worker killed every ${killEveryMs / 60_000} min, warm-up ${warmupMs / 60_000} min\n`,
);
process.stdout.write(
  `machine: ${cpus()[0]?.model ?? 'CPU'}, ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (shared machines give noisy figures)\n`,
);
const media = await prepareDemoChannels(join(process.cwd(), 'streamqc-data', 'demo-media'));

interface SoakChannel {
  readonly id: string;
  readonly schedule: DemoSchedule;
  readonly url: string;
  /** Wall clock of the sender's media time 0 (as the sender reports it). */
  loopStartMs: number;
}

const channels: SoakChannel[] = Array.from({ length: channelCount }, (_, index) => {
  const demo = demoSchedules[index % demoSchedules.length];
  if (!demo) throw new Error('no demo schedule');
  return {
    id: `${demo.id}-${index}`,
    schedule: demo.schedule,
    url: `udp://127.0.0.1:${udpBasePort + index}`,
    loopStartMs: 0,
  };
});
const senders = channels.map((channel, index) =>
  startLiveSender(media[index % media.length]?.file ?? '', `${channel.url}?pkt_size=1316`),
);
await Promise.all(
  senders.map(async (sender, index) => {
    const channel = channels[index];
    if (channel) channel.loopStartMs = await sender.startedAtMs;
  }),
);
const config = parseServiceConfig(
  {
    http: { port: 0 },
    storage: { path: join(dataDirectory, 'soak.db'), evidenceDirectory: join(dataDirectory, 'evidence') },
    alerts: {
      defaults: { raiseAfterSeconds, clearAfterSeconds: 2 },
      // The schedule repeats a fault every minute on purpose: each one must be its own incident, not a
      // flapping one kept open across loops.
      flappingMaxRaises: 1_000_000,
      // The demo programme's loudness and peaks are not faults of the schedule.
      rules: {
        loudness: { enabled: false },
        'true-peak': { enabled: false },
        // Raised at once, so each kill is one incident even when the worker is back within a second.
        'decoder-crash': { raiseAfterSeconds: 0 },
      },
    },
    channels: channels.map((channel) => ({ id: channel.id, url: channel.url })),
  },
  'soak',
);
const service = await startService(config, pino({ level: 'error' }, pino.destination(2)));
const monitor = service.monitor;
const startedAtMs = Date.now();
const endAtMs = startedAtMs + minutes * 60_000;

const serviceRss: Sample[] = [];
/** The service's JavaScript heap (used): tells a JavaScript leak from native growth (SQLite, buffers). */
const serviceHeap: Sample[] = [];
/** Per channel and worker instance (restarts count): a restarted worker is a new process. */
const workerRss = new Map<string, Sample[]>();
const lagSeconds: number[] = [];
const kills: (DownInterval & { channelId: string })[] = [];
let nextKillAtMs = startedAtMs + killEveryMs;
let nextKillChannel = 0;

const mb = (bytes: number) => bytes / 1024 / 1024;
const loopSecond = (channel: SoakChannel, atMs: number) =>
  ((((atMs - channel.loopStartMs) % loopMs) + loopMs) % loopMs) / 1000;

function sample(nowMs: number): void {
  // With --expose-gc (npm run soak passes it) the heap is measured after a full collection: live objects only.
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  serviceRss.push({ atMs: nowMs, value: mb(usage.rss) });
  serviceHeap.push({ atMs: nowMs, value: mb(usage.heapUsed) });
  for (const status of monitor.listChannels()) {
    if (status.rssMb !== undefined && status.state !== 'starting') {
      const key = `${status.id}#${status.restarts}`;
      workerRss.set(key, [...(workerRss.get(key) ?? []), { atMs: nowMs, value: status.rssMb }]);
    }
    if (status.processingLagSeconds !== null) lagSeconds.push(status.processingLagSeconds);
  }
}

function maybeKill(nowMs: number): void {
  if (nowMs < nextKillAtMs || nowMs > endAtMs - 90_000) return;
  const channel = channels[nextKillChannel % channels.length];
  if (!channel) return;
  const second = loopSecond(channel, nowMs);
  if (second < killAtLoopSecond || second > killAtLoopSecond + 3) return;
  monitor.killWorker(channel.id);
  kills.push({ channelId: channel.id, fromMs: nowMs, allowMs: downAllowanceMs });
  nextKillChannel += 1;
  nextKillAtMs = nowMs + killEveryMs;
}

/** When results came again after a kill: the first chunk stored after it (or the allowance, if none yet). */
async function backAtMs(kill: (typeof kills)[number]): Promise<number> {
  const first = (await monitor.queryChunks(kill.channelId, kill.fromMs, kill.fromMs + downAllowanceMs, 1))[0];
  return first ? first.startedAtMs : kill.fromMs + downAllowanceMs;
}

/**
 * Every fault injected up to `toMs`; counted are those after warm-up whose channel was not down around them
 * (the others may or may not raise an incident, and either is right).
 */
function expectedFaults(
  fromMs: number,
  toMs: number,
  backAt: ReadonlyMap<(typeof kills)[number], number>,
): (ExpectedFault & { counted: boolean })[] {
  const faults: (ExpectedFault & { counted: boolean })[] = [];
  for (const channel of channels) {
    for (const [key, span] of Object.entries(channel.schedule) as [
      keyof DemoSchedule,
      readonly [number, number],
    ][]) {
      for (let loop = 0; channel.loopStartMs + loop * loopMs < toMs; loop++) {
        const onsetMs = channel.loopStartMs + loop * loopMs + span[0] * 1000;
        const endMs = channel.loopStartMs + loop * loopMs + span[1] * 1000;
        if (onsetMs > toMs) continue;
        const downDuring = kills.some(
          (kill) =>
            kill.channelId === channel.id &&
            kill.fromMs < endMs &&
            (backAt.get(kill) ?? kill.fromMs + downAllowanceMs) > onsetMs - 5000,
        );
        const counted = onsetMs >= fromMs && !downDuring;
        faults.push({ channelId: channel.id, kind: kindOf(channel.schedule, key), onsetMs, endMs, counted });
      }
    }
  }
  // Two faults of one kind at once on one channel (silence of both channels) are one incident.
  return faults.filter(
    (fault, index) =>
      faults.findIndex(
        (other) =>
          other.channelId === fault.channelId && other.kind === fault.kind && other.onsetMs === fault.onsetMs,
      ) === index,
  );
}

interface Figures {
  readonly lines: string[];
  readonly memoryOk: boolean;
  readonly chunksOk: boolean;
  readonly faultsOk: boolean;
}

async function figures(nowMs: number): Promise<Figures> {
  const backAt = new Map(await Promise.all(kills.map(async (kill) => [kill, await backAtMs(kill)] as const)));
  const lines: string[] = [];
  const elapsedMinutes = ((nowMs - startedAtMs) / 60_000).toFixed(1);
  /** A process is judged on at least a minute of samples after its warm-up (a killed worker may have less). */
  const judged = (growth: Growth | null): growth is Growth =>
    growth !== null && growth.samples >= minimumSamples;
  const growthText = (samples: readonly Sample[]) => {
    const growth = growthAfterWarmup(samples, warmupMs);
    const last = samples[samples.length - 1]?.value ?? Number.NaN;
    const figure = growth
      ? `, ${growth.growthPercent >= 0 ? '+' : ''}${growth.growthPercent.toFixed(1)}% after warm-up (${growth.slopePerMinute.toFixed(2)} MB/min, ${growth.samples} samples${judged(growth) ? '' : ', too few to judge'})`
      : ', warming up';
    return { growth, text: `${last.toFixed(0)} MB${figure}` };
  };
  let memoryOk = true;
  let measured = 0;
  const judge = (growth: Growth | null) => {
    if (!judged(growth)) return;
    measured += 1;
    memoryOk &&= growth.growthPercent < 5;
  };
  const service = growthText(serviceRss);
  lines.push(
    `[${elapsedMinutes} min] RSS service ${service.text}; its JS heap ${growthText(serviceHeap).text}`,
  );
  judge(service.growth);
  for (const [key, samples] of workerRss) {
    const worker = growthText(samples);
    lines.push(`  RSS worker ${key.padEnd(12)} ${worker.text}`);
    judge(worker.growth);
  }
  if (measured === 0) {
    memoryOk = false;
    lines.push('  memory not judged: no process has a minute of samples after warm-up (run longer)');
  }
  const recentLag = lagSeconds.slice(-60 * channels.length);
  const maxLag = Math.max(0, ...recentLag);
  const meanLag = recentLag.length ? recentLag.reduce((a, b) => a + b, 0) / recentLag.length : 0;
  const statuses = monitor.listChannels();
  lines.push(
    `  lag (last minute) mean ${meanLag.toFixed(2)} s, max ${maxLag.toFixed(2)} s; restarts ${statuses.map((s) => `${s.id}=${s.restarts}`).join(' ')}; kills ${kills.length}`,
  );
  let chunksOk = true;
  for (const channel of channels) {
    const stored = await monitor.queryChunks(channel.id, startedAtMs - 60_000, nowMs + 60_000);
    const account = accountChunks(
      stored,
      kills.filter((kill) => kill.channelId === channel.id),
    );
    chunksOk &&= account.lostSeconds < 1 && account.duplicateSeconds < 1 && account.storedSeconds > 0;
    lines.push(
      `  chunks ${channel.id.padEnd(9)} watched ${account.watchedSeconds.toFixed(0)} s, stored ${account.storedSeconds.toFixed(0)} s, worker down ${account.downSeconds.toFixed(1)} s, lost ${account.lostSeconds.toFixed(1)} s, duplicated ${account.duplicateSeconds.toFixed(1)} s`,
    );
  }
  const evaluateFrom = startedAtMs + warmupMs;
  // Faults from this long ago have had time to be detected, raised and stored.
  const cutoffMs = nowMs - 25_000;
  const allFaults = expectedFaults(evaluateFrom, cutoffMs, backAt);
  const faults = allFaults.filter((fault) => fault.counted);
  const allIncidents = await monitor.listIncidents({ sinceMs: startedAtMs - 60_000, limit: 100_000 });
  const incidents = allIncidents.filter(
    (incident) => incident.startedAtMs >= evaluateFrom - 5000 && incident.startedAtMs < cutoffMs,
  );
  const matchAll = matchFaults(allFaults, allIncidents, 3000);
  const missed = matchAll.missed.filter((fault) => faults.includes(fault as (typeof faults)[number]));
  const raisedTwice = matchAll.raisedTwice.filter((fault) =>
    faults.includes(fault as (typeof faults)[number]),
  );
  const match = {
    expected: faults.length,
    raisedOnce: faults.length - missed.length - raisedTwice.length,
    missed,
    raisedTwice,
    unexpected: matchAll.unexpected.filter((incident) =>
      incidents.includes(incident as (typeof incidents)[number]),
    ),
  };
  const crashes = incidents.filter((incident) => incident.kind === 'decoder-crash').length;
  const killsEvaluated = kills.filter(
    (kill) => kill.fromMs >= evaluateFrom - 5000 && kill.fromMs < cutoffMs,
  ).length;
  const expectedKinds = new Set(faults.map((fault) => `${fault.channelId}/${fault.kind}`));
  const others = new Map<string, number>();
  for (const incident of incidents) {
    const key = `${incident.channelId}/${incident.kind}`;
    if (incident.kind === 'decoder-crash' || expectedKinds.has(key)) continue;
    others.set(key, (others.get(key) ?? 0) + 1);
  }
  lines.push(
    `  faults injected ${match.expected}, raised once ${match.raisedOnce}, missed ${match.missed.length}, raised twice ${match.raisedTwice.length}, unexpected ${match.unexpected.length}; decoder-crash incidents ${crashes} for ${killsEvaluated} kills; other incidents ${[...others].map(([kind, count]) => `${kind}=${count}`).join(' ') || 'none'}`,
  );
  for (const fault of match.missed.slice(0, 3))
    lines.push(
      `    missed ${fault.channelId} ${fault.kind} at loop second ${loopSecond(channels.find((c) => c.id === fault.channelId) ?? channels[0]!, fault.onsetMs).toFixed(0)}`,
    );
  for (const fault of match.raisedTwice.slice(0, 3))
    lines.push(
      `    raised twice ${fault.channelId} ${fault.kind} at ${new Date(fault.onsetMs).toISOString().slice(11, 19)}`,
    );
  for (const incident of match.unexpected.slice(0, 3))
    lines.push(
      `    unexpected ${incident.channelId} ${incident.kind} at loop second ${loopSecond(channels.find((c) => c.id === incident.channelId) ?? channels[0]!, incident.startedAtMs).toFixed(1)}`,
    );
  const faultsOk = match.expected > 0 && match.raisedOnce === match.expected && match.unexpected.length === 0;
  return { lines, memoryOk, chunksOk, faultsOk };
}

let stopping = false;
process.once('SIGINT', () => (stopping = true));
process.once('SIGTERM', () => (stopping = true));
let nextReportMs = startedAtMs + 60_000;
let nextSampleMs = startedAtMs;
while (!stopping && Date.now() < endAtMs) {
  await sleep(1000);
  const nowMs = Date.now();
  maybeKill(nowMs);
  if (nowMs >= nextSampleMs) {
    sample(nowMs);
    nextSampleMs += 10_000;
  }
  if (nowMs >= nextReportMs) {
    process.stdout.write(`${(await figures(nowMs)).lines.join('\n')}\n`);
    nextReportMs += 60_000;
  }
}
const final = await figures(Date.now());
await service.stop();
await Promise.all(senders.map((sender) => sender.close()));
rmSync(dataDirectory, { recursive: true, force: true });
process.stdout.write(
  `\nsoak result after ${((Date.now() - startedAtMs) / 60_000).toFixed(1)} min (load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}):\n${final.lines.join('\n')}\n`,
);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
process.stdout.write(
  [
    `${verdict(final.memoryOk)}  memory growth < 5% after warm-up (service and every worker)`,
    `${verdict(final.chunksOk)}  no chunk result lost beyond the seconds a killed worker was down`,
    `${verdict(final.faultsOk)}  every injected fault raised once`,
    '',
  ].join('\n'),
);
process.exit(final.memoryOk && final.chunksOk && final.faultsOk ? 0 : 1);
