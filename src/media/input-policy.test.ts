/**
 * The input policy: URL checks without I/O, and FFmpeg itself refusing what a served HLS playlist names
 * beyond the whitelist (a local file, another scheme), while an allowed playlist with HTTP segments plays.
 */
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isStreamqcError } from '../errors/streamqc-error.js';
import { writeClip } from '../synth/clip-writer.js';
import { drawMovingPattern } from '../synth/patterns.js';
import { checkInputUrl, defaultInputProtocols, type InputPolicy } from './input-policy.js';
import { openInput } from './open-input.js';

const work = mkdtempSync(join(tmpdir(), 'streamqc-policy-'));
const servicePolicy: InputPolicy = {
  allowedProtocols: defaultInputProtocols,
  localDirectories: [join(work, 'allowed')],
  maxRedirects: 2,
};

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(isStreamqcError(error) && error.code === 'INPUT_NOT_ALLOWED', String(error));
    return error.message;
  }
  assert.fail('expected the policy to refuse');
}

describe('input policy: URL checks', () => {
  it('allows the default protocols with the protocols each needs underneath', () => {
    const https = checkInputUrl('https://cdn.example/live.m3u8', servicePolicy);
    assert.equal(https.kind, 'network');
    assert.deepEqual(
      new Set(https.whitelist.split(',')),
      new Set(['https', 'tls', 'tcp', 'http', 'hls', 'crypto']),
    );
    const rtsp = checkInputUrl('rtsp://camera/stream', servicePolicy);
    assert.deepEqual(new Set(rtsp.whitelist.split(',')), new Set(['rtsp', 'rtp', 'udp', 'tcp']));
    assert.equal(checkInputUrl('udp://239.0.0.1:5000', servicePolicy).whitelist, 'udp');
  });

  it('an HTTP input reaches only the web protocols the deployment allows', () => {
    const httpOnly: InputPolicy = { ...servicePolicy, allowedProtocols: ['http', 'udp'] };
    assert.deepEqual(checkInputUrl('http://a/b.m3u8', httpOnly).whitelist.split(','), ['http', 'tcp']);
    assert.match(
      refusal(() => checkInputUrl('https://a/b', httpOnly)),
      /protocol 'https' is not allowed/,
    );
  });

  it('refuses schemes FFmpeg must not open for an input, without echoing the URL', () => {
    for (const url of ['data:text/plain,hello', 'concat:/etc/passwd|/etc/hosts', 'gopher://x/secret-token']) {
      const message = refusal(() => checkInputUrl(url, servicePolicy));
      assert.match(message, /is not one FFmpeg may open/);
      assert.doesNotMatch(message, /passwd|secret-token|hello/);
    }
  });

  it('a file: URL is checked as the path FFmpeg opens, not as a URL parser reads it', () => {
    // FFmpeg drops "file:" only: file://etc/passwd opens //etc/passwd, never a path relative to the cwd.
    const cwdEtc: InputPolicy = { ...servicePolicy, localDirectories: [join(process.cwd(), 'etc')] };
    assert.match(
      refusal(() => checkInputUrl('file://etc/passwd', cwdEtc)),
      /outside/,
    );
    const etc: InputPolicy = { ...servicePolicy, localDirectories: ['/etc'] };
    for (const url of ['file://etc/passwd', 'file:///etc/passwd', 'file:/etc/passwd']) {
      const checked = checkInputUrl(url, etc);
      assert.equal(checked.kind === 'file' ? checked.path : '', '/etc/passwd', url);
    }
    const encoded = checkInputUrl(`file://${join(work, 'allowed', '%2e%2e', 'x.ts')}`, servicePolicy);
    assert.equal(encoded.kind === 'file' ? encoded.path : '', join(work, 'allowed', '%2e%2e', 'x.ts'));
    assert.match(
      refusal(() => checkInputUrl('subfile,,start,0,end,0,,:/etc/passwd', servicePolicy)),
      /'subfile'/,
    );
  });

  it('local files only inside the configured directories', () => {
    assert.equal(checkInputUrl(join(work, 'allowed', 'a.ts'), servicePolicy).kind, 'file');
    assert.equal(checkInputUrl(join(work, 'allowed', '..a.ts'), servicePolicy).kind, 'file');
    assert.match(
      refusal(() => checkInputUrl(join(work, 'allowed'), servicePolicy)),
      /outside/,
    );
    assert.equal(
      checkInputUrl(`file://${join(work, 'allowed', 'a.ts')}`, servicePolicy).whitelist,
      'file,crypto',
    );
    assert.match(
      refusal(() => checkInputUrl('/etc/passwd', servicePolicy)),
      /outside inputs.localDirectories/,
    );
    assert.match(
      refusal(() => checkInputUrl(join(work, 'allowed', '..', 'a.ts'), servicePolicy)),
      /outside/,
    );
    assert.match(
      refusal(() => checkInputUrl('/tmp/a.ts', { ...servicePolicy, localDirectories: [] })),
      /local files are not allowed/,
    );
  });
});

