/**
 * Per-channel cost figures that the benchmarks measure and `streamqc plan` reads: one JSON file, per profile
 * (for example `1080p30`), with a file-analysis part (`npm run bench`: decode and each detector, in cores per
 * channel, i.e. CPU seconds per media second) and a live part (`npm run bench:live`: one live channel's worker
 * as the service runs it). Each benchmark rewrites only its own part of its own profiles.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { z } from 'zod';
import { StreamqcError } from '../errors/streamqc-error.js';

/** Where the benchmarks write and `plan` reads, relative to the working directory, unless told otherwise. */
export const defaultBenchCostsPath = '.cache/bench-costs.json';

export function benchCostsPath(): string {
  return process.env.STREAMQC_BENCH_COSTS ?? defaultBenchCostsPath;
}

const machineSchema = z.object({
  cpuModel: z.string(),
  cores: z.number().int().positive(),
  node: z.string(),
});

const fileCostsSchema = z.object({
  measuredAtIso: z.string(),
  machine: machineSchema,
  /** What was measured, for the reader: the command and the input. */
  source: z.string(),
  decodeCoresPerChannel: z.number().positive(),
  detectorCoresPerChannel: z.record(z.string(), z.number().min(0)),
  peakRssMb: z.number().positive(),
});

const liveCostsSchema = z.object({
  measuredAtIso: z.string(),
  machine: machineSchema,
  source: z.string(),
  /** One channel alone, every detector, as `streamqc run` runs it (network input, evidence buffer). */
  coresPerChannel: z.number().positive(),
  rssMb: z.number().positive(),
  pssMb: z.number().positive().optional(),
});

const profileCostsSchema = z.object({
  file: fileCostsSchema.optional(),
  live: liveCostsSchema.optional(),
});

const benchCostsSchema = z.object({
  version: z.literal(1),
  profiles: z.record(z.string(), profileCostsSchema),
});

export type MachineInfo = z.output<typeof machineSchema>;
export type FileCosts = z.output<typeof fileCostsSchema>;
export type LiveCosts = z.output<typeof liveCostsSchema>;
export type ProfileCosts = z.output<typeof profileCostsSchema>;
export type BenchCosts = z.output<typeof benchCostsSchema>;

export function thisMachine(): MachineInfo {
  return { cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU', cores: cpus().length, node: process.version };
}

/** The measured figures at `path`, or null when there is no such file. A damaged file is a one-line error. */
export async function readBenchCosts(path: string): Promise<BenchCosts | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return null;
    throw new StreamqcError('BAD_CONFIG', `cannot read cost figures '${path}': ${String(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new StreamqcError('BAD_CONFIG', `cost figures '${path}' are not JSON: run the benchmark again`);
  }
  const parsed = benchCostsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new StreamqcError('BAD_CONFIG', `cost figures '${path}': ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Sets one part of one profile, keeping everything else in the file; written whole, then renamed. */
export async function recordBenchCosts(
  path: string,
  profile: string,
  part: { readonly file: FileCosts } | { readonly live: LiveCosts },
): Promise<void> {
  const existing = (await readBenchCosts(path).catch(() => null)) ?? { version: 1 as const, profiles: {} };
  const updated: BenchCosts = {
    ...existing,
    profiles: { ...existing.profiles, [profile]: { ...existing.profiles[profile], ...part } },
  };
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(updated, null, 2)}\n`);
  await rename(temporary, path);
}

/**
 * Figures measured on the development machine on 2026-11-26 (README, "Performance"), used when no file
 * exists and always labelled as such. 1080p30: `npm run bench` on the generated 1080p30 H.264 5 Mb/s clip
 * (decode-only 6.68 CPU s for 30 s; each detector's share of the decode-only CPU) and `npm run bench:live`
 * (one channel alone: 35% of a core, RSS 263 MB, PSS 201 MB). 720p25: `npm run bench:live` only.
 */
const developmentMachine: MachineInfo = {
  cpuModel: 'AMD EPYC (development machine)',
  cores: 2,
  node: 'v20.20.2',
};
const decode1080p30 = 6.68 / 30;
const detectorShares1080p30: Readonly<Record<string, number>> = {
  freeze: 0.087,
  black: 0.073,
  blockiness: 0.049,
  clipping: 0.023,
  'true-peak': 0.023,
  silence: 0.007,
  'av-sync': 0.005,
  loudness: 0.004,
  'audio-dropout': 0.002,
};

export const builtInBenchCosts: BenchCosts = {
  version: 1,
  profiles: {
    '1080p30': {
      file: {
        measuredAtIso: '2026-11-26',
        machine: developmentMachine,
        source: 'npm run bench, generated 1080p30 H.264 5 Mb/s + AAC stereo, 30 s',
        decodeCoresPerChannel: decode1080p30,
        detectorCoresPerChannel: Object.fromEntries(
          Object.entries(detectorShares1080p30).map(([id, share]) => [id, share * decode1080p30]),
        ),
        peakRssMb: 250,
      },
      live: {
        measuredAtIso: '2026-11-26',
        machine: developmentMachine,
        source: 'npm run bench:live, 1080p30 H.264 5 Mb/s over UDP, one channel',
        coresPerChannel: 0.35,
        rssMb: 263,
        pssMb: 201,
      },
    },
    '720p25': {
      live: {
        measuredAtIso: '2026-11-26',
        machine: developmentMachine,
        source: 'npm run bench:live, 720p25 H.264 3 Mb/s over UDP, one channel',
        coresPerChannel: 0.21,
        rssMb: 199,
        pssMb: 142,
      },
    },
  },
};
