/** `streamqc check-hls` through the real command: a report with the origin's fault, or one line and exit 3. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { HlsReport } from './check-hls-command.js';
import { startHlsOrigin } from './test-support/hls-origin.js';

const cli = join(import.meta.dirname, '..', 'cli', 'main.ts');

/** Asynchronous, so the origin in this process keeps serving while the command runs. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('streamqc check-hls', { concurrency: true }, () => {
  it('prints a JSON report with the segment that failed', async () => {
    const origin = await startHlsOrigin({ faults: { missingSegments: [4] } });
    try {
      const result = await run(['check-hls', origin.url, '--seconds', '5', '--format', 'json']);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as HlsReport;
      // Only the failures: a CPU-starved run may also see slow downloads, which is not what this tests.
      assert.deepEqual(
        report.events
          .filter((event) => event.detector === 'hls-segment-failed')
          .map((e) => e.details.sequence),
        [4],
      );
      assert.equal(report.summary.playlists[0]?.chosen, true);
    } finally {
      await origin.close();
    }
  });

  it('ends with one line and exit code 3 when the URL is not a playlist', async () => {
    const server = createServer((_request, response) => response.end('<html>hello</html>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await run(['check-hls', `http://127.0.0.1:${port}/live.m3u8`, '--seconds', '1']);
      assert.equal(result.code, 3);
      assert.equal(
        result.stderr,
        `streamqc: cannot check 'http://127.0.0.1:${port}/live.m3u8': line 1: not a playlist: '<html>hello</html>'\n`,
      );
    } finally {
      server.close();
    }
  });

  it('refuses bad usage with exit code 2', async () => {
    const result = await run(['check-hls', 'http://x/a.m3u8', '--seconds', 'soon']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'streamqc: --seconds must be a positive number\n');
  });
});
