/** Starts the API on a free port over a FakeMonitorApi, for the tests in this folder. */
import { startApiServer, type ApiServer } from '../api/api-server.js';
import type { ApiLogger } from '../api/api-logger.js';
import { FakeMonitorApi } from '../test-support/fake-monitor-api.js';

export const testToken = 'test-token-0123456789';

export interface LoggedLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export interface TestServer {
  readonly api: FakeMonitorApi;
  readonly server: ApiServer;
  readonly logged: LoggedLine[];
  /** fetch against the server; `token: true` adds the right bearer token, a string adds that one. */
  request(path: string, init?: RequestInit & { token?: boolean | string; json?: unknown }): Promise<Response>;
}

export async function startTestServer(
  options: { authToken?: string | null; heartbeatIntervalMs?: number; maxEventStreams?: number } = {},
): Promise<TestServer> {
  const api = new FakeMonitorApi();
  const logged: LoggedLine[] = [];
  const logger: ApiLogger = {
    info: (fields, message) => logged.push({ level: 'info', fields, message }),
    warn: (fields, message) => logged.push({ level: 'warn', fields, message }),
    error: (fields, message) => logged.push({ level: 'error', fields, message }),
  };
  const server = await startApiServer({
    api,
    port: 0,
    authToken: options.authToken === undefined ? testToken : options.authToken,
    logger,
    ...(options.heartbeatIntervalMs === undefined
      ? {}
      : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    ...(options.maxEventStreams === undefined ? {} : { maxEventStreams: options.maxEventStreams }),
  });
  return {
    api,
    server,
    logged,
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
