import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { hashTokenCommand } from '../cli/hash-token-command.js';
import { StreamqcError } from '../errors/streamqc-error.js';
import { hashToken, parseTokenHash, tokenMatches } from './token-hash.js';

const token = 'a-token-of-thirty-two-characters';
const cli = join(import.meta.dirname, '..', 'cli', 'main.ts');

function hashTokenCli(input: string, args: string[] = []) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, 'hash-token', ...args], {
    input,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('token hashes', () => {
  it('writes sha256 as the hex SHA-256 of the token, and matches only that token', async () => {
    const text = await hashToken(token);
    assert.equal(text, `sha256:${createHash('sha256').update(token).digest('hex')}`);
    const hash = parseTokenHash(text);
    assert.ok(hash);
    assert.equal(await tokenMatches(token, hash), true);
    assert.equal(await tokenMatches(`${token}x`, hash), false);
    assert.equal(await tokenMatches('', hash), false);
  });

  it('salts scrypt hashes: two hashes of one token differ, both match it, neither matches another', async () => {
    const [first, second] = await Promise.all([hashToken(token, 'scrypt'), hashToken(token, 'scrypt')]);
    assert.notEqual(first, second);
    for (const text of [first, second]) {
      const hash = parseTokenHash(text);
      assert.equal(hash?.kind, 'scrypt');
      if (!hash) continue;
      assert.equal(await tokenMatches(token, hash), true);
      assert.equal(await tokenMatches(token.toUpperCase(), hash), false);
    }
  });

  it('refuses anything that is not one of the two forms', () => {
    for (const text of [
      token,
      'sha256:abc',
      `sha256:${'g'.repeat(64)}`,
      `md5:${'a'.repeat(32)}`,
      'scrypt:c2FsdA==:c2hvcnQ=',
      'scrypt::',
      '',
    ]) {
      assert.equal(parseTokenHash(text), null, text);
    }
  });

  it('streamqc hash-token prints the hash of the token on stdin (one line end ignored)', async () => {
    const result = hashTokenCli(`${token}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${await hashToken(token)}\n`);
    const printed: string[] = [];
    const output = new Writable({
      write(chunk: Buffer, _encoding, done) {
        printed.push(chunk.toString());
        done();
      },
    });
    await hashTokenCommand(['--scrypt'], { input: Readable.from([token]), output });
    const hash = parseTokenHash(printed.join('').trim());
    assert.ok(hash && (await tokenMatches(token, hash)));
  });

  it('streamqc hash-token refuses a short, empty or spaced token with one line and exit code 2', async () => {
    const result = hashTokenCli('short\n');
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^streamqc: hash-token: the token must be at least 16 characters/);
    const output = new Writable({ write: (_chunk, _encoding, done) => done() });
    for (const input of ['', 'two words that are long enough', 'x'.repeat(5000)]) {
      await assert.rejects(
        hashTokenCommand([], { input: Readable.from([input]), output }),
        (error: unknown) => error instanceof StreamqcError && error.code === 'BAD_USAGE',
        input.slice(0, 40),
      );
    }
  });
});
