/**
 * One benchmark measurement in its own process (so peak RSS is its own): `decode` runs the decode loop and
 * chunker with no detector (no full-resolution planes kept); `full` runs the whole analysis with every default detector. Prints JSON.
 */
import { analyzeInput } from '../src/analysis/analyze-input.js';
import { configureDetectors } from '../src/config/detector-config.js';
import { decodeInput, emptyDecodeStats } from '../src/media/decode-input.js';
import { openInput } from '../src/media/open-input.js';

const [mode, input] = process.argv.slice(2);
if (!input || (mode !== 'decode' && mode !== 'full')) {
  console.error('usage: run-one.ts decode|full <input>');
  process.exit(2);
}
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
let mediaSeconds = 0;
let detectorCpuMs: Record<string, number> = {};
if (mode === 'decode') {
  const opened = await openInput(input, {
    connectTimeoutMs: 5000,
    wantVideo: true,
    wantAudio: true,
    decoderThreads: 1,
  });
  const stats = emptyDecodeStats();
  for await (const ready of decodeInput(opened, stats, { fullLumaPerSecond: 0 })) ready.release();
  opened.close();
  mediaSeconds = stats.durationSeconds;
} else {
  const report = await analyzeInput(input, {
    detectors: configureDetectors(undefined, {}),
    connectTimeoutMs: 5000,
    keepChunks: false,
  });
  mediaSeconds = report.durationSeconds;
  detectorCpuMs = { ...report.summary.detectorCpuMs };
}
const cpu = process.cpuUsage(cpuBefore);
console.log(
  JSON.stringify({
    mode,
    mediaSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (performance.now() - wallBefore) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    detectorCpuMs,
  }),
);
