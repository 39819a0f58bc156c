/** Starts the API on a free port over a FakeMonitorApi, for the tests in this folder. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../api/api-server.js';
import type { ApiLogger } from '../api/api-logger.js';
import type { ApiToken } from '../api/auth.js';
import { sha256Digest } from '../api/token-hash.js';
import { FakeMonitorApi } from '../test-support/fake-monitor-api.js';

/** The admin token every test server knows (unless `authToken: null`). */
export const testToken = 'test-token-0123456789';
/** A read-only token every test server knows. */
export const testReadToken = 'test-read-token-9876543210';

export function testApiToken(name: string, role: ApiToken['role'], token: string): ApiToken {
  return { name, role, hash: { kind: 'sha256', digest: sha256Digest(token) } };
}

export interface LoggedLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export interface TestServer {
  readonly api: FakeMonitorApi;
  readonly server: ApiServer;
  readonly logged: LoggedLine[];
  /** A fresh folder the server serves evidence from. */
  readonly evidenceDirectory: string;
  /** fetch against the server; `token: true` adds the right bearer token, a string adds that one. */
  request(path: string, init?: RequestInit & { token?: boolean | string; json?: unknown }): Promise<Response>;
}

export type TestServerOptions = {
  /** null: no admin token (changes refused); default `testToken`. */
  readonly authToken?: string | null;
} & Partial<
  Pick<
    ApiServerOptions,
    | 'heartbeatIntervalMs'
    | 'maxEventStreams'
    | 'anonymousReads'
    | 'rateLimits'
    | 'corsOrigins'
    | 'bodyTimeoutMs'
    | 'evidenceDirectory'
  >
>;

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const api = new FakeMonitorApi();
  const logged: LoggedLine[] = [];
  const logger: ApiLogger = {
    info: (fields, message) => logged.push({ level: 'info', fields, message }),
    warn: (fields, message) => logged.push({ level: 'warn', fields, message }),
    error: (fields, message) => logged.push({ level: 'error', fields, message }),
  };
  const { authToken, ...serverOptions } = options;
  const adminToken = authToken === undefined ? testToken : authToken;
  const evidenceDirectory =
    options.evidenceDirectory ?? mkdtempSync(join(tmpdir(), 'streamqc-api-evidence-'));
  const server = await startApiServer({
    ...serverOptions,
    api,
    port: 0,
    tokens: [
      ...(adminToken === null ? [] : [testApiToken('test-admin', 'admin', adminToken)]),
      testApiToken('test-reader', 'read', testReadToken),
    ],
    evidenceDirectory,
    logger,
  });
  return {
    api,
    server,
    logged,
    evidenceDirectory,
    request(path, init = {}) {
      const { token, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== undefined && token !== false) {
        headers.set('authorization', `Bearer ${token === true ? testToken : token}`);
      }
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${server.url}${path}`, {
        ...rest,
        headers,
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
    },
  };
}

/** The error body every failure answers with; fails the test if the shape is different. */
export async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
  const code = body.error?.code;
  const message = body.error?.message;
  if (typeof code !== 'string' || typeof message !== 'string' || Object.keys(body).length !== 1) {
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  }
  return { code, message };
}
