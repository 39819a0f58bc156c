/**
 * Receives an MPEG-TS over UDP (udp://) or RTP (rtp://, payload type MP2T) in this process, so that every
 * datagram is received once and seen by both the transport analyser (`onPayload`) and FFmpeg (through
 * custom I/O: `read`). The socket gets a large receive buffer; the kernel's count of datagrams it still
 * dropped, and the datagrams dropped here because FFmpeg read too slowly, are the monitor's own losses.
 *
 * URL options understood (FFmpeg's names): `buffer_size` (socket receive buffer, bytes), `fifo_size`
 * (queue for FFmpeg, in 188-byte packets), `localaddr` (interface address to bind and join on). A
 * multicast address is joined; a unicast one is bound on any address, as FFmpeg does.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { StreamqcError } from '../errors/streamqc-error.js';
import { FeedQueue, type FeedRead } from './feed-queue.js';
import { rtpPayload } from './rtp-payload.js';
import { SocketDropCounter } from './socket-drops.js';

export interface UdpTsReceiverOptions {
  /** Every datagram's TS payload with its arrival time (Date.now()). Must not change the bytes. */
  readonly onPayload: (bytes: Buffer, receivedAtMs: number) => void;
  /** `read` fails with a timeout when nothing arrives for this long. */
  readonly readTimeoutMs: number;
  /** Aborting ends pending and later reads (end of input). */
  readonly signal?: AbortSignal;
  /** Nothing arrived for `readTimeoutMs`: called before FFmpeg is told, so the input's end is known first. */
  readonly onReadTimeout?: () => void;
}

export interface UdpTsReceiver {
  readonly localPort: number;
  /** FFmpeg's custom I/O read: up to `size` bytes, null at the end, or a negative FFmpeg error. */
  read(size: number): FeedRead;
  /** Datagrams the kernel dropped on this socket since it opened, or null where it does not tell. */
  kernelDrops(): number | null;
  /** Datagrams dropped here because the queue for FFmpeg was full. */
  readonly queueDrops: number;
  close(): void;
}

/** As FFmpeg's default UDP buffer for input (with `fifo_size` this is its circular buffer). */
const defaultReceiveBufferBytes = 8 * 1024 * 1024;
/** FFmpeg's default fifo_size (in 188-byte packets): about 1.3 s at 40 Mb/s. */
const defaultFifoPackets = 7 * 4096;
const fifoUnitBytes = 188;

export function isUdpTsUrl(url: string): boolean {
  return /^(udp|rtp):\/\//i.test(url);
}

interface ParsedUdpUrl {
  readonly rtp: boolean;
  readonly host: string;
  readonly port: number;
  readonly receiveBufferBytes: number;
  readonly fifoBytes: number;
  readonly localAddress: string | undefined;
}

function positiveInteger(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new StreamqcError('BAD_CONFIG', `${name} must be a positive integer, got '${value}'`);
  return parsed;
}

export function parseUdpUrl(url: string): ParsedUdpUrl {
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/^(udp|rtp):\/\/@/i, '$1://0.0.0.0'));
  } catch {
    throw new StreamqcError('BAD_CONFIG', 'not a valid udp:// or rtp:// URL');
  }
  // Port 0 (any free port) only makes sense in tests, where the sender asks the receiver for it.
  if (parsed.port === '') throw new StreamqcError('BAD_CONFIG', 'the URL names no port');
  const port = Number(parsed.port);
  const params = parsed.searchParams;
  return {
    rtp: parsed.protocol.toLowerCase() === 'rtp:',
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '0.0.0.0',
    port,
    receiveBufferBytes:
      positiveInteger(params.get('buffer_size'), 'buffer_size') ?? defaultReceiveBufferBytes,
    fifoBytes: (positiveInteger(params.get('fifo_size'), 'fifo_size') ?? defaultFifoPackets) * fifoUnitBytes,
    localAddress: params.get('localaddr') ?? undefined,
  };
}

function isMulticast(host: string): boolean {
  if (isIPv6(host)) return host.toLowerCase().startsWith('ff');
  const first = Number(host.split('.')[0]);
  return first >= 224 && first <= 239;
}

export async function openUdpTsReceiver(url: string, options: UdpTsReceiverOptions): Promise<UdpTsReceiver> {
  const target = parseUdpUrl(url);
  const ipv6 = isIPv6(target.host);
  const multicast = isMulticast(target.host);
  const socket: Socket = createSocket({
    type: ipv6 ? 'udp6' : 'udp4',
    reuseAddr: multicast,
    recvBufferSize: target.receiveBufferBytes,
  });
  const bindAddress = multicast ? target.host : (target.localAddress ?? (ipv6 ? '::' : '0.0.0.0'));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error) =>
      reject(new StreamqcError('CONNECT_FAILED', `cannot listen on port ${target.port} (${error.message})`)),
    );
    socket.bind({ port: target.port, address: bindAddress, exclusive: !multicast }, () => resolve());
  });
  try {
    if (multicast) socket.addMembership(target.host, target.localAddress);
  } catch (error) {
    socket.close();
    const message = error instanceof Error ? error.message : String(error);
    throw new StreamqcError('CONNECT_FAILED', `cannot join ${target.host} (${message})`);
  }
  socket.on('error', () => undefined);

  const feed = new FeedQueue({
    capacityBytes: target.fifoBytes,
    readTimeoutMs: options.readTimeoutMs,
    ...(options.onReadTimeout ? { onReadTimeout: options.onReadTimeout } : {}),
  });
  const drops = new SocketDropCounter(socket.address().port);
  const end = (): void => feed.end();
  options.signal?.addEventListener('abort', end, { once: true });

  socket.on('message', (datagram: Buffer) => {
    const receivedAtMs = Date.now();
    const payload = target.rtp ? rtpPayload(datagram) : datagram;
    if (!payload || payload.length === 0) return;
    options.onPayload(payload, receivedAtMs);
    feed.push(payload);
  });

  return {
    localPort: socket.address().port,
    read: (size) => feed.read(size),
    kernelDrops: () => drops.read(),
    get queueDrops() {
      return feed.drops;
    },
    close() {
      feed.clear();
      options.signal?.removeEventListener('abort', end);
      socket.close();
    },
  };
}
