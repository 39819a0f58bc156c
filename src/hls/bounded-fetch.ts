/**
 * One HTTP GET bounded in time and size, timed: what the delivery checks need to know about a request.
 * A failure is a result (`ok: false` with a one-line reason), never an exception: for a monitor a 404 or a
 * timeout is a finding.
 */
import type { ByteRange } from './m3u8-parser.js';

export interface FetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export type FetchFailure = 'status' | 'timeout' | 'network' | 'too-large' | 'aborted' | 'refused';

/** Which URLs the checks may fetch: the deployment's input policy, as far as it concerns HTTP. */
export interface FetchPolicy {
  /** Of `http` and `https`, those allowed; any other scheme (a playlist naming `file:` or `data:`) is refused. */
  readonly protocols: readonly string[];
  /** Redirects followed per request, each checked against `protocols`. */
  readonly maxRedirects: number;
}

let fetchPolicy: FetchPolicy = { protocols: ['http', 'https'], maxRedirects: 5 };

/**
 * Sets the policy for every fetch of this process. A channel worker is one channel's process: it sets the
 * deployment's input policy once, before its checks start.
 */
export function setFetchPolicy(policy: FetchPolicy): void {
  fetchPolicy = {
    protocols: policy.protocols.filter((p) => p === 'http' || p === 'https'),
    maxRedirects: policy.maxRedirects,
  };
}

/** Whether the policy allows the scheme of `url`. */
function allowedScheme(url: URL): boolean {
  return fetchPolicy.protocols.includes(url.protocol.replace(/:$/, '').toLowerCase());
}

export type FetchResult =
  | {
      readonly ok: true;
      readonly status: number;
      readonly bytes: Uint8Array;
      /** Request to response headers. */
      readonly latencyMs: number;
      /** Request to last byte. */
      readonly durationMs: number;
    }
  | {
      readonly ok: false;
      readonly failure: FetchFailure;
      /** The HTTP status when there was a response. */
      readonly status: number | null;
      readonly reason: string;
      readonly latencyMs: number | null;
      readonly durationMs: number;
    };

export async function boundedFetch(
  url: string,
  limits: FetchLimits,
  options: { readonly signal?: AbortSignal; readonly byteRange?: ByteRange | null } = {},
): Promise<FetchResult> {
  const startedAt = performance.now();
  const elapsedMs = () => Math.round((performance.now() - startedAt) * 10) / 10;
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let latencyMs: number | null = null;
  const failed = (failure: FetchFailure, reason: string, status: number | null = null): FetchResult => ({
    ok: false,
    failure,
    status,
    reason,
    latencyMs,
    durationMs: elapsedMs(),
  });
  const range = options.byteRange;
  try {
    // Redirects are followed here, one at a time, so each target is checked against the policy.
    let target = new URL(url);
    let response: Response;
    for (let redirects = 0; ; redirects++) {
      if (!allowedScheme(target)) {
        return failed(
          'refused',
          `${target.protocol.replace(/:$/, '')} is not an allowed protocol (inputs.allowedProtocols)`,
        );
      }
      response = await fetch(target, {
        signal,
        redirect: 'manual',
        headers: range
          ? { range: `bytes=${range.offsetBytes}-${range.offsetBytes + range.lengthBytes - 1}` }
          : {},
      });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) break;
      await response.body?.cancel().catch(() => undefined);
      if (redirects >= fetchPolicy.maxRedirects) {
        return failed(
          'refused',
          `more than ${fetchPolicy.maxRedirects} redirects (inputs.maxRedirects)`,
          response.status,
        );
      }
      target = new URL(location, target);
    }
    latencyMs = elapsedMs();
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return failed('status', `HTTP ${response.status}`, response.status);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > limits.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      return failed('too-large', `${declared} bytes, over the ${limits.maxBytes} limit`, response.status);
    }
    const bytes = await readBounded(response, limits.maxBytes);
    if (bytes === null) return failed('too-large', `over the ${limits.maxBytes} byte limit`, response.status);
    return { ok: true, status: response.status, bytes, latencyMs, durationMs: elapsedMs() };
  } catch (error) {
    if (timeout.aborted) return failed('timeout', `no complete answer within ${limits.timeoutMs} ms`);
    if (options.signal?.aborted) return failed('aborted', 'stopped');
    return failed('network', networkReason(error));
  }
}

async function readBounded(response: Response, maxBytes: number): Promise<Uint8Array | null> {
  const body = response.body;
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const pieces: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    pieces.push(value);
  }
  if (pieces.length === 1 && pieces[0]) return pieces[0];
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.length;
  }
  return bytes;
}

/** fetch's errors say "fetch failed" and keep the reason in `cause`. */
function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : null;
  const message = cause instanceof Error ? cause.message : String(cause);
  return (
    (code && !message.includes(code) ? `${code}: ${message}` : message).split('\n')[0] ?? 'network error'
  );
}
