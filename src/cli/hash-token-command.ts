/**
 * `streamqc hash-token [--scrypt]`: reads one API token from stdin and prints the hash that goes into the
 * config's `http.tokens[].hash`, so the token itself is never written into a file.
 * Example: `openssl rand -hex 32 | tee ops.token | streamqc hash-token`.
 */
import { parseArgs } from 'node:util';
import { StreamqcError } from '../errors/streamqc-error.js';
import { hashToken, minTokenLength } from '../api/token-hash.js';

/** A token is one line; more than this is not a token but a mistake (a file piped in by accident). */
const maxInputBytes = 4096;

async function readStdin(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > maxInputBytes) {
      throw new StreamqcError(
        'BAD_USAGE',
        `hash-token reads one token from stdin, got over ${maxInputBytes} bytes`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function hashTokenCommand(
  args: string[],
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream } = {
    input: process.stdin,
    output: process.stdout,
  },
): Promise<number> {
  const { values } = parseArgs({ args, options: { scrypt: { type: 'boolean', default: false } } });
  // One trailing line end (from echo or a file) is not part of the token; anything else is.
  const token = (await readStdin(io.input)).replace(/\r?\n$/, '');
  if (/\s/.test(token)) {
    throw new StreamqcError('BAD_USAGE', 'hash-token: the token must be one line without spaces');
  }
  if (token.length < minTokenLength) {
    throw new StreamqcError(
      'BAD_USAGE',
      `hash-token: the token must be at least ${minTokenLength} characters (got ${token.length}); ` +
        'e.g. openssl rand -hex 32',
    );
  }
  io.output.write(`${await hashToken(token, values.scrypt ? 'scrypt' : 'sha256')}\n`);
  return 0;
}
