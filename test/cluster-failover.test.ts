/**
 * Fail-over with a real PostgreSQL: three `streamqc run` processes share twelve live UDP multicast channels through
 * leases. One is killed with SIGKILL; the test prints how long until its channels were analysed again, the
 * seconds missing per channel and any second or incident produced twice. Then one stops with SIGTERM and
 * hands its channels back at once. Each worker stores into its own SQLite file (see readStored below).
 */
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PgLeaseStore } from '../src/cluster/pg-lease-store.js';
import type { ChunkRecord, Incident } from '../src/service/model.js';
import { writeClip } from '../src/synth/clip-writer.js';
import { drawFlat, drawMovingPattern } from '../src/synth/patterns.js';
import {
  anyWorker,
  doubleAnalysedChunks,
  duplicateIncidents,
  takeover,
  type Stored,
} from '../src/test-support/failover-figures.js';
import { createTestSchema, postgresSkip, type TestSchema } from '../src/test-support/postgres.js';
import { openPostgresStore } from '../src/store/postgres-store.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const channelCount = 12;
const workerCount = 3;
const leaseSeconds = 5;
const checkIntervalSeconds = 1;

interface WorkerProcess {
  readonly id: string;
  readonly child: ChildProcess;
  readonly storePath: string;
  readonly log: string[];
  readonly exited: Promise<number | string | null>;
}

/** 20 s loop, 160x90 at 10 fps with a key frame every second, black at 8-13 s. */
async function writeSource(path: string): Promise<void> {
  const fps = 10;
  await writeClip({
    path,
    container: 'mpegts',
    durationSeconds: 20,
    video: {
      width: 160,
      height: 90,
      framesPerSecond: fps,
      codec: 'libx264',
      gopSize: fps,
      draw(index, planes) {
        const t = index / fps;
        if (t >= 8 && t < 13) drawFlat(planes, 16);
        else drawMovingPattern(planes, index);
      },
    },
  });
}

/**
 * Each channel is a multicast group on the loopback interface, as broadcast contribution feeds usually are:
 * every process that joins receives every datagram, so a worker that lost a channel but still runs its
 * process (paused, cut off) would analyse the same seconds as the new owner unless the fence stops it.
 */
function multicastUrl(port: number): string {
  return `udp://239.255.${Math.floor(port / 256) % 256}.${port % 256}:${port}?localaddr=127.0.0.1`;
}

/** Whether a datagram sent to a multicast group on 127.0.0.1 reaches a member on this machine. */
async function loopbackMulticastWorks(port: number): Promise<boolean> {
  const group = '239.255.254.1';
  const receiver = createSocket({ type: 'udp4', reuseAddr: true });
  const sender = createSocket('udp4');
  try {
    let received = false;
    receiver.on('message', () => (received = true));
    await new Promise<void>((resolve) => receiver.bind(port, resolve));
    receiver.addMembership(group, '127.0.0.1');
    await new Promise<void>((resolve) => sender.bind(0, resolve));
    sender.setMulticastInterface('127.0.0.1');
    for (let i = 0; i < 5 && !received; i++) {
      sender.send('probe', port, group);
      await sleep(100);
    }
    return received;
  } catch {
    return false;
  } finally {
    receiver.close();
    sender.close();
  }
}

