/**
 * The multiviewer with many channels in a real browser (Debian's Chromium through playwright-core): the API
 * over an in-memory monitor with N channels, each sending a status update every second (as the monitor's
 * chunks do) and a new live thumbnail every 2 s, some channels cycling through alarms. Prints the page's
 * frame rate and long frames, main-thread busy time, long tasks, event streams opened, requests per second
 * and how long an update takes to reach its tile.
 *
 *   npm run bench:dashboard -- [--channels 100] [--seconds 20]
 */
import { existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Frame } from 'node-av/lib';
import { startApiServer } from '../src/api/api-server.js';
import { encodeJpeg } from '../src/evidence/write-evidence.js';
import { decodeInput, emptyDecodeStats } from '../src/media/decode-input.js';
import { openInput } from '../src/media/open-input.js';
import type { ChannelStatus } from '../src/service/model.js';
import { fixturePath } from '../src/synth/fixtures.js';
import { FakeMonitorApi, fakeChannelStatus, fakeIncident } from '../src/test-support/fake-monitor-api.js';
import { chromiumPath, launchChromium } from '../src/test-support/chromium.js';

const { values } = parseArgs({
  options: { channels: { type: 'string', default: '100' }, seconds: { type: 'string', default: '20' } },
});
const channelCount = Number(values.channels);
const seconds = Number(values.seconds);
if (!existsSync(chromiumPath)) {
  console.error(`${chromiumPath} is missing: apt-get install chromium`);
  process.exit(2);
}

/** Real 320-pixel JPEGs of a clip's first pictures, so the browser decodes what it would in service. */
async function thumbnails(count: number): Promise<Buffer[]> {
  const opened = await openInput(await fixturePath('clean.mp4'), {
    connectTimeoutMs: 5000,
    wantVideo: true,
    wantAudio: false,
    decoderThreads: 1,
  });
  const pictures: Frame[] = [];
  for await (const ready of decodeInput(opened, emptyDecodeStats(), {
    fullLumaPerSecond: 0,
    maxSeconds: 3,
    onVideoFrame: (frame) => {
      if (pictures.length < count) pictures.push(frame.clone() as Frame);
    },
  }))
    ready.release();
  opened.close();
  const jpegs: Buffer[] = [];
  for (const picture of pictures) {
    const jpeg = await encodeJpeg(picture, 320);
    if (jpeg) jpegs.push(jpeg);
    picture.free();
  }
  return jpegs;
}

function statusOf(id: string, second: number, alarm: boolean): ChannelStatus {
  const wobble = Math.sin(second + id.length);
  return fakeChannelStatus(id, {
    name: `Channel ${id}`,
    tags: [Number(id.slice(2)) % 2 === 0 ? 'news' : 'sport'],
    lastChunkAtMs: Date.now(),
    openIncidents: alarm ? 1 : 0,
    latest: {
      black: { blackRatio: alarm ? 1 : 0, meanLuma: alarm ? 16 : 110 + 10 * wobble },
      freeze: { frozenSeconds: 0 },
      silence: { peakDbfs: [-12 + 3 * wobble, -14 + 3 * wobble] },
      loudness: { momentaryLufs: -23 + 2 * wobble, shortTermLufs: -23 + wobble },
    },
  } as Partial<ChannelStatus>);
}

const jpegs = await thumbnails(25);
const api = new FakeMonitorApi();
const ids = Array.from({ length: channelCount }, (_, i) => `ch${String(i).padStart(3, '0')}`);
for (const id of ids) {
  api.channels.set(id, statusOf(id, 0, false));
  api.thumbnails.set(id, { jpeg: jpegs[0] as Buffer, atMs: Date.now() });
}
const server = await startApiServer({
  api,
  port: 0,
  tokens: [],
  evidenceDirectory: mkdtempSync(join(tmpdir(), 'streamqc-bench-dashboard-')),
});

