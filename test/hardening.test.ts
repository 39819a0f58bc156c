/**
 * Hardening of `streamqc run` with real worker processes and the real HTTP API: channel URLs outside the
 * input policy are refused (config and API, 400), a monitor refuses channels beyond its limit, a stream
 * declaring 16K at 240 fps raises an input-refused incident instead of being decoded, and a worker over its
 * memory limit is killed, reported and restarted.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import pino from 'pino';
import { hashToken } from '../src/api/token-hash.js';
import { startService, type RunningService } from '../src/cli/run-command.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import type { Incident } from '../src/service/model.js';
import { Monitor } from '../src/service/monitor.js';
import { openMemoryStore } from '../src/store/memory-store.js';
import { exampleChannel } from '../src/store/result-store.fixtures.js';
import { createServiceLogger } from '../src/service/service-logger.js';
import { writeClip } from '../src/synth/clip-writer.js';
import { drawMovingPattern } from '../src/synth/patterns.js';

const token = 'hardening-test-token-0123456789';
const tokenHash = await hashToken(token);
const work = mkdtempSync(join(tmpdir(), 'streamqc-hardening-'));
const media = join(work, 'media');
mkdirSync(media);

/** A YUV4MPEG2 file: its text header declares the picture; `frames` grey frames follow (a few bytes if 0). */
function writeY4m(path: string, width: number, height: number, rate: string, frames: number): string {
  const parts = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${rate} Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < Math.max(frames, 1); i++) {
    parts.push(Buffer.from('FRAME\n'), Buffer.alloc(frames === 0 ? 4096 : width * height * 1.5, 128));
  }
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

