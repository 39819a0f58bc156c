/**
 * Bad input through the real command: each case ends with a one-line message and exit code 3 (or partial
 * results with a warning), never a stack trace or a hang.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { writeClip } from '../src/synth/clip-writer.js';
import { fixturePath } from '../src/synth/fixtures.js';
import { drawMovingPattern, programmeSound } from '../src/synth/patterns.js';

const cli = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const work = mkdtempSync(join(tmpdir(), 'streamqc-bad-'));

function run(args: string[], timeoutMs = 60_000) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, signal: result.signal };
}

function assertOneLineError(result: ReturnType<typeof run>, pattern: RegExp): void {
  assert.equal(result.signal, null, 'the command must not hang');
  assert.equal(result.code, 3, `exit code 3 expected, stderr: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got: ${result.stderr}`);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(result.stderr, /\bat .*\(.*:\d+:\d+\)/, 'no stack trace');
}

describe('bad input', () => {
  let clean = '';
  before(async () => {
    clean = await fixturePath('clean.mp4');
  });

  it('a path that does not exist', () => {
    assertOneLineError(run(['analyze', join(work, 'missing.mp4')]), /missing\.mp4.*no such file/);
  });

  it('a directory', () => {
    assertOneLineError(run(['analyze', work]), /is a directory/);
  });

  it('an empty file', () => {
    const path = join(work, 'empty.mp4');
    writeFileSync(path, '');
    assertOneLineError(run(['analyze', path]), /empty/);
  });

  it('random bytes', () => {
    const path = join(work, 'random.ts');
    writeFileSync(path, randomBytes(200_000));
    const result = run(['analyze', path]);
    assertOneLineError(result, /random\.ts/);
  });

  it('a truncated mp4 gives partial results or a one-line error', () => {
    const path = join(work, 'truncated.mp4');
    const data = readFileSync(clean);
    writeFileSync(path, data.subarray(0, Math.floor(data.length / 2)));
    const result = run(['analyze', path, '--format', 'json']);
    assert.equal(result.signal, null);
    if (result.code === 0) {
      const report = JSON.parse(result.stdout) as { durationSeconds: number };
      assert.ok(report.durationSeconds >= 0);
    } else {
      assertOneLineError(result, /truncated\.mp4/);
    }
  });

  it('an mp4 cut short after its header decodes what is there, with a warning', () => {
    const path = join(work, 'cut-tail.ts');
    const data = readFileSync(clean);
    writeFileSync(path, data.subarray(0, data.length - 200_000));
    const result = run(['analyze', path, '--format', 'json']);
    assert.equal(result.signal, null);
    assert.ok(result.code === 0 || result.code === 3, result.stderr);
  });

  it('audio only: analysed, with a warning that there is no video', async () => {
    const path = join(work, 'audio-only.wav');
    await writeClip({
      path,
      container: 'wav',
      durationSeconds: 3,
      audio: {
        sampleRate: 48_000,
        channels: 2,
        codec: 'pcm_s16le',
        fill: (start, out) =>
          out.forEach((s, c) => s.forEach((_, i) => (s[i] = programmeSound(start + i, 48_000, c)))),
      },
    });
    const result = run(['analyze', path, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { warnings: string[]; durationSeconds: number };
    assert.ok(report.warnings.some((w) => /no video/.test(w)));
    assert.ok(Math.abs(report.durationSeconds - 3) < 0.05);
  });

  it('video only: analysed, with a warning that there is no audio', async () => {
    const path = join(work, 'video-only.mp4');
    await writeClip({
      path,
      container: 'mp4',
      durationSeconds: 3,
      video: {
        width: 160,
        height: 120,
        framesPerSecond: 25,
        codec: 'libx264',
        draw: (i, planes) => drawMovingPattern(planes, i),
      },
    });
    const result = run(['analyze', path, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { warnings: string[] };
    assert.ok(report.warnings.some((w) => /no audio/.test(w)));
  });

  it('an unreachable URL fails within the connect timeout', () => {
    const started = Date.now();
    const result = run(['analyze', 'http://127.0.0.1:9/stream.ts', '--connect-timeout-ms', '2000']);
    assertOneLineError(result, /127\.0\.0\.1:9/);
    assert.ok(Date.now() - started < 30_000);
  });

  it('a server that accepts but never answers times out', async () => {
    const server = createServer(() => {
      // accept and stay silent
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [
        '--import',
        'tsx',
        cli,
        'analyze',
        `http://127.0.0.1:${port}/live.ts`,
        '--connect-timeout-ms',
        '1500',
      ]);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      assert.equal(code, 3, stderr);
      assert.match(stderr.trim(), /timed out|cannot/);
      assert.equal(stderr.trim().split('\n').length, 1);
    } finally {
      server.close();
    }
  });

  it('bad usage exits 2 with a one-line reason', () => {
    const unknownDetector = run(['analyze', clean, '--detectors', 'nope']);
    assert.equal(unknownDetector.code, 2);
    assert.match(unknownDetector.stderr, /unknown detector/);
    const badFormat = run(['analyze', clean, '--format', 'xml']);
    assert.equal(badFormat.code, 2);
    const noInput = run(['analyze']);
    assert.equal(noInput.code, 2);
  });

  it('a config file with several problems lists every one with its path', () => {
    const path = join(work, 'bad-config.yaml');
    writeFileSync(
      path,
      'detectors:\n  black:\n    minDurationSeconds: -1\n    minBlackRatio: 2\n  freeze:\n    noiseDb: 3\n',
    );
    const result = run(['analyze', clean, '--config', path]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /detectors\.black\.minDurationSeconds/);
    assert.match(result.stderr, /detectors\.black\.minBlackRatio/);
    assert.match(result.stderr, /detectors\.freeze\.noiseDb/);
  });
});
