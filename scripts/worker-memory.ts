/**
 * `npm run soak:worker -- --minutes 12 [--warmup-minutes 3] [--clip news]
 *   [--udp-port 26000] [--env MALLOC_ARENA_MAX=2] [--snapshots DIR] [--label NAME] [--exec-path WRAPPER]`
 *
 * One channel worker (the compiled dist/service/channel-worker-main.js, forked with the supervisor's V8
 * flags) on one demo clip played live over UDP, every detector and the transport checks on, with
 * scripts/worker-memory-probe.mjs loaded into it: every 10 s the worker's RSS, V8 heap in use after a full
 * collection, external and array-buffer memory, and /proc's anonymous and file-backed RSS. Prints a line per
 * minute and, at the end, each figure's least-squares slope (MB/min) after warm-up. With --snapshots it
 * writes a heap snapshot at the end of warm-up, half-way and at the end, and prints which constructors
 * gained live objects between them (what grows in JavaScript, if anything does). Writing a snapshot costs
 * the worker tens of MB of RSS that it keeps: measure RSS slopes in a run without --snapshots.
 */
import { fork } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { prepareDemoChannels } from '../src/synth/demo-channels.js';
import { detectors } from '../src/detectors/registry.js';
import type { ChannelSpec } from '../src/service/model.js';
import type { ToWorker } from '../src/service/worker-messages.js';
import { parseServiceConfig, startLiveSender } from '../bench/compiled-service.js';
import { growthAfterWarmup, type Sample } from './soak-figures.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '12' },
    'warmup-minutes': { type: 'string', default: '3' },
    clip: { type: 'string', default: 'news' },
    'udp-port': { type: 'string', default: '26000' },
    env: { type: 'string', multiple: true, default: [] },
    snapshots: { type: 'string' },
    label: { type: 'string', default: 'worker' },
    'probe-interval-seconds': { type: 'string', default: '10' },
    /** Runs the worker through this program instead of node (a script that execs `heaptrack node "$@"`). */
    'exec-path': { type: 'string' },
  },
});
const minutes = Number(values.minutes);
const warmupMs = Number(values['warmup-minutes']) * 60_000;
const probeIntervalMs = Number(values['probe-interval-seconds']) * 1000;
const label = values.label;
const extraEnv = Object.fromEntries(
  values.env.map((pair) => {
    const at = pair.indexOf('=');
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);

interface Probe {
  readonly atMs: number;
  readonly rssBeforeGcMb: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
  readonly rssAnonMb: number | null;
  readonly rssFileMb: number | null;
}
const figureNames = [
  'rssMb',
  'rssAnonMb',
  'heapUsedMb',
  'heapTotalMb',
  'externalMb',
  'arrayBuffersMb',
] as const satisfies readonly (keyof Probe)[];

const media = await prepareDemoChannels(join(process.cwd(), 'streamqc-data', 'demo-media'));
const file = media.find((m) => m.id === values.clip)?.file;
if (!file) throw new Error(`no demo clip '${values.clip}'`);
const url = `udp://127.0.0.1:${values['udp-port']}`;
const sender = startLiveSender(file, `${url}?pkt_size=1316`);
await sender.startedAtMs;

const config = parseServiceConfig({}, 'worker-memory');
const channel: ChannelSpec = {
  id: label,
  name: label,
  url,
  loop: false,
  detectors: [],
  detectorConfig: {},
  tags: [],
  enabled: true,
};
const start: ToWorker = {
  type: 'start',
  channel,
  detectorIds: detectors.map((d) => d.id),
  connectTimeoutMs: config.worker.connectTimeoutMs,
  heartbeatIntervalMs: 1000,
  inputPolicy: config.inputs,
  streamLimits: config.limits,
};
// As the supervisor forks it (channel-supervisor.ts), plus the probe.
const worker = fork(resolve('dist/service/channel-worker-main.js'), [], {
  execArgv: [
    '--max-semi-space-size=1',
    `--max-old-space-size=${Math.floor(config.worker.memoryLimitMb / 2)}`,
    '--expose-gc',
    '--import',
    resolve('scripts/worker-memory-probe.mjs'),
  ],
  env: { ...process.env, ...extraEnv, STREAMQC_PROBE_INTERVAL_MS: String(probeIntervalMs) },
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  serialization: 'advanced',
  ...(values['exec-path'] ? { execPath: values['exec-path'] } : {}),
});

const probes: Probe[] = [];
let chunks = 0;
let lastSnapshot: (() => void) | null = null;
let probeReady: () => void = () => undefined;
const ready = new Promise<void>((done) => (probeReady = done));
worker.on('message', (message: { type?: string } & Record<string, unknown>) => {
  if (message.type === 'memory-probe') probes.push(message as unknown as Probe);
  else if (message.type === 'chunk') chunks += 1;
  else if (message.type === 'probe-snapshot-written') lastSnapshot?.();
  else if (message.type === 'probe-ready') probeReady();
  else if (message.type === 'input-failed')
    process.stderr.write(`input failed: ${String(message.message)}\n`);
});
await ready;
worker.send(start);

async function snapshot(name: string): Promise<string | null> {
  if (!values.snapshots) return null;
  mkdirSync(values.snapshots, { recursive: true });
  const path = resolve(values.snapshots, `${label}-${name}.heapsnapshot`);
  const written = new Promise<void>((done) => (lastSnapshot = done));
  worker.send({ type: 'probe-snapshot', path });
  await written;
  return path;
}

/** Live objects per constructor (node type and name) in a V8 heap snapshot: count and self size. */
function heapCensus(path: string): Map<string, { count: number; bytes: number }> {
  const snapshot = JSON.parse(readFileSync(path, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const typeNames = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const census = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = typeNames[snapshot.nodes[i + typeAt] ?? 0] ?? '?';
    const rawName = snapshot.strings[snapshot.nodes[i + nameAt] ?? 0] ?? '?';
    // Strings and code are named by their text: group them by type alone.
    const name = type === 'object' || type === 'native' || type === 'closure' ? rawName : '';
    const key = `${type}:${name.slice(0, 60)}`;
    const entry = census.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += snapshot.nodes[i + sizeAt] ?? 0;
    census.set(key, entry);
  }
  return census;
}

function censusGrowth(fromPath: string, toPath: string): string[] {
  const from = heapCensus(fromPath);
  const to = heapCensus(toPath);
  const rows = [...to].map(([key, after]) => {
    const before = from.get(key) ?? { count: 0, bytes: 0 };
    return { key, count: after.count - before.count, bytes: after.bytes - before.bytes };
  });
  for (const [key, before] of from)
    if (!to.has(key)) rows.push({ key, count: -before.count, bytes: -before.bytes });
  const total = rows.reduce((sum, row) => sum + row.bytes, 0);
  rows.sort((a, b) => b.bytes - a.bytes);
  return [
    `  heap census ${fromPath.split('/').pop()} -> ${toPath.split('/').pop()}: ${total >= 0 ? '+' : ''}${(total / 1024).toFixed(0)} KiB in all; largest gains:`,
    ...rows
      .slice(0, 12)
      .map(
        (row) =>
          `    ${row.key.padEnd(50)} ${row.count >= 0 ? '+' : ''}${row.count} objects, ${row.bytes >= 0 ? '+' : ''}${(row.bytes / 1024).toFixed(1)} KiB`,
      ),
  ];
}

function slopes(): string {
  return figureNames
    .map((name) => {
      const samples: Sample[] = probes.flatMap((p) =>
        typeof p[name] === 'number' ? [{ atMs: p.atMs, value: p[name] }] : [],
      );
      const growth = growthAfterWarmup(samples, warmupMs);
      const last = samples[samples.length - 1]?.value ?? Number.NaN;
      return `${name} ${last.toFixed(1)}${growth ? ` (${growth.slopePerMinute >= 0 ? '+' : ''}${growth.slopePerMinute.toFixed(3)}/min, ${growth.growthPercent.toFixed(1)}%)` : ''}`;
    })
    .join(', ');
}

const startedAtMs = Date.now();
const endAtMs = startedAtMs + minutes * 60_000;
const snapshotPaths: string[] = [];
const snapshotAtMs = [
  startedAtMs + warmupMs,
  startedAtMs + warmupMs + (endAtMs - startedAtMs - warmupMs) / 2,
];
let nextReportMs = startedAtMs + 60_000;
process.stdout.write(
  `worker-memory ${label}: ${minutes} min, warm-up ${warmupMs / 60_000} min, clip ${values.clip}, env ${JSON.stringify(extraEnv)}\n`,
);
process.stdout.write(`worker pid ${worker.pid}\n`);
while (Date.now() < endAtMs && worker.exitCode === null) {
  await sleep(1000);
  const nowMs = Date.now();
  const due = snapshotAtMs[0];
  if (due !== undefined && nowMs >= due) {
    snapshotAtMs.shift();
    const path = await snapshot(`${((nowMs - startedAtMs) / 60_000).toFixed(1)}min`);
    if (path) snapshotPaths.push(path);
  }
  if (nowMs >= nextReportMs) {
    nextReportMs += 60_000;
    process.stdout.write(
      `[${label} ${((nowMs - startedAtMs) / 60_000).toFixed(1)} min] chunks ${chunks}; ${slopes()}\n`,
    );
  }
}
const last = await snapshot('end');
if (last) snapshotPaths.push(last);
// Stopped as the supervisor stops it (a native-memory profiler attached to it then sees an orderly exit).
const exited = new Promise<void>((done) => worker.once('exit', () => done()));
if (worker.exitCode === null) worker.send({ type: 'stop' } satisfies ToWorker);
await Promise.race([exited, sleep(10_000)]);
worker.kill('SIGKILL');
await sender.close();
if (values.snapshots) writeFileSync(join(values.snapshots, `${label}-probes.json`), JSON.stringify(probes));
process.stdout.write(
  `\n${label} after ${minutes} min, ${chunks} chunks, slope after warm-up:\n  ${slopes()}\n`,
);
for (let i = 1; i < snapshotPaths.length; i++) {
  const from = snapshotPaths[i - 1];
  const to = snapshotPaths[i];
  if (from && to) process.stdout.write(`${censusGrowth(from, to).join('\n')}\n`);
}
process.exit(0);