async function waitFor<T>(
  find: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function serviceConfig(extra: Record<string, unknown>, channels: unknown[]) {
  return parseServiceConfig(
    {
      http: { port: 0, tokens: [{ name: 'hardening-test', role: 'admin', hash: tokenHash }] },
      storage: { path: ':memory:', evidenceDirectory: join(work, 'evidence') },
      inputs: { localDirectories: [media] },
      ...extra,
      channels,
    },
    'hardening test config',
  );
}

describe('hardening: input policy, credentials and channel limit through the API', () => {
  let service: RunningService;
  const logLines: string[] = [];

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    service = await startService(
      serviceConfig({ worker: { maxChannels: 3 } }, [
        { id: 'one', url: 'udp://127.0.0.1:1', enabled: false },
      ]),
      createServiceLogger('info', sink),
    );
  });

  after(async () => {
    await service?.stop();
  });

  async function add(body: Record<string, unknown>) {
    const response = await fetch(`${service.apiUrl}/api/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false, ...body }),
    });
    return { status: response.status, text: await response.text() };
  }

  it('refuses URLs outside the policy with a 400 that names the reason and not the URL', async () => {
    const cases: [string, RegExp][] = [
      ['file:///etc/passwd', /local file outside inputs.localDirectories/],
      ['/etc/passwd', /local file outside inputs.localDirectories/],
      ['concat:/etc/passwd|/etc/hosts', /protocol 'concat' is not one FFmpeg may open/],
      ['gopher://host/secret-path', /protocol 'gopher'/],
    ];
    for (const [url, reason] of cases) {
      const answer = await add({ id: 'refused', url });
      assert.equal(answer.status, 400, answer.text);
      assert.match(answer.text, reason);
      assert.doesNotMatch(answer.text, /passwd|secret-path/);
    }
    const patched = await fetch(`${service.apiUrl}/api/channels/one`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'file:///etc/shadow' }),
    });
    assert.equal(patched.status, 400);
    assert.equal(
      service.monitor.getChannel('one')?.url,
      'udp://127.0.0.1:1',
      'a refused change changes nothing',
    );
  });

  it('a URL with credentials is stored as given, but neither the API nor the log shows the secrets', async () => {
    const url = 'rtsp://admin:hunter2@127.0.0.1:554/live?token=tok123&quality=hd';
    const added = await add({ id: 'camera', url });
    assert.equal(added.status, 201, added.text);
    const answers = [
      added.text,
      await (await fetch(`${service.apiUrl}/api/channels`)).text(),
      await (await fetch(`${service.apiUrl}/api/channels/camera`)).text(),
    ];
    const logged = logLines.filter((line) => line.includes('channel added'));
    assert.equal(logged.length, 1, 'the API logs the added channel');
    for (const text of [...answers, ...logged]) {
      assert.doesNotMatch(text, /hunter2|tok123/);
      assert.match(text, /rtsp:\/\/admin:\*\*\*@127\.0\.0\.1:554\/live\?token=\*\*\*&quality=hd/);
    }
    assert.equal(service.monitor.getChannel('camera')?.url, url, 'stored as given');
  });

  it('accepts an allowed URL, then refuses a channel beyond worker.maxChannels', async () => {
    const allowed = await add({ id: 'two', url: join(media, 'clip.y4m') });
    assert.equal(allowed.status, 201, allowed.text);
    const third = await add({ id: 'three', url: 'srt://127.0.0.1:9000' });
    assert.equal(third.status, 400, third.text);
    assert.match(third.text, /already runs 3 channels, its limit \(worker.maxChannels\)/);
    assert.equal(service.monitor.listChannels().length, 3);
  });

  it('a monitor whose configured and stored channels pass its limit refuses to start, before any worker', async () => {
    const store = openMemoryStore();
    for (const id of ['s1', 's2']) await store.saveChannel(exampleChannel(id, { enabled: false }));
    const monitor = new Monitor({
      config: serviceConfig({ worker: { maxChannels: 2 } }, [{ id: 'c1', url: 'udp://127.0.0.1:1' }]),
      store,
      chunks: { add: () => undefined, flush: async () => undefined, close: async () => undefined },
      notifier: {
        notify: () => undefined,
        flush: async () => undefined,
        counters: () => ({ failed: 0 }),
        close: async () => undefined,
      },
      logger: pino({ level: 'silent' }),
    });
    await assert.rejects(monitor.start(), /3 channels for this monitor, over worker.maxChannels \(2\)/);
    assert.equal(monitor.listChannels().length, 0);
  });

  it('a config naming a refused URL fails validation with the path', () => {
    assert.throws(
      () => serviceConfig({ inputs: { allowedProtocols: ['udp'] } }, [{ id: 'a', url: 'https://x/y.m3u8' }]),
      /channels\.0\.url: protocol 'https' is not allowed \(inputs.allowedProtocols\)/,
    );
  });
});

describe('hardening: refused streams and the memory limit with real workers', () => {
  it('a stream declaring 16K at 240 fps, a channel over its own limits, and an HLS playlist naming a local file, raise input-refused', async () => {
    const huge = writeY4m(join(media, 'huge.y4m'), 15360, 8640, '240:1', 0);
    // A real local TS clip inside the allowed directory: still not reachable from a remote playlist.
    const clip = join(media, 'clip.ts');
    await writeClip({
      path: clip,
      container: 'mpegts',
      durationSeconds: 1,
      video: {
        width: 160,
        height: 90,
        framesPerSecond: 25,
        codec: 'mpeg2video',
        draw: (i, p) => drawMovingPattern(p, i),
      },
    });
    const server = createServer((_request, response) => {
      response.end(`#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nfile://${clip}\n#EXT-X-ENDLIST\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    const service = await startService(
      serviceConfig({}, [
        { id: 'huge', url: huge, detectors: ['black'] },
        { id: 'sneaky', url: `http://127.0.0.1:${address.port}/live.m3u8`, detectors: ['black'] },
        // 25 fps is within the deployment's limits, not within this channel's.
        { id: 'strict', url: clip, loop: true, detectors: ['black'], limits: { maxFramesPerSecond: 10 } },
      ]),
      pino({ level: 'silent' }),
    );
    try {
      const sneaky = await waitFor(
        async () =>
          (await service.monitor.listIncidents({ state: 'open' })).find(
            (i: Incident) => i.kind === 'input-refused' && i.channelId === 'sneaky',
          ),
        30_000,
        'an input-refused incident for the playlist',
      );
      assert.equal(sneaky.details.code, 'INPUT_NOT_ALLOWED');
      assert.match(String(sneaky.details.reason), /tried to open protocol 'file'/);
      const incident = await waitFor(
        async () =>
          (await service.monitor.listIncidents({ state: 'open' })).find(
            (i: Incident) => i.kind === 'input-refused' && i.channelId === 'huge',
          ),
        30_000,
        'an input-refused incident',
      );
      assert.equal(incident.severity, 'critical');
      assert.equal(incident.details.code, 'STREAM_OVER_LIMITS');
      assert.match(
        String(incident.details.reason),
        /picture 15360x8640 over 4096x2160, 240 fps over 120 fps/,
      );
      const strict = await waitFor(
        async () =>
          (await service.monitor.listIncidents({ state: 'open' })).find(
            (i: Incident) => i.kind === 'input-refused' && i.channelId === 'strict',
          ),
        30_000,
        'an input-refused incident for the channel limits',
      );
      assert.equal(strict.details.code, 'STREAM_OVER_LIMITS');
      assert.match(String(strict.details.reason), /^stream refused before decoding: 25 fps over 10 fps$/);
      assert.equal(service.monitor.getChannel('strict')?.lastChunkAtMs, null, 'the clip was not decoded');
      assert.equal(service.monitor.getChannel('huge')?.lastChunkAtMs, null, 'no chunk was decoded');
      assert.equal(service.monitor.getChannel('sneaky')?.lastChunkAtMs, null, 'nothing of the file was read');
    } finally {
      await service.stop();
      server.close();
    }
  });

  it('a worker over its memory limit is killed, reported as memory-limit and restarted', async () => {
    const small = writeY4m(join(media, 'small.y4m'), 64, 36, '25:1', 25);
    const service = await startService(
      serviceConfig({ worker: { memoryLimitMb: 64, maxRestartBackoffMs: 500 } }, [
        { id: 'small', url: small, loop: true, detectors: ['black'] },
      ]),
      pino({ level: 'silent' }),
    );
    try {
      const incident = await waitFor(
        async () =>
          (await service.monitor.listIncidents({})).find((i: Incident) => i.kind === 'memory-limit'),
        30_000,
        'a memory-limit incident',
      );
      assert.match(String(incident.details.reason), /resident memory \d+ MB over the limit of 64 MB/);
      await waitFor(
        () => ((service.monitor.getChannel('small')?.restarts ?? 0) >= 2 ? true : undefined),
        30_000,
        'restarts',
      );
    } finally {
      await service.stop();
    }
  });
});
