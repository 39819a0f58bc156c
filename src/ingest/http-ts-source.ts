/**
 * Receives an MPEG-TS served over HTTP(S) as one endless response (an encoder's or a relay's progressive
 * TS) in this process, with Node's fetch. Redirects are followed here, one at a time, each checked against
 * the input policy (allowed protocols, `maxRedirects`); credentials in the URL become a Basic
 * `Authorization` header, dropped on a redirect to another origin, and never appear in an error.
 *
 * The first bytes decide: an answer that is not MPEG-TS (no sync byte every 188 bytes: FLV, MP4, an
 * error page) is given up and the caller lets FFmpeg read the URL itself. TCP loses nothing on the way, and
 * when FFmpeg reads too slowly the next piece is not read from the socket until the queue has room (the
 * server is slowed down), so the monitor drops nothing.
 */
import { StreamqcError } from '../errors/streamqc-error.js';
import type { InputPolicy } from '../media/input-policy.js';
import type { ByteSource, ByteSourceOptions } from './byte-source.js';
import { averrorTimedOut, FeedQueue } from './feed-queue.js';

/** As the UDP receiver's default queue for FFmpeg (FFmpeg's fifo_size): about 1.3 s at 40 Mb/s. */
const feedCapacityBytes = 7 * 4096 * 188;
const packetBytes = 188;
/** Sync bytes in a row that make an answer MPEG-TS (as TR 101 290's sync acquisition). */
const syncPacketsToAccept = 5;
/** The first bytes looked at: the sync search over one packet's offsets, plus the packets it needs. */
const sniffBytes = (syncPacketsToAccept + 1) * packetBytes;
/** FFmpeg's AVERROR(EIO): the connection broke. */
const averrorIo = -5;

export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** Whether the bytes start (within one packet) with `syncPacketsToAccept` sync bytes 188 bytes apart. */
export function looksLikeTransportStream(bytes: Uint8Array): boolean {
  for (let offset = 0; offset < packetBytes; offset++) {
    if (offset + (syncPacketsToAccept - 1) * packetBytes >= bytes.length) return false;
    let synced = true;
    for (let packet = 0; packet < syncPacketsToAccept && synced; packet++)
      synced = bytes[offset + packet * packetBytes] === 0x47;
    if (synced) return true;
  }
  return false;
}

function schemeOf(url: URL): string {
  return url.protocol.replace(/:$/, '').toLowerCase();
}

/** The URL without its credentials, and those credentials as a Basic Authorization header. */
function splitCredentials(url: URL): { target: URL; authorization: string | null } {
  if (url.username === '' && url.password === '') return { target: url, authorization: null };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const target = new URL(url);
  target.username = '';
  target.password = '';
  const token = Buffer.from(`${user}:${password}`).toString('base64');
  return { target, authorization: `Basic ${token}` };
}

/** Why fetch failed, in a few words and without the URL: undici's cause (ECONNREFUSED, a TLS error). */
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown }) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** GET with the policy's redirect rules; the response's body is left to read. */
async function getFollowingPolicy(url: string, policy: InputPolicy, signal: AbortSignal): Promise<Response> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StreamqcError('BAD_CONFIG', 'not a valid http:// or https:// URL');
  }
  const { target: first, authorization } = splitCredentials(parsed);
  let target = first;
  for (let redirects = 0; ; redirects++) {
    const scheme = schemeOf(target);
    if ((scheme !== 'http' && scheme !== 'https') || !policy.allowedProtocols.includes(scheme)) {
      throw new StreamqcError(
        'INPUT_NOT_ALLOWED',
        `redirected to protocol '${scheme}', which is not allowed (inputs.allowedProtocols)`,
      );
    }
    const headers: Record<string, string> = {};
    if (authorization !== null && target.origin === first.origin) headers.authorization = authorization;
    const response = await fetch(target, { signal, redirect: 'manual', headers });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) return response;
    await response.body?.cancel().catch(() => undefined);
    if (redirects >= policy.maxRedirects) {
      throw new StreamqcError(
        'INPUT_NOT_ALLOWED',
        `more than ${policy.maxRedirects} redirects (inputs.maxRedirects)`,
      );
    }
    target = new URL(location, target);
  }
}

/** Opens the response; null when its body is not MPEG-TS (FFmpeg should read the URL itself). */
export async function openHttpTsSource(url: string, options: ByteSourceOptions): Promise<ByteSource | null> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  let timedOut = false;
  const connectTimer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.connectTimeoutMs);
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  const first: Buffer[] = [];
  const firstAtMs: number[] = [];
  try {
    const response = await getFollowingPolicy(url, options.policy, controller.signal);
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new StreamqcError('CONNECT_FAILED', `cannot connect (HTTP ${response.status})`);
    }
    reader = response.body.getReader();
    let length = 0;
    while (length < sniffBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      first.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      firstAtMs.push(Date.now());
      length += value.byteLength;
    }
    if (!looksLikeTransportStream(Buffer.concat(first))) {
      await reader.cancel().catch(() => undefined);
      options.signal?.removeEventListener('abort', abort);
      return null;
    }
  } catch (error) {
    options.signal?.removeEventListener('abort', abort);
    controller.abort();
    if (error instanceof StreamqcError) throw error;
    if (timedOut) throw new StreamqcError('CONNECT_TIMEOUT', 'timed out connecting (HTTP)');
    throw new StreamqcError('CONNECT_FAILED', `cannot connect (HTTP: ${networkReason(error)})`);
  } finally {
    clearTimeout(connectTimer);
  }

  let ended = false;
  const endOnce = (result: number | null): void => {
    if (ended) return;
    ended = true;
    options.onEnd?.();
    feed.end(result);
    controller.abort();
  };
  const feed = new FeedQueue({
    capacityBytes: feedCapacityBytes,
    readTimeoutMs: options.readTimeoutMs,
    // Node's fetch has no timeout on a body that stops coming: a stalled server ends the input here.
    onReadTimeout: () => endOnce(averrorTimedOut),
  });
  const deliver = (bytes: Buffer, receivedAtMs: number): void => {
    options.onPayload(bytes, receivedAtMs);
    feed.push(bytes);
  };
  first.forEach((bytes, index) => deliver(bytes, firstAtMs[index] ?? Date.now()));
  const pump = async (): Promise<void> => {
    for (;;) {
      // TCP: when FFmpeg falls behind, the server is slowed down (bytes wait in the socket), never cut.
      await feed.whenRoom();
      const { done, value } = await reader.read();
      if (done || ended) break;
      deliver(Buffer.from(value.buffer, value.byteOffset, value.byteLength), Date.now());
    }
    endOnce(null);
  };
  // A broken connection (or our own abort) rejects the read: the input ends.
  pump().catch(() => endOnce(controller.signal.aborted && options.signal?.aborted ? null : averrorIo));

  return {
    read: (size) => feed.read(size),
    droppedDatagrams: () => null,
    get queueDrops() {
      return feed.drops;
    },
    close() {
      ended = true;
      options.signal?.removeEventListener('abort', abort);
      feed.clear();
      controller.abort();
    },
  };
}