describe('input policy: enforced by FFmpeg on nested opens', () => {
  let server: Server;
  let base = '';
  let clipPath = '';
  const requests: string[] = [];

  before(async () => {
    clipPath = join(work, 'allowed', 'clip.ts');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(work, 'allowed'), { recursive: true }));
    await writeClip({
      path: clipPath,
      container: 'mpegts',
      durationSeconds: 2,
      video: {
        width: 160,
        height: 90,
        framesPerSecond: 25,
        codec: 'mpeg2video',
        draw: (i, p) => drawMovingPattern(p, i),
      },
    });
    const clip = readFileSync(clipPath);
    const playlist = (segment: string) =>
      `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\n${segment}\n#EXT-X-ENDLIST\n`;
    const playlists: Record<string, string> = {
      '/ok.m3u8': playlist('/segment.ts'),
      '/local-clip.m3u8': playlist(`file://${clipPath}`),
      '/passwd.m3u8': playlist('file:///etc/passwd'),
      '/other-scheme.m3u8': playlist(`hls+file://${clipPath}`),
      '/https-segment.m3u8': playlist('https://127.0.0.1:1/segment.ts'),
    };
    server = createServer((request, response) => {
      const path = request.url ?? '';
      requests.push(path);
      const body = playlists[path];
      if (body !== undefined) response.end(body);
      else if (path === '/list.ffconcat') response.end(`ffconcat version 1.0\nfile file:${clipPath}\n`);
      else if (path === '/segment.ts') response.end(clip);
      else if (path.startsWith('/redirect')) {
        response.writeHead(302, { location: `/redirect${path.length}` });
        response.end();
      } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    base = `http://127.0.0.1:${address.port}`;
  });

  after(() => server.close());

  async function open(path: string, policy: InputPolicy = servicePolicy) {
    return openInput(`${base}${path}`, {
      connectTimeoutMs: 5000,
      wantVideo: true,
      wantAudio: false,
      decoderThreads: 1,
      policy,
    });
  }

  async function openError(path: string, policy: InputPolicy = servicePolicy): Promise<Error> {
    try {
      (await open(path, policy)).close();
    } catch (error) {
      assert.ok(error instanceof Error);
      return error;
    }
    assert.fail(`${path} opened`);
  }

  it('an allowed HTTP playlist with HTTP segments plays', async () => {
    const opened = await open('/ok.m3u8');
    try {
      assert.equal(opened.formatName, 'hls');
      assert.ok(opened.video, 'a video decoder');
    } finally {
      opened.close();
    }
  });

  it('a segment naming a real local TS clip is refused, and says so', async () => {
    const error = await openError('/local-clip.m3u8');
    assert.ok(isStreamqcError(error));
    assert.equal(error.code, 'INPUT_NOT_ALLOWED');
    assert.match(error.message, /protocol 'file'/);
  });

  it('a segment naming /etc/passwd is refused', async () => {
    const error = await openError('/passwd.m3u8');
    assert.ok(isStreamqcError(error), String(error));
    assert.notEqual(error.code, 'INPUT_NOT_FOUND');
  });

  it('a playlist cannot reach a scheme outside the whitelist', async () => {
    const error = await openError('/other-scheme.m3u8');
    assert.ok(isStreamqcError(error), String(error));
    const httpOnly: InputPolicy = { ...servicePolicy, allowedProtocols: ['http'] };
    const https = await openError('/https-segment.m3u8', httpOnly);
    assert.ok(isStreamqcError(https) && https.code === 'INPUT_NOT_ALLOWED', String(https));
    assert.match(https.message, /protocol 'https'/);
  });

  it('a served concat list (another demuxer that opens files) cannot read a local file', async () => {
    // Refused by the concat demuxer's own safe mode before the whitelist: either way, nothing is read.
    const error = await openError('/list.ffconcat');
    assert.ok(isStreamqcError(error), String(error));
  });

  it('the input URL follows at most maxRedirects redirects', async () => {
    requests.length = 0;
    const error = await openError('/redirect');
    assert.ok(isStreamqcError(error), String(error));
    assert.equal(
      requests.filter((path) => path.startsWith('/redirect')).length,
      servicePolicy.maxRedirects + 1,
    );
  });

  it('a local file through a link out of the allowed directory is refused', async () => {
    const outside = join(work, 'outside.ts');
    writeFileSync(outside, readFileSync(clipPath));
    const link = join(work, 'allowed', 'link.ts');
    symlinkSync(outside, link);
    const options = { connectTimeoutMs: 5000, wantVideo: true, wantAudio: false, decoderThreads: 1 };
    await assert.rejects(openInput(link, { ...options, policy: servicePolicy }), /through a link/);
    const direct = await openInput(clipPath, { ...options, policy: servicePolicy });
    direct.close();
  });
});
