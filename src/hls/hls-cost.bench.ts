/**
 * `npx tsx src/hls/hls-cost.bench.ts`: what the HLS checks cost a worker per playlist reload and per
 * segment, in CPU time on one core: parsing a 5000-segment live playlist (about 340 KiB, a long DVR window),
 * and feeding a 6-second 5 Mb/s TS segment (the test stream's packets, repeated) through the TR 101 290
 * analyser with its PCR-derived arrival times. Prints milliseconds per call and MB/s.
 */
import { buildTestStream } from '../transport/test-support/ts-test-stream.js';
import { packetBytes } from '../transport/ts-constants.js';
import { parsePlaylist } from './m3u8-parser.js';
import { SegmentTsFeed } from './segment-ts-feed.js';

function cpuMs(run: () => void, times: number): number {
  for (let i = 0; i < Math.min(times, 5); i++) run();
  const start = process.cpuUsage();
  for (let i = 0; i < times; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / times;
}

const lines = ['#EXTM3U', '#EXT-X-TARGETDURATION:6', '#EXT-X-MEDIA-SEQUENCE:1000'];
for (let index = 0; index < 5000; index++) {
  if (index % 100 === 0) lines.push('#EXT-X-DISCONTINUITY');
  lines.push('#EXTINF:6.006,', `https://cdn.example.net/live/seg-${1000 + index}.ts?token=abcdef0123456789`);
}
const playlist = lines.join('\n');
const parseMs = cpuMs(() => parsePlaylist(playlist), 100);
console.log(
  `parse: 5000-segment playlist (${(playlist.length / 1024).toFixed(0)} KiB) ${parseMs.toFixed(2)} ms, ` +
    `${(playlist.length / 1e3 / parseMs).toFixed(0)} MB/s`,
);

// 6 s at 5 Mb/s is about 20,000 packets; the 1000 packets/s test stream is cut to that many, 20 s of it.
const packets = buildTestStream({ durationSeconds: 20, withAudio: true });
const segment = new Uint8Array(packets.length * packetBytes);
packets.forEach((packet, index) => segment.set(packet.bytes, index * packetBytes));
let feed = new SegmentTsFeed(0, () => undefined);
const feedMs = cpuMs(() => {
  feed = new SegmentTsFeed(0, () => undefined);
  feed.feed(segment, 6, false, 0);
}, 20);
const errors = Object.values(feed.counts()).reduce((sum, count) => sum + count, 0);
console.log(
  `TS segment: ${(segment.length / 1e6).toFixed(2)} MB ${feedMs.toFixed(1)} ms, ` +
    `${(segment.length / 1e3 / feedMs).toFixed(0)} MB/s, ${errors} TR 101 290 errors (0 expected)`,
);
