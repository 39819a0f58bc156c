/**
 * `streamqc plan`: measured figures from a file written as the benchmarks write it, built-in ones, bad usage.
 * The text output and one bad usage go through the real command; the other cases call the command function.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { recordBenchCosts } from '../capacity/bench-costs.js';
import { StreamqcError } from '../errors/streamqc-error.js';
import { planCommand } from './plan-command.js';

const cli = join(import.meta.dirname, 'main.ts');
const work = mkdtempSync(join(tmpdir(), 'streamqc-plan-'));
const costsPath = join(work, 'costs', 'bench-costs.json');
const machine = { cpuModel: 'Test CPU', cores: 8, node: 'v20.0.0' };

/** Through the real command, in its own process. */
function plan(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, 'plan', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** In this process: what the command writes, or its error. */
async function planHere(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const printed = { stdout: '', stderr: '' };
  await planCommand(args, {
    stdout: { write: (text: string) => (printed.stdout += text) },
    stderr: { write: (text: string) => (printed.stderr += text) },
  });
  return printed;
}

describe('streamqc plan', () => {
  before(async () => {
    // Written as the benchmarks write it: two parts of one profile, one call each.
    await recordBenchCosts(costsPath, '1080p30', {
      file: {
        measuredAtIso: '2026-11-26T12:00:00.000Z',
        machine,
        source: 'npm run bench, test clip',
        decodeCoresPerChannel: 0.2,
        detectorCoresPerChannel: { black: 0.05, freeze: 0.05 },
        peakRssMb: 200,
      },
    });
    await recordBenchCosts(costsPath, '1080p30', {
      live: {
        measuredAtIso: '2026-11-26T12:05:00.000Z',
        machine,
        source: 'npm run bench:live, test stream',
        coresPerChannel: 0.4,
        rssMb: 250,
      },
    });
  });

  it('prints cores and workers from the measured figures', () => {
    const result = plan(['--channels', '30', '--detectors', 'black,freeze', '--costs', costsPath]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines[0], '30 channel(s) of 1080p30, 2 detector(s), target load 70%');
    assert.match(
      lines[1] ?? '',
      /^per channel +0\.400 cores \(decode 0\.200 \+ detectors 0\.100 \+ live input 0\.100\), 250 MB/,
    );
    // 30 x 0.4 / 0.7 = 17.14 cores; 8 cores x 0.7 / 0.4 = 14 channels per worker; 30 / 14 -> 3 workers.
    assert.equal(lines[2], 'cores needed       17.1 (30 x 0.400 / 0.7)');
    assert.equal(lines[3], 'workers needed     3 of 8 core(s), up to 14 channel(s) each');
    assert.equal(lines[4], 'memory per worker  3500 MB for its channels (plus the monitor process)');
    assert.match(lines.at(-1) ?? '', /^figures: measured: npm run bench, test clip .*Test CPU, 8 cores/);
  });

  it('prints JSON with --format json, and --cores-per-worker and --target-load change the fill', async () => {
    const printed = await planHere([
      '--channels',
      '30',
      '--detectors',
      'black',
      '--costs',
      costsPath,
      '--cores-per-worker',
      '4',
      '--target-load',
      '0.5',
      '--format',
      'json',
    ]);
    const plan = JSON.parse(printed.stdout) as {
      channelsPerWorker: number;
      workersNeeded: number;
      measured: boolean;
    };
    // 0.2 + 0.05 + 0.1 = 0.35 per channel; 4 x 0.5 / 0.35 = 5.7 -> 5 per worker; 30 / 5 = 6 workers.
    assert.equal(plan.channelsPerWorker, 5);
    assert.equal(plan.workersNeeded, 6);
    assert.equal(plan.measured, true);
  });

  it('uses the built-in figures, labelled as such, when nothing was measured', async () => {
    const printed = await planHere(['--channels', '10', '--costs', join(work, 'missing.json')]);
    assert.match(printed.stderr, /no measured costs in '.*missing\.json': using the built-in figures/);
    assert.match(printed.stdout, /^figures: BUILT-IN DEFAULTS: /m);
  });

  it('refuses bad usage and a damaged file with a message naming the problem', async () => {
    const damaged = join(work, 'damaged.json');
    writeFileSync(damaged, '{"version": 1, "profiles": {"1080p30": {"live": {"coresPerChannel": -1}}}}');
    for (const [args, pattern] of [
      [['--costs', costsPath], /plan needs --channels N/],
      [['--channels', 'x', '--costs', costsPath], /--channels must be a number, not 'x'/],
      [
        ['--channels', '4', '--profile', '4k', '--costs', costsPath],
        /no cost figures for profile '4k' \(known: 1080p30\)/,
      ],
      [['--channels', '4', '--detectors', 'black,nope', '--costs', costsPath], /unknown detector\(s\) nope/],
      [['--channels', '4', '--costs', damaged], /cost figures '.*damaged\.json': profiles\.1080p30\.live\./],
    ] as const) {
      await assert.rejects(
        planHere([...args]),
        (error: unknown) => error instanceof StreamqcError && pattern.test(error.message),
        args.join(' '),
      );
    }
  });

  it('bad usage through the real command: one line, exit code 2, even with no measured figures', () => {
    const result = plan(['--channels', '0', '--costs', join(work, 'missing.json')]);
    assert.equal(result.code, 2, result.stdout);
    assert.equal(result.stderr, 'streamqc: --channels must be a whole number >= 1, not 0\n');
  });
});