function startSenders(file: string, ports: readonly number[]): ChildProcess {
  const entry = fileURLToPath(new URL('../src/test-support/live-senders-main.ts', import.meta.url));
  const urls = ports.map((port) => `${multicastUrl(port)}&pkt_size=1316`);
  return fork(entry, [file, ...urls], { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
}

/** The newest source that `npm run build` compiles (tests and test support are not built). */
function newestMtimeMs(directory: string): number {
  return Math.max(
    0,
    ...readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.name !== 'test-support' && !entry.name.endsWith('.test.ts'))
      .map((entry) => {
        const path = join(directory, entry.name);
        return entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs;
      }),
  );
}

/**
 * The compiled command when `npm run build` is newer than the sources (CI builds it in `npm ci`): its worker
 * processes start in a fraction of the time they take through tsx. Otherwise the sources through tsx.
 */
function serviceEntry(): string[] {
  const compiled = join(repoRoot, 'dist', 'cli', 'main.js');
  const fresh = existsSync(compiled) && statSync(compiled).mtimeMs >= newestMtimeMs(join(repoRoot, 'src'));
  return fresh ? [compiled] : ['--import', 'tsx', 'src/cli/main.ts'];
}

function startWorker(id: string, directory: string, db: TestSchema, ports: readonly number[]): WorkerProcess {
  const storePath = join(directory, `${id}.db`);
  const configPath = join(directory, `${id}.json`);
  const config = {
    http: { port: 0 },
    // One shared result store, as in production: a new owner adopts the open incidents of the channel.
    storage: {
      kind: 'postgres',
      postgres: { url: db.url, schema: db.schema },
      evidenceDirectory: join(directory, `${id}-evidence`),
    },
    noSignalSeconds: 5,
    alerts: { defaults: { raiseAfterSeconds: 1, clearAfterSeconds: 1 } },
    // Twelve worker processes starting at once on a busy 2-core machine can take longer than the default.
    worker: { connectTimeoutMs: 5000, heartbeatTimeoutMs: 60_000 },
    cluster: { postgresUrl: db.url, schema: db.schema, workerId: id, leaseSeconds, checkIntervalSeconds },
    channels: ports.map((port, i) => ({
      id: `ch${String(i).padStart(2, '0')}`,
      url: multicastUrl(port),
      detectors: ['black'],
    })),
  };
  writeFileSync(configPath, JSON.stringify(config));
  const child = spawn(
    process.execPath,
    [...serviceEntry(), 'run', '--config', configPath, '--log-level', 'info'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const log: string[] = [];
  if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => log.push(line));
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { id, child, storePath, log, exited };
}

/** The worker's API address, from its 'api listening' log line. */
function apiUrl(worker: WorkerProcess): string | null {
  for (const line of worker.log) {
    if (!line.includes('"api listening"')) continue;
    const parsed = JSON.parse(line) as { url?: string };
    if (parsed.url) return parsed.url;
  }
  return null;
}

/** Channels the worker analyses now: a chunk within the last 3 s. */
async function liveChannels(worker: WorkerProcess): Promise<Set<string>> {
  const url = apiUrl(worker);
  if (!url || worker.child.exitCode !== null || worker.child.signalCode !== null) return new Set();
  try {
    const response = await fetch(new URL('/api/channels', url), { signal: AbortSignal.timeout(1000) });
    const { channels } = (await response.json()) as {
      channels: { id: string; lastChunkAtMs: number | null }[];
    };
    return new Set(
      channels
        .filter((c) => c.lastChunkAtMs !== null && Date.now() - c.lastChunkAtMs < 3000)
        .map((c) => c.id),
    );
  } catch {
    return new Set();
  }
}

async function allLive(workers: readonly WorkerProcess[], channelIds: readonly string[]): Promise<boolean> {
  const live = new Set<string>();
  for (const worker of workers) for (const id of await liveChannels(worker)) live.add(id);
  return channelIds.every((id) => live.has(id));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** Channel -> owner, from the lease table. */
async function owners(db: TestSchema): Promise<Map<string, string | null>> {
  const rows = await db.query<{ task_id: string; owner: string | null }>(
    `SELECT task_id, owner FROM "${db.schema}".streamqc_leases`,
  );
  return new Map(rows.map((row) => [row.task_id, row.owner]));
}

/**
 * Everything the workers stored in the shared store. In cluster mode a session id starts with the id of the
 * worker that ran it, so each second names who analysed it; an incident may have been saved by several
 * owners (adopted on hand-over), so it is the channel's, not a worker's.
 */
async function readStored(db: TestSchema, channelIds: readonly string[]) {
  const store = await openPostgresStore({ url: db.url, schema: db.schema });
  try {
    const chunks: Stored<ChunkRecord>[] = [];
    for (const id of channelIds) {
      for (const row of await store.queryChunks(id, 0, Date.now() + 3_600_000, 100_000))
        chunks.push({ workerId: row.sessionId.split('/')[0] ?? '', row });
    }
    const incidents: Stored<Incident>[] = (await store.listIncidents({ limit: 100_000 })).map((row) => ({
      workerId: anyWorker,
      row,
    }));
    return { chunks, incidents };
  } finally {
    await store.close();
  }
}

function printTakeovers(
  t: TestContext,
  title: string,
  figures: readonly ReturnType<typeof takeover>[],
): void {
  t.diagnostic(title);
  for (const f of figures) {
    t.diagnostic(
      `  ${f.channelId} -> ${f.newOwner ?? 'nobody'}: analysed again after ${f.resumedAfterSeconds?.toFixed(1) ?? '-'} s, ` +
        `${f.missingChunks ?? '-'} chunk(s) missing`,
    );
  }
}

describe('cluster fail-over (PostgreSQL, 3 workers, 12 live channels)', { skip: postgresSkip() }, () => {
  it('a killed worker’s channels move to the others within the lease time, none analysed twice', async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'streamqc-failover-'));
    const source = join(directory, 'source.ts');
    await writeSource(source);
    const basePort = 24_000 + Math.floor(Math.random() * 10_000);
    const ports = Array.from({ length: channelCount }, (_, i) => basePort + i);
    const channelIds = ports.map((_, i) => `ch${String(i).padStart(2, '0')}`);
    assert.ok(
      await loopbackMulticastWorks(basePort - 1),
      'multicast on the loopback interface (127.0.0.1) does not reach this machine: the test channels need it',
    );
    const db = await createTestSchema('failover_test');
    const tables = new PgLeaseStore({ postgresUrl: db.url, schema: db.schema, queryTimeoutMs: 5000 });
    await tables.open();
    await tables.close();
    const senders = startSenders(source, ports);
    t.diagnostic(`workers run ${serviceEntry().join(' ')}`);
    const workers = Array.from({ length: workerCount }, (_, i) => startWorker(`w${i}`, directory, db, ports));
    try {
      // Steady state: every channel owned, each worker its fair share, every channel stored recently.
      await waitFor(
        async () => {
          const table = await owners(db);
          const counts = workers.map((w) => [...table.values()].filter((owner) => owner === w.id).length);
          return table.size === channelCount && counts.every((n) => n === channelCount / workerCount);
        },
        60_000,
        'four channels per worker',
      );
      await waitFor(() => allLive(workers, channelIds), 60_000, 'every channel analysed');
      await sleep(3000);
      const [victim, graceful, last] = workers;
      assert.ok(victim && graceful && last);
      const before = await owners(db);
      const victimChannels = channelIds.filter((id) => before.get(id) === victim.id);
      const killedAtMs = Date.now();
      victim.child.kill('SIGKILL');
      await victim.exited;

      await waitFor(
        async () => {
          const table = await owners(db);
          return victimChannels.every((id) => table.get(id) === graceful.id || table.get(id) === last.id);
        },
        30_000,
        'the killed worker’s channels to be claimed',
      );
      await waitFor(() => allLive([graceful, last], channelIds), 45_000, 'every channel analysed again');
      await sleep(2000);

      // A pause longer than the lease: the other worker takes its channels; once resumed, the paused one
      // must record nothing of what its channel processes sent meanwhile, stop them, then get its share back.
      // Its channel processes run on during the pause and receive the same multicast seconds as the new owner.
      const beforePause = await owners(db);
      const pausedChannels = channelIds.filter((id) => beforePause.get(id) === graceful.id);
      const pausedAtMs = Date.now();
      graceful.child.kill('SIGSTOP');
      await waitFor(
        async () => {
          const table = await owners(db);
          return pausedChannels.every((id) => table.get(id) === last.id);
        },
        30_000,
        'the paused worker’s channels to be claimed',
      );
      await waitFor(() => allLive([last], channelIds), 45_000, 'every channel analysed by the other worker');
      await sleep(2000);
      graceful.child.kill('SIGCONT');
      await waitFor(
        async () => {
          const table = await owners(db);
          const held = [...table.values()].filter((owner) => owner === graceful.id).length;
          return held === channelCount / 2 && (await allLive([graceful, last], channelIds));
        },
        40_000,
        'the resumed worker to get its share back',
      );
      await sleep(2000);

      const middle = await owners(db);
      const gracefulChannels = channelIds.filter((id) => middle.get(id) === graceful.id);
      const stoppedAtMs = Date.now();
      graceful.child.kill('SIGTERM');
      assert.equal(await graceful.exited, 0, `graceful worker exit\n${graceful.log.slice(-5).join('\n')}`);
      await waitFor(
        async () => {
          const table = await owners(db);
          return gracefulChannels.every((id) => table.get(id) === last.id);
        },
        30_000,
        'the stopped worker’s channels to be claimed',
      );
      await waitFor(() => allLive([last], channelIds), 45_000, 'every channel analysed by the last worker');
      await sleep(2000);
      last.child.kill('SIGTERM');
      assert.equal(await last.exited, 0, `last worker exit\n${last.log.slice(-5).join('\n')}`);

      const { chunks, incidents } = await readStored(db, channelIds);
      const killFigures = victimChannels.map((id) => takeover(id, chunks, victim.id, killedAtMs));
      const pauseFigures = pausedChannels.map((id) => takeover(id, chunks, graceful.id, pausedAtMs));
      const stopFigures = gracefulChannels.map((id) => takeover(id, chunks, graceful.id, stoppedAtMs));
      const doubled = doubleAnalysedChunks(chunks);
      const duplicates = duplicateIncidents(incidents, chunks);
      const leftOpen = incidents.filter((s) => s.row.state === 'open').length;

      printTakeovers(
        t,
        `SIGKILL of ${victim.id} (lease ${leaseSeconds} s, check every ${checkIntervalSeconds} s; target: analysed again within 10 s, no more chunks missing than that):`,
        killFigures,
      );
      printTakeovers(t, `SIGSTOP of ${graceful.id} for longer than the lease:`, pauseFigures);
      printTakeovers(t, `SIGTERM of ${graceful.id} (hand-back at once):`, stopFigures);
      const worst = (figures: typeof killFigures) =>
        Math.max(...figures.map((f) => f.resumedAfterSeconds ?? Number.POSITIVE_INFINITY));
      t.diagnostic(
        `worst: ${worst(killFigures).toFixed(1)} s after SIGKILL, ${worst(pauseFigures).toFixed(1)} s after SIGSTOP, ` +
          `${worst(stopFigures).toFixed(1)} s after SIGTERM; ` +
          `chunks stored ${chunks.length}, seconds analysed twice ${doubled} (target 0), ` +
          `incidents ${incidents.length}, duplicate incidents ${duplicates.length} (target 0), ` +
          `left open (a shared store lets the next owner adopt them) ${leftOpen}`,
      );

      assert.equal(victimChannels.length, channelCount / workerCount);
      for (const figure of [...killFigures, ...pauseFigures, ...stopFigures]) {
        assert.notEqual(figure.newOwner, null, `${figure.channelId} analysed again`);
      }
      assert.equal(doubled, 0, 'no second analysed by two workers');
      assert.deepEqual(
        duplicates.map((d) => `${d.a.row.channelId} ${d.a.row.kind} ${d.a.workerId}/${d.b.workerId}`),
        [],
      );
      assert.ok(
        incidents.some((s) => s.row.kind === 'black'),
        'the black seconds of the source raised incidents',
      );
      const table = await owners(db);
      assert.ok(
        [...table.values()].every((owner) => owner === null),
        'graceful stops handed every lease back',
      );
    } finally {
      if (process.env.STREAMQC_FAILOVER_LOGS)
        for (const w of workers) writeFileSync(join(directory, `${w.id}.log`), w.log.join('\n'));
      for (const worker of workers) worker.child.kill('SIGKILL');
      senders.kill('SIGKILL');
      await db.drop();
    }
  });
});
