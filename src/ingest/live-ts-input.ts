/**
 * A live MPEG-TS input received by this process: one UDP/RTP receiver whose datagrams go both to FFmpeg
 * (custom I/O) and to the transport analyser, and a timer that reads the socket's kernel drop counter
 * every `settleIntervalMs` so the analyser knows in which period the monitor itself lost datagrams.
 */
import {
  LiveTransport,
  type TransportChunkFigures,
  type TransportCondition,
} from '../transport/live-transport.js';
import type { OpenInputOptions } from '../media/open-input.js';
import { isUdpTsUrl, openUdpTsReceiver } from './udp-ts-receiver.js';

export interface LiveTsInputOptions {
  /** Reading fails (input ended) when nothing arrives for this long. */
  readonly readTimeoutMs: number;
  readonly signal?: AbortSignal;
  readonly onCondition: (condition: TransportCondition) => void;
}

export interface LiveTsInput {
  /** For `openInput`: FFmpeg reads the received bytes. */
  readonly customInput: NonNullable<OpenInputOptions['customInput']>;
  /** Transport figures of the seconds that ended since the last call, or null. */
  takeChunkFigures(): TransportChunkFigures | null;
  /** Datagrams the monitor lost on this input: the kernel's drops and those FFmpeg could not take in time. */
  receiveDrops(): number;
  /** Analyses what is held, closes the open transport conditions, and closes the socket. */
  close(): void;
}

/** How often the kernel's drop counter is read; received bytes are analysed up to twice this late. */
const settleIntervalMs = 100;

/** Whether this input is received here rather than by FFmpeg's own protocol (UDP and RTP). */
export function isReceivedHere(url: string): boolean {
  return isUdpTsUrl(url);
}

export async function openLiveTsInput(url: string, options: LiveTsInputOptions): Promise<LiveTsInput> {
  const transport = new LiveTransport({ onCondition: options.onCondition });
  const receiver = await openUdpTsReceiver(url, {
    readTimeoutMs: options.readTimeoutMs,
    onPayload: (bytes, receivedAtMs) => transport.receive(bytes, receivedAtMs),
    // The input ends: its last seconds are analysed now, so the chunks FFmpeg still flushes carry them.
    onReadTimeout: () => {
      settle();
      transport.finish();
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let kernelDrops = 0;
  const settle = (): void => {
    const total = receiver.kernelDrops();
    if (total !== null) kernelDrops = total;
    transport.settle(total);
  };
  const timer = setInterval(settle, settleIntervalMs);
  let closed = false;
  return {
    customInput: { read: (size) => receiver.read(size), formatName: 'mpegts' },
    takeChunkFigures: () => transport.takeChunkFigures(),
    receiveDrops: () => kernelDrops + receiver.queueDrops,
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      settle();
      receiver.close();
      transport.finish();
    },
  };
}
