/**
 * `npm run bench`: decode-only against full-analysis CPU for a generated 1080p30 H.264 5 Mb/s clip and for
 * ../shared/media/bbb-1080p-30s.mp4 when present. Both measured in the same run, one process each, decoder
 * on one thread. Prints the figures the README quotes, and writes the per-channel costs (profiles 1080p30
 * and 1080p24) to .cache/bench-costs.json (or $STREAMQC_BENCH_COSTS) for `streamqc plan`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchCostsPath, recordBenchCosts, thisMachine } from '../src/capacity/bench-costs.js';
import { writeClip } from '../src/synth/clip-writer.js';
import { fixtureDirectory } from '../src/synth/fixtures.js';
import { audioSpec, programme } from '../src/synth/fixture-parts.js';
import { drawMovingPattern } from '../src/synth/patterns.js';

interface Measurement {
  mediaSeconds: number;
  cpuSeconds: number;
  wallSeconds: number;
  peakRssMb: number;
  detectorCpuMs: Record<string, number>;
}

const repeats = Number(process.env.BENCH_REPEATS ?? 2);

async function generatedClip(): Promise<string> {
  const path = join(fixtureDirectory, 'bench-1080p30-5mbps-30s.mp4');
  if (existsSync(path)) return path;
  mkdirSync(fixtureDirectory, { recursive: true });
  process.stderr.write('generating the 1080p30 benchmark clip (once)...\n');
  await writeClip({
    path,
    container: 'mp4',
    durationSeconds: 30,
    video: {
      width: 1920,
      height: 1080,
      framesPerSecond: 30,
      codec: 'libx264',
      bitRate: 5_000_000,
      options: { preset: 'veryfast', maxrate: '5M', bufsize: '10M' },
      draw: (index, planes) => drawMovingPattern(planes, index),
    },
    audio: audioSpec(programme),
  });
  return path;
}

function measure(mode: 'decode' | 'full', input: string): Measurement {
  const runner = join(import.meta.dirname, 'run-one.ts');
  const output = execFileSync(
    process.execPath,
    ['--max-semi-space-size=1', '--import', 'tsx', runner, mode, input],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(output.trim().split('\n').pop() ?? '{}') as Measurement;
}

/** Alternates decode and full runs and keeps each one's lowest CPU, to damp noise from the machine. */
function compare(input: string): { decode: Measurement; full: Measurement } {
  let decode: Measurement | null = null;
  let full: Measurement | null = null;
  for (let i = 0; i < repeats; i++) {
    const d = measure('decode', input);
    const f = measure('full', input);
    if (!decode || d.cpuSeconds < decode.cpuSeconds) decode = d;
    if (!full || f.cpuSeconds < full.cpuSeconds) full = f;
  }
  if (!decode || !full) throw new Error('no measurement');
  return { decode, full };
}

function report(name: string, { decode, full }: { decode: Measurement; full: Measurement }): void {
  const ratio = full.cpuSeconds / decode.cpuSeconds;
  const lines = [
    `## ${name} (${full.mediaSeconds.toFixed(1)} s of media)`,
    `decode-only CPU        ${decode.cpuSeconds.toFixed(2)} s   peak RSS ${decode.peakRssMb.toFixed(0)} MB`,
    `full analysis CPU      ${full.cpuSeconds.toFixed(2)} s   peak RSS ${full.peakRssMb.toFixed(0)} MB`,
    `full / decode-only     ${ratio.toFixed(3)}x`,
    `real-time factor       ${(full.mediaSeconds / full.wallSeconds).toFixed(2)}x (media seconds per wall second, full analysis)`,
    `channels per core      ${(full.mediaSeconds / full.cpuSeconds).toFixed(2)} in real time (full analysis)`,
    `detector CPU           ${Object.entries(full.detectorCpuMs)
      .map(([id, ms]) => `${id} ${((ms / 1000 / decode.cpuSeconds) * 100).toFixed(1)}%`)
      .join(', ')} (of decode-only CPU)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

/**
 * Per-channel costs for `streamqc plan`: CPU seconds per media second, decode and each detector. The
 * pipeline times detectors on the wall clock, which a busy machine inflates; so the detectors' total is the
 * process CPU that full analysis adds to decode-only, shared out in proportion to those timings.
 */
async function recordCosts(
  profile: string,
  source: string,
  { decode, full }: { decode: Measurement; full: Measurement },
): Promise<void> {
  const path = benchCostsPath();
  const decodeCores = decode.cpuSeconds / decode.mediaSeconds;
  const detectorsCores = Math.max(0, full.cpuSeconds / full.mediaSeconds - decodeCores);
  const timedMs = Object.values(full.detectorCpuMs).reduce((a, b) => a + b, 0);
  await recordBenchCosts(path, profile, {
    file: {
      measuredAtIso: new Date().toISOString(),
      machine: thisMachine(),
      source: `npm run bench, ${source}`,
      decodeCoresPerChannel: decodeCores,
      detectorCoresPerChannel: Object.fromEntries(
        Object.entries(full.detectorCpuMs).map(([id, ms]) => [
          id,
          timedMs > 0 ? (ms / timedMs) * detectorsCores : 0,
        ]),
      ),
      peakRssMb: full.peakRssMb,
    },
  });
  process.stdout.write(`(per-channel costs of ${profile} written to ${path} for streamqc plan)\n\n`);
}

process.stdout.write(
  `# streamqc bench: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, best of ${repeats}\n\n`,
);
const generated = compare(await generatedClip());
report('generated 1080p30 H.264 5 Mb/s + AAC stereo', generated);
await recordCosts('1080p30', 'generated 1080p30 H.264 5 Mb/s + AAC stereo, 30 s', generated);
const bbb = join(process.env.STREAMQC_REAL_MEDIA ?? join('..', 'shared', 'media'), 'bbb-1080p-30s.mp4');
if (existsSync(bbb)) {
  const measured = compare(bbb);
  report('bbb-1080p-30s.mp4 (H.264 1080p24, AAC 5.1)', measured);
  await recordCosts('1080p24', 'bbb-1080p-30s.mp4 (H.264 1080p24, AAC 5.1)', measured);
} else process.stdout.write(`(${bbb} not found: set STREAMQC_REAL_MEDIA to include Big Buck Bunny)\n`);
