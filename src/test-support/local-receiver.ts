/**
 * Test support for the notifier tests: a real HTTP receiver on 127.0.0.1 (port chosen by the system) that
 * records what it is sent and answers as each test scripts, plus a transition builder.
 * It belongs in src/test-support/ (kept out of the build); it sits here because this work was limited to
 * src/notify/.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Incident, IncidentTransition } from '../service/model.js';
import { transitionKey } from '../service/model.js';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly atMs: number;
}

/** 'hang': never answer (the connection is destroyed when the receiver closes). */
export type Reply = { status: number; headers?: Record<string, string> } | 'hang';

export interface LocalReceiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Resolves once `count` requests have arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(
  reply: (request: ReceivedRequest, index: number) => Reply | Promise<Reply> = () => ({ status: 200 }),
  /** A fixed port (a receiver that comes back where it was); default: one the system picks. */
  port = 0,
): Promise<LocalReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request: ReceivedRequest = {
        method: incoming.method ?? '',
        path: incoming.url ?? '',
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        atMs: Date.now(),
      };
      requests.push(request);
      void Promise.resolve(reply(request, requests.length - 1)).then((answer) => {
        if (answer === 'hang') return;
        response.writeHead(answer.status, answer.headers).end('ok');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/hooks/T000/B000/secret-token-xyz`,
    requests,
    async waitForRequests(count, timeoutMs = 1500) {
      await waitUntil(
        () => requests.length >= count,
        timeoutMs,
        `${count} requests (got ${requests.length})`,
      );
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function makeTransition(
  options: {
    kind?: IncidentTransition['kind'];
    incidentId?: string;
    incident?: Partial<Incident>;
    atMs?: number;
  } = {},
): IncidentTransition {
  const kind = options.kind ?? 'raised';
  const incidentId = options.incidentId ?? 'inc-1';
  const startedAtMs = Date.UTC(2025, 0, 2, 12, 0, 3);
  const incident: Incident = {
    id: incidentId,
    channelId: 'news-1',
    kind: 'freeze',
    severity: 'critical',
    state: kind === 'cleared' ? 'closed' : 'open',
    startedAtMs,
    raisedAtMs: startedAtMs + 4000,
    closedAtMs: kind === 'cleared' ? startedAtMs + 133_000 : null,
    acknowledgedAtMs: kind === 'acknowledged' ? startedAtMs + 60_000 : null,
    acknowledgedBy: kind === 'acknowledged' ? 'alice' : null,
    details: { durationSeconds: 4.25 },
    evidence: { thumbnailPath: null, clipPath: null },
    ...options.incident,
  };
  return { kind, incident, atMs: options.atMs ?? startedAtMs + 4000, key: transitionKey(incidentId, kind) };
}
