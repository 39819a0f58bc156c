/**
 * Receives an MPEG-TS over SRT in this process: FFmpeg's libsrt opened through node-av's `IOContext`
 * (`avio_open2`) gives the raw bytes, read on libuv's thread pool so the event loop keeps running. The
 * URL is FFmpeg's, options included (`mode=caller|listener`, `latency`, `passphrase`, `streamid`, ...).
 *
 * `avio_open2` takes no options dictionary and no interrupt callback through node-av, so the bounds go in
 * the URL, where libsrt reads them, unless the URL sets them itself: `timeout` (a read that gets nothing
 * for the read timeout fails: a stalled or vanished sender ends the input), `listen_timeout` (a listener
 * waits the connect timeout for its caller) and `connect_timeout` (a caller's handshake). A pending read
 * cannot be cut short, so closing waits for it (at most the read timeout) before the socket is closed,
 * and the next open of this process waits for that close (a listener's port must be free again).
 *
 * SRT's own receiver statistics (packets lost and dropped too late) are not reachable through node-av:
 * packets SRT could not recover reach the analyser as gaps, that is as the stream's continuity errors.
 */
import { FFmpegError, IOContext } from 'node-av/lib';
import { AVERROR_EOF, AVIO_FLAG_READ } from 'node-av/constants';
import { StreamqcError } from '../errors/streamqc-error.js';
import type { ByteSource, ByteSourceOptions } from './byte-source.js';
import { averrorTimedOut, FeedQueue } from './feed-queue.js';

/**
 * Bytes per read: libsrt hands over one 1316-byte message per call and `avio_read` gathers them until
 * this much has arrived, so there is one thread-pool round trip per ~12 messages (about 40 ms at 3 Mb/s).
 */
const readSizeBytes = 16 * 1024;
/** As the UDP receiver's default queue for FFmpeg (FFmpeg's fifo_size): about 1.3 s at 40 Mb/s. */
const feedCapacityBytes = 7 * 4096 * 188;

export function isSrtUrl(url: string): boolean {
  return /^srt:\/\//i.test(url);
}

/** The URL with the bounds libsrt needs here, leaving those the URL already sets. */
export function srtUrlWithTimeouts(
  url: string,
  bounds: { readonly connectTimeoutMs: number; readonly readTimeoutMs: number },
): string {
  const queryAt = url.indexOf('?');
  const query = queryAt < 0 ? '' : url.slice(queryAt + 1);
  const names = new Set(
    query
      .split('&')
      .filter((pair) => pair !== '')
      .map((pair) => pair.split('=')[0]?.toLowerCase()),
  );
  const added: string[] = [];
  const add = (name: string, value: number) => {
    if (!names.has(name)) added.push(`${name}=${Math.round(value)}`);
  };
  add('timeout', bounds.readTimeoutMs * 1000);
  add('listen_timeout', bounds.connectTimeoutMs * 1000);
  add('connect_timeout', bounds.connectTimeoutMs);
  if (added.length === 0) return url;
  const separator = queryAt < 0 ? '?' : query === '' ? '' : '&';
  return `${url}${separator}${added.join('&')}`;
}

function openFailure(code: number): StreamqcError {
  if (code === averrorTimedOut) return new StreamqcError('CONNECT_TIMEOUT', 'timed out connecting (SRT)');
  return new StreamqcError('CONNECT_FAILED', `cannot connect (SRT: ${FFmpegError.strerror(code)})`);
}

/** Settles when this process's last SRT socket has closed: a listener's next open needs its port. */
let previousClose: Promise<void> = Promise.resolve();

export async function openSrtTsSource(url: string, options: ByteSourceOptions): Promise<ByteSource> {
  await previousClose;
  const io = new IOContext();
  const opened = await io.open2(srtUrlWithTimeouts(url, options), AVIO_FLAG_READ);
  if (opened < 0) throw openFailure(opened);

  let ended = false;
  let closing = false;
  const endOnce = (result: number | null): void => {
    if (ended) return;
    ended = true;
    options.onEnd?.();
    feed.end(result);
  };
  const feed = new FeedQueue({
    capacityBytes: feedCapacityBytes,
    readTimeoutMs: options.readTimeoutMs,
    onReadTimeout: () => endOnce(averrorTimedOut),
  });
  const abort = (): void => endOnce(null);
  options.signal?.addEventListener('abort', abort, { once: true });

  const pump = async (): Promise<void> => {
    while (!ended && !closing) {
      const bytes = await io.read(readSizeBytes);
      if (typeof bytes === 'number') {
        // A sender that stopped (its timeout) or hung up (an error or the end): the input ends.
        endOnce(bytes === AVERROR_EOF ? null : bytes);
        break;
      }
      if (bytes.length === 0 || closing) continue;
      options.onPayload(bytes, Date.now());
      feed.push(bytes);
    }
  };
  const closed = pump()
    .catch(() => endOnce(null))
    .then(() => io.closep())
    .then(
      () => undefined,
      () => undefined,
    );
  previousClose = closed;

  return {
    read: (size) => feed.read(size),
    droppedDatagrams: () => null,
    get queueDrops() {
      return feed.drops;
    },
    close() {
      closing = true;
      ended = true;
      options.signal?.removeEventListener('abort', abort);
      feed.clear();
    },
  };
}
