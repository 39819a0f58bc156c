/**
 * One benchmark measurement in its own process (so peak RSS is its own): `decode` runs the decode loop and
 * chunker with no detector (no full-resolution planes kept) over a file as fast as it goes; `decode-live`
 * does the same over the file sent as a live UDP stream at real-time speed for `seconds` (FFmpeg reads the
 * socket, as a decode-only monitor would), measured after a 3 s warm-up; `full` runs the whole analysis
 * with every default detector. Prints JSON.
 */
import { analyzeInput } from '../src/analysis/analyze-input.js';
import { configureDetectors } from '../src/config/detector-config.js';
import { decodeInput, emptyDecodeStats } from '../src/media/decode-input.js';
import { openInput } from '../src/media/open-input.js';
import { startLiveSender } from '../src/synth/live-sender.js';

const [mode, input, secondsText] = process.argv.slice(2);
if (!input || (mode !== 'decode' && mode !== 'decode-live' && mode !== 'full')) {
  console.error('usage: run-one.ts decode|full <input> | decode-live <input> [seconds]');
  process.exit(2);
}
let cpuBefore = process.cpuUsage();
let wallBefore = performance.now();
let mediaSeconds = 0;
let detectorCpuMs: Record<string, number> = {};
if (mode === 'decode-live') {
  const port = 40_000 + Math.floor(Math.random() * 10_000);
  const sender = startLiveSender(input, `udp://127.0.0.1:${port}?pkt_size=1316`);
  const opened = await openInput(`udp://127.0.0.1:${port}`, {
    connectTimeoutMs: 10_000,
    wantVideo: true,
    wantAudio: true,
    decoderThreads: 1,
  });
  const stats = emptyDecodeStats();
  const warmUpSeconds = 3;
  const measureSeconds = Number(secondsText ?? 20);
  let startSeconds = 0;
  for await (const ready of decodeInput(opened, stats, { fullLumaPerSecond: 0 })) {
    const endSeconds = ready.chunk.endSeconds;
    ready.release();
    if (endSeconds >= warmUpSeconds && startSeconds === 0) {
      startSeconds = endSeconds;
      cpuBefore = process.cpuUsage();
      wallBefore = performance.now();
    }
    if (startSeconds > 0 && endSeconds - startSeconds >= measureSeconds) {
      mediaSeconds = endSeconds - startSeconds;
      break;
    }
  }
  opened.close();
  await sender.close();
} else if (mode === 'decode') {
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
