/**
 * `streamqc plan --channels N --profile 1080p30 [--detectors a,b] [--target-load 0.7]`: cores and workers
 * for N channels, from the per-channel cost the benchmarks measured (`npm run bench`, `npm run bench:live`)
 * on this kind of machine, or from built-in figures, labelled as such, when none were measured.
 */
import { parseArgs } from 'node:util';
import {
  benchCostsPath,
  builtInBenchCosts,
  readBenchCosts,
  type BenchCosts,
  type MachineInfo,
} from '../capacity/bench-costs.js';
import { planCapacity, type CapacityPlan } from '../capacity/capacity-plan.js';
import { detectors } from '../detectors/registry.js';
import { StreamqcError } from '../errors/streamqc-error.js';

interface FiguresSource {
  readonly label: string;
  readonly machine: MachineInfo;
}

function parseNumber(value: string, name: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed))
    throw new StreamqcError('BAD_USAGE', `${name} must be a number, not '${value}'`);
  return parsed;
}

/** Where the command writes: the process's streams, or the test's. */
export interface CommandOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

async function loadCosts(path: string): Promise<{ costs: BenchCosts; measured: boolean }> {
  const measured = await readBenchCosts(path);
  return measured ? { costs: measured, measured: true } : { costs: builtInBenchCosts, measured: false };
}

function describeSource(
  costs: BenchCosts['profiles'][string],
  path: string,
  measured: boolean,
): FiguresSource {
  const parts = [costs.file, costs.live].filter((part) => part !== undefined);
  const first = parts[0];
  if (!first) throw new StreamqcError('BAD_CONFIG', `'${path}' has a profile without figures`);
  const what = parts.map((part) => `${part.source} (${part.measuredAtIso})`).join('; ');
  const where = `${first.machine.cpuModel}, ${first.machine.cores} cores, Node ${first.machine.node}`;
  return {
    label: measured
      ? `measured: ${what}; on ${where}; from ${path}`
      : `BUILT-IN DEFAULTS: ${what}; on ${where}`,
    machine: first.machine,
  };
}

const cores = (value: number | null): string => (value === null ? '-' : value.toFixed(3));

export function formatPlan(plan: CapacityPlan, source: string): string {
  const { perChannel } = plan;
  const breakdown =
    perChannel.decodeCores === null
      ? 'one live channel as measured'
      : `decode ${cores(perChannel.decodeCores)} + detectors ${cores(perChannel.detectorCores)}` +
        ` + live input ${cores(perChannel.liveInputCores)}`;
  const lines = [
    `${plan.channels} channel(s) of ${plan.profile}, ${plan.detectorIds.length} detector(s), target load ${Math.round(plan.targetLoad * 100)}%`,
    `per channel        ${cores(perChannel.totalCores)} cores (${breakdown}), ${perChannel.memoryMb.toFixed(0)} MB (${perChannel.memoryBasis})`,
    `cores needed       ${plan.coresNeeded.toFixed(1)} (${plan.channels} x ${cores(perChannel.totalCores)} / ${plan.targetLoad})`,
    `workers needed     ${plan.workersNeeded} of ${plan.coresPerWorker} core(s), up to ${plan.channelsPerWorker} channel(s) each`,
    `memory per worker  ${plan.memoryPerWorkerMb.toFixed(0)} MB for its channels (plus the monitor process)`,
    ...plan.notes.map((note) => `note: ${note}`),
    `figures: ${source}`,
  ];
  return `${lines.join('\n')}\n`;
}

export async function planCommand(args: string[], output: CommandOutput = process): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      channels: { type: 'string' },
      profile: { type: 'string', default: '1080p30' },
      detectors: { type: 'string' },
      'target-load': { type: 'string', default: '0.7' },
      'cores-per-worker': { type: 'string' },
      costs: { type: 'string' },
      format: { type: 'string', default: 'text' },
    },
  });
  if (values.channels === undefined) throw new StreamqcError('BAD_USAGE', 'plan needs --channels N');
  if (values.format !== 'text' && values.format !== 'json')
    throw new StreamqcError('BAD_USAGE', `--format must be text or json, not '${values.format}'`);
  const channels = parseNumber(values.channels, '--channels');
  const targetLoad = parseNumber(values['target-load'], '--target-load');
  const path = values.costs ?? benchCostsPath();
  const { costs, measured } = await loadCosts(path);
  const profileCosts = costs.profiles[values.profile];
  if (!profileCosts) {
    const known = Object.keys(costs.profiles).join(', ') || 'none';
    throw new StreamqcError('BAD_USAGE', `no cost figures for profile '${values.profile}' (known: ${known})`);
  }
  const source = describeSource(profileCosts, path, measured);
  const plan = planCapacity({
    channels,
    profile: values.profile,
    costs: profileCosts,
    detectorIds:
      values.detectors
        ?.split(',')
        .map((id) => id.trim())
        .filter((id) => id.length > 0) ?? null,
    allDetectorIds: detectors.map((detector) => detector.id),
    targetLoad,
    coresPerWorker:
      values['cores-per-worker'] === undefined
        ? source.machine.cores
        : parseNumber(values['cores-per-worker'], '--cores-per-worker'),
  });
  if (!measured) {
    output.stderr.write(
      `streamqc: no measured costs in '${path}': using the built-in figures of the development machine ` +
        `(run 'npm run bench' and 'npm run bench:live' on a worker machine to measure your own)\n`,
    );
  }
  if (values.format === 'json') {
    output.stdout.write(`${JSON.stringify({ ...plan, figures: source.label, measured }, null, 2)}\n`);
  } else {
    output.stdout.write(formatPlan(plan, source.label));
  }
  return 0;
}