// The monitor's rhythm: every channel's status once a second, spread over the second; a new picture every 2 s;
// one channel in ten goes into alarm for 5 s of every 20.
let second = 0;
const ticker = setInterval(() => {
  second += 1;
  ids.forEach((id, index) => {
    setTimeout(
      () => {
        const alarm = index % 10 === 0 && second % 20 >= 10 && second % 20 < 15;
        const status = statusOf(id, second, alarm);
        api.channels.set(id, status);
        if (second % 2 === 0)
          api.thumbnails.set(id, {
            jpeg: jpegs[(second + index) % jpegs.length] as Buffer,
            atMs: Date.now(),
          });
        api.emit({ type: 'status', channel: status });
        if (alarm && second % 20 === 10) {
          const incident = fakeIncident(`inc-${id}-${second}`, { channelId: id, startedAtMs: Date.now() });
          api.incidents.set(incident.id, incident);
          api.emit({ type: 'incident', transition: { kind: 'raised', incident, atMs: Date.now() } as never });
        }
      },
      (index * 1000) / ids.length,
    );
  });
}, 1000);

const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
const requests = new Map<string, number>();
page.on('request', (request) => {
  const path = new URL(request.url()).pathname.replace(/ch\d+/, ':id');
  requests.set(path, (requests.get(path) ?? 0) + 1);
});
await page.goto(`${server.url}/`);
await page
  .locator('.tile')
  .nth(channelCount - 1)
  .waitFor({ timeout: 30_000 });
await page.waitForTimeout(3000);
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
const metric = async (name: string) =>
  ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? 0) as number;
const taskBefore = await metric('TaskDuration');
const requestsBefore = [...requests.values()].reduce((a, b) => a + b, 0);
// Frame times and long tasks, measured in the page (a string: this project's types have no DOM).
await page.evaluate(`(() => {
  window.__frames = []; window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
    .observe({ type: 'longtask', buffered: false });
  let last = performance.now();
  const tick = (now) => { window.__frames.push(now - last); last = now; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})()`);
// Update latency: from the status being sent (its lastChunkAtMs, same machine clock) to the tile showing it,
// for every update, by watching the tiles' data-last-chunk-at attribute in the page.
await page.evaluate(`(() => {
  window.__latencies = [];
  new MutationObserver((records) => {
    const now = Date.now();
    for (const record of records) window.__latencies.push(now - Number(record.target.dataset.lastChunkAt));
  }).observe(document.body, { attributes: true, attributeFilter: ['data-last-chunk-at'], subtree: true });
})()`);
await page.waitForTimeout(seconds * 1000);
const latencies = (await page.evaluate('window.__latencies')) as number[];
const frames = (await page.evaluate('window.__frames')) as number[];
const longTasks = (await page.evaluate('window.__longTasks')) as number[];
const busySeconds = (await metric('TaskDuration')) - taskBefore;
const heapMb = (await metric('JSHeapUsedSize')) / 1024 / 1024;
const requestCount = [...requests.values()].reduce((a, b) => a + b, 0) - requestsBefore;
const streams = requests.get('/api/events') ?? 0;
await page.screenshot({ path: join(mkdtempSync(join(tmpdir(), 'streamqc-wall-')), 'wall.png') });
clearInterval(ticker);
await browser.close();
await server.close();

const sorted = [...frames].sort((a, b) => a - b);
const quantile = (values: number[], q: number) =>
  values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
const lat = [...latencies].sort((a, b) => a - b);
console.log(`# multiviewer: ${channelCount} channels, ${seconds} s measured, Chromium headless 1920x1080`);
console.log(`frames                 ${frames.length} (${(frames.length / seconds).toFixed(1)} per second)`);
console.log(
  `frame time             median ${quantile(sorted, 0.5).toFixed(1)} ms, p95 ${quantile(sorted, 0.95).toFixed(1)} ms, over 50 ms: ${sorted.filter((t) => t > 50).length}`,
);
console.log(`main thread busy       ${((100 * busySeconds) / seconds).toFixed(1)}% (CDP TaskDuration)`);
console.log(`long tasks (>50 ms)    ${longTasks.length}, longest ${Math.max(0, ...longTasks).toFixed(0)} ms`);
console.log(`JS heap                ${heapMb.toFixed(1)} MB`);
console.log(
  `requests               ${(requestCount / seconds).toFixed(1)} per second; event streams opened ${streams}`,
);
console.log(
  `update to tile         median ${quantile(lat, 0.5).toFixed(0)} ms, p95 ${quantile(lat, 0.95).toFixed(0)} ms (${lat.length} updates, max ${Math.max(0, ...lat).toFixed(0)} ms)`,
);
