/**
 * A live MPEG-TS byte source received in this process instead of by FFmpeg's own protocol: UDP and RTP
 * (Node's dgram), SRT (FFmpeg's libsrt through node-av's `IOContext`, raw bytes) and MPEG-TS over HTTP(S)
 * (Node's fetch). Every byte is handed once to `onPayload` (the transport analyser) and queued for FFmpeg,
 * which reads it through custom I/O (`read`). A source that stalls or disconnects ends: FFmpeg reads what
 * is queued, then the end, so the decode session ends and the worker's reconnect and backoff take over.
 */
import { isHlsUrl } from '../hls/rendition.js';
import { checkInputUrl, type InputPolicy } from '../media/input-policy.js';
import type { FeedRead } from './feed-queue.js';
import { isHttpUrl, openHttpTsSource } from './http-ts-source.js';
import { isSrtUrl, openSrtTsSource } from './srt-ts-source.js';
import { isUdpTsUrl, openUdpTsReceiver } from './udp-ts-receiver.js';

export interface ByteSourceOptions {
  /** Every received piece of the TS with its arrival time (Date.now()). Must not change the bytes. */
  readonly onPayload: (bytes: Buffer, receivedAtMs: number) => void;
  /** Opening (connecting, a listener waiting for its caller, HTTP response headers) fails after this long. */
  readonly connectTimeoutMs: number;
  /** The input ends when nothing arrives for this long. */
  readonly readTimeoutMs: number;
  /** What the input may open (HTTP: the schemes a redirect may go to, and how many redirects). */
  readonly policy: InputPolicy;
  /** Aborting ends the input. */
  readonly signal?: AbortSignal;
  /** The input ended (stall, disconnect, error): called before FFmpeg is told, so its end is known first. */
  readonly onEnd?: () => void;
}

export interface ByteSource {
  /** FFmpeg's custom I/O read: up to `size` bytes, null at the end, or a negative FFmpeg error. */
  read(size: number): FeedRead;
  /**
   * Datagrams lost before this process got them (the kernel's drops on a UDP socket), cumulative, or null
   * where the source cannot tell (SRT, whose statistics node-av does not reach; HTTP over TCP loses none).
   */
  droppedDatagrams(): number | null;
  /** Pieces dropped here because FFmpeg read too slowly (the analyser saw them). */
  readonly queueDrops: number;
  close(): void;
}

/**
 * Whether this input is received here rather than by FFmpeg's own protocol: UDP, RTP, SRT, and HTTP(S)
 * other than HLS playlists (whose segments the HLS checks analyse). An HTTP input may still turn out not to
 * be MPEG-TS: `openByteSource` then answers null and FFmpeg reads it.
 */
export function isReceivedHere(url: string): boolean {
  return isUdpTsUrl(url) || isSrtUrl(url) || (isHttpUrl(url) && !isHlsUrl(url));
}

/** Opens the source for `url` (one `isReceivedHere` accepts); null for an HTTP body that is not MPEG-TS. */
export async function openByteSource(url: string, options: ByteSourceOptions): Promise<ByteSource | null> {
  // FFmpeg checks the policy when it opens a URL; here it opens none, so the policy is checked first.
  checkInputUrl(url, options.policy);
  if (isSrtUrl(url)) return openSrtTsSource(url, options);
  if (isHttpUrl(url)) return openHttpTsSource(url, options);
  const receiver = await openUdpTsReceiver(url, {
    onPayload: options.onPayload,
    readTimeoutMs: options.readTimeoutMs,
    ...(options.onEnd ? { onReadTimeout: options.onEnd } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    read: (size) => receiver.read(size),
    droppedDatagrams: () => receiver.kernelDrops(),
    get queueDrops() {
      return receiver.queueDrops;
    },
    close: () => receiver.close(),
  };
}
