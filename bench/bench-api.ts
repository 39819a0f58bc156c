/**
 * `npx tsx bench/bench-api.ts [--requests N]`: what the API's security costs per request. The real server
 * (over a fake monitor with 20 channels) answers GET /api/channels N times in a row per case: anonymous
 * (loopback), a SHA-256 token, an scrypt token (checked once, then remembered), a wrong token (answered 401
 * until the wrong-token limit answers 429). Prints requests per second and the median and 99th-percentile
 * latency per case, and the time of one scrypt check. Run cases on one machine in one run to compare them.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startApiServer } from '../src/api/api-server.js';
import type { ApiToken } from '../src/api/auth.js';
import { hashToken, parseTokenHash, tokenMatches } from '../src/api/token-hash.js';
import { FakeMonitorApi, fakeChannelStatus } from '../src/test-support/fake-monitor-api.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' } } });
const requests = Number(values.requests);
if (!Number.isInteger(requests) || requests < 10) {
  process.stderr.write('bench-api: --requests must be an integer of at least 10\n');
  process.exit(2);
}

async function token(name: string, text: string, kind: 'sha256' | 'scrypt'): Promise<ApiToken> {
  const hash = parseTokenHash(await hashToken(text, kind));
  if (hash === null) throw new Error('hashToken wrote an unparsable hash');
  return { name, role: 'read', hash };
}

const shaToken = 'bench-sha256-token-0123456789abcdef';
const scryptToken = 'bench-scrypt-token-0123456789abcdef';
const api = new FakeMonitorApi();
for (let index = 0; index < 20; index += 1) api.channels.set(`ch${index}`, fakeChannelStatus(`ch${index}`));
const server = await startApiServer({
  api,
  port: 0,
  tokens: [await token('sha', shaToken, 'sha256'), await token('scrypt', scryptToken, 'scrypt')],
  evidenceDirectory: '/nonexistent',
  rateLimits: { perAddressPerMinute: 1_000_000, perTokenPerMinute: 1_000_000 },
});

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

async function measure(label: string, authorization: string | null): Promise<void> {
  const headers: Record<string, string> = authorization === null ? {} : { authorization };
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  const startedMs = performance.now();
  for (let index = 0; index < requests; index += 1) {
    const beforeMs = performance.now();
    const response = await fetch(`${server.url}/api/channels`, { headers });
    await response.arrayBuffer();
    latenciesMs.push(performance.now() - beforeMs);
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  }
  const elapsedSeconds = (performance.now() - startedMs) / 1000;
  latenciesMs.sort((a, b) => a - b);
  const answered = [...statuses].map(([status, count]) => `${count}x${status}`).join(' ');
  process.stdout.write(
    `${label.padEnd(22)} ${(requests / elapsedSeconds).toFixed(0).padStart(6)} req/s   ` +
      `p50 ${percentile(latenciesMs, 0.5).toFixed(2)} ms   p99 ${percentile(latenciesMs, 0.99).toFixed(2)} ms   ` +
      `(${answered})\n`,
  );
}

process.stdout.write(`GET /api/channels (20 channels), ${requests} sequential requests per case\n`);
await measure('anonymous (loopback)', null);
await measure('sha256 token', `Bearer ${shaToken}`);
await measure('scrypt token (cached)', `Bearer ${scryptToken}`);
await measure('wrong token', 'Bearer bench-wrong-token-0123456789');
await server.close();

const scryptHash = parseTokenHash(await hashToken(scryptToken, 'scrypt'));
if (scryptHash) {
  const beforeMs = performance.now();
  await tokenMatches(scryptToken, scryptHash);
  process.stdout.write(`one scrypt check: ${(performance.now() - beforeMs).toFixed(1)} ms\n`);
}
