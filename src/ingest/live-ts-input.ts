/**
 * A live MPEG-TS input received by this process: one byte source (UDP/RTP, SRT or HTTP, see
 * byte-source.ts) whose bytes go both to FFmpeg (custom I/O) and to the transport analyser, and a timer
 * that reads the source's drop counter every `settleIntervalMs` so the analyser knows in which period the
 * monitor itself lost datagrams (UDP's kernel drops; SRT and HTTP tell none).
 */
import {
  LiveTransport,
  type TransportChunkFigures,
  type TransportCondition,
} from '../transport/live-transport.js';
import type { InputPolicy } from '../media/input-policy.js';
import type { OpenInputOptions } from '../media/open-input.js';
import { openByteSource, type ByteSource } from './byte-source.js';

export { isReceivedHere } from './byte-source.js';

export interface LiveTsInputOptions {
  /** Opening the source fails after this long. */
  readonly connectTimeoutMs: number;
  /** Reading fails (input ended) when nothing arrives for this long. */
  readonly readTimeoutMs: number;
  readonly policy: InputPolicy;
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
  /** Analyses what is held, closes the open transport conditions, and closes the source. */
  close(): void;
}

/**
 * How often the drop counter is read; received bytes are analysed up to twice this late. Reading the
 * counter means the kernel writes out its whole UDP socket table: every 100 ms that cost a 720p25 channel
 * about 2 points of a core (`npm run bench:live`), every 500 ms a fifth of that, and a drop is still placed
 * within half a second.
 */
const settleIntervalMs = 500;

/** Opens the input; null when an HTTP answer is not MPEG-TS (FFmpeg then reads the URL itself). */
export async function openLiveTsInput(url: string, options: LiveTsInputOptions): Promise<LiveTsInput | null> {
  const transport = new LiveTransport({ onCondition: options.onCondition });
  let droppedDatagrams = 0;
  let source: ByteSource | null = null;
  const settle = (): void => {
    const total = source?.droppedDatagrams() ?? null;
    if (total !== null) droppedDatagrams = total;
    transport.settle(total);
  };
  source = await openByteSource(url, {
    connectTimeoutMs: options.connectTimeoutMs,
    readTimeoutMs: options.readTimeoutMs,
    policy: options.policy,
    onPayload: (bytes, receivedAtMs) => transport.receive(bytes, receivedAtMs),
    // The input ends: its last seconds are analysed now, so the chunks FFmpeg still flushes carry them.
    onEnd: () => {
      settle();
      transport.finish();
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!source) return null;
  const opened = source;
  const timer = setInterval(settle, settleIntervalMs);
  let closed = false;
  return {
    customInput: { read: (size) => opened.read(size), formatName: 'mpegts' },
    takeChunkFigures: () => transport.takeChunkFigures(),
    receiveDrops: () => droppedDatagrams + opened.queueDrops,
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      settle();
      opened.close();
      transport.finish();
    },
  };
}
