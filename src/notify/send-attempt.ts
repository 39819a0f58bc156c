/**
 * One HTTP attempt and what it means for the queue: delivered, worth retrying (network error, timeout,
 * 429, 5xx), refused for good (any other answer: retrying a 400 sends the same bad request again), or
 * abandoned because the notifier is closing. Reasons never contain the target URL.
 */
import { parseRetryAfterMs } from './backoff.js';
import type { OutgoingRequest } from './payloads.js';

export type AttemptResult =
  | { readonly outcome: 'delivered'; readonly status: number }
  | {
      readonly outcome: 'retry';
      readonly reason: string;
      readonly status: number | null;
      /** What the receiver asked for with Retry-After, if anything. */
      readonly retryAfterMs: number | null;
    }
  | { readonly outcome: 'refused'; readonly reason: string; readonly status: number }
  | { readonly outcome: 'closed' };

export async function sendAttempt(options: {
  readonly fetchImpl: typeof fetch;
  readonly url: string;
  readonly request: OutgoingRequest;
  readonly timeoutMs: number;
  /** Aborts the request when the notifier closes. */
  readonly closeSignal: AbortSignal;
  readonly nowMs: number;
}): Promise<AttemptResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onClose = (): void => controller.abort();
  options.closeSignal.addEventListener('abort', onClose, { once: true });
  try {
    if (options.closeSignal.aborted) return { outcome: 'closed' };
    const response = await options.fetchImpl(options.url, {
      method: 'POST',
      headers: options.request.headers,
      body: options.request.body,
      signal: controller.signal,
      // Following a redirect would turn a POST into a GET on 301/302 and report success for a message
      // nobody received; the configured URL should be the final one.
      redirect: 'manual',
    });
    // The answer's body is not used; cancelling it lets the connection be reused or closed.
    await response.body?.cancel().catch(() => undefined);
    return classifyStatus(response.status, response.headers.get('retry-after'), options.nowMs);
  } catch (error) {
    if (options.closeSignal.aborted) return { outcome: 'closed' };
    const reason = timedOut ? `no answer within ${options.timeoutMs} ms` : networkReason(error, options.url);
    return { outcome: 'retry', reason, status: null, retryAfterMs: null };
  } finally {
    clearTimeout(timer);
    options.closeSignal.removeEventListener('abort', onClose);
  }
}

export function classifyStatus(status: number, retryAfter: string | null, nowMs: number): AttemptResult {
  if (status >= 200 && status < 300) return { outcome: 'delivered', status };
  if (status === 429 || status >= 500) {
    // Retry-After is honoured where HTTP defines it for this purpose: 429 and 503.
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfterMs(retryAfter, nowMs) : null;
    return { outcome: 'retry', reason: `HTTP ${status}`, status, retryAfterMs };
  }
  const hint = status >= 300 && status < 400 ? ' (redirects are not followed: configure the final URL)' : '';
  return { outcome: 'refused', reason: `HTTP ${status}${hint}`, status };
}

/** fetch says only "fetch failed"; the cause has the useful part (ECONNREFUSED, ENOTFOUND...). */
function networkReason(error: unknown, url: string): string {
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : null;
  const detail = code ?? (cause instanceof Error ? cause.message : null);
  const message = error instanceof Error ? error.message : String(error);
  const reason = detail === null ? message : `${message}: ${detail}`;
  // Defensive: no known fetch error carries the path, but a custom fetchImpl might.
  return reason.split(url).join('<target url>');
}
