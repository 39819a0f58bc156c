/**
 * The queue between a byte source received in this process and FFmpeg, which reads it through custom I/O
 * (`read`, called by node-av from FFmpeg's thread). Bounded: a piece that does not fit is dropped and
 * counted (FFmpeg read too slowly; the transport analyser has already seen it). A waiting read is answered
 * once enough has arrived or a little later, and fails with a timeout when nothing arrives for
 * `readTimeoutMs` (the source stalled).
 */

export interface FeedQueueOptions {
  /** Bytes held for FFmpeg at most. */
  readonly capacityBytes: number;
  /** A read waiting this long with nothing queued fails with a timeout. */
  readonly readTimeoutMs: number;
  /** Called when a read timed out, before FFmpeg is told, so the input's end is known first. */
  readonly onReadTimeout?: () => void;
}

/** FFmpeg's custom I/O read: up to `size` bytes, null at the end, or a negative FFmpeg error. */
export type FeedRead = Buffer | null | number | Promise<Buffer | null | number>;

/**
 * A waiting read is answered once this much has arrived or this long after the first piece: each answer
 * is a round trip from FFmpeg's thread to the event loop (measured about 150 µs of CPU), so one per
 * datagram (~300/s at 3 Mb/s) cost several percent of a core. 20 ms of delay is nothing to a monitor.
 */
const coalesceBytes = 16 * 1024;
const coalesceMs = 20;
/** FFmpeg's AVERROR(ETIMEDOUT). */
export const averrorTimedOut = -110;

export class FeedQueue {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private droppedPieces = 0;
  /** Undefined while open; then what a read gets once the queue is empty (null: end of input). */
  private endResult: number | null | undefined = undefined;
  private waiting: ((result: Buffer | null | number) => void) | null = null;
  private waitingSize = 0;
  private waitTimer: NodeJS.Timeout | null = null;
  private coalesceTimer: NodeJS.Timeout | null = null;
  /**
   * FFmpeg reads one at a time and node-av copies each answer before the next read: one buffer serves
   * them all, instead of a new one per read for the garbage collector.
   */
  private scratch = Buffer.allocUnsafe(0);
  /** A stream source waiting for room (`whenRoom`), woken when FFmpeg has read half the queue. */
  private roomWaiter: (() => void) | null = null;

  constructor(private readonly options: FeedQueueOptions) {}

  /** Pieces dropped because the queue was full. */
  get drops(): number {
    return this.droppedPieces;
  }

  get ended(): boolean {
    return this.endResult !== undefined;
  }

  /** Queues a piece for FFmpeg (kept, not copied); false when it was dropped or the queue has ended. */
  push(bytes: Buffer): boolean {
    if (this.ended) return false;
    if (this.queuedBytes + bytes.length > this.options.capacityBytes) {
      this.droppedPieces += 1;
      return false;
    }
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    if (!this.waiting) return true;
    if (this.queuedBytes >= Math.min(this.waitingSize, coalesceBytes))
      this.answer(this.take(this.waitingSize));
    else this.coalesceTimer ??= setTimeout(() => this.answer(this.take(this.waitingSize)), coalesceMs);
    return true;
  }

  /**
   * Resolves once the queue is at most half full (at once when it is, or when it has ended). A stream
   * source (TCP: HTTP) waits on it before reading more, so its bytes are held back in the socket instead of
   * dropped: a piece dropped from a byte stream would cut packets in two.
   */
  whenRoom(): Promise<void> {
    if (this.ended || this.queuedBytes <= this.options.capacityBytes / 2) return Promise.resolve();
    return new Promise((resolve) => {
      this.roomWaiter = resolve;
    });
  }

  read(size: number): FeedRead {
    if (this.queue.length > 0) return this.take(size);
    if (this.endResult !== undefined) return this.endResult;
    this.waitingSize = size;
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.waitTimer = setTimeout(() => {
        this.options.onReadTimeout?.();
        this.answer(averrorTimedOut);
      }, this.options.readTimeoutMs);
    });
  }

  /**
   * No more bytes will come: FFmpeg reads what is queued, then `result` (null: end of input, or an FFmpeg
   * error such as a timeout). The first call decides.
   */
  end(result: number | null = null): void {
    if (this.ended) return;
    this.endResult = result;
    this.wakeRoomWaiter();
    if (this.waiting && this.queue.length > 0) this.answer(this.take(this.waitingSize));
    else this.answer(result);
  }

  /** Ends the queue and lets go of what it holds. */
  clear(): void {
    this.end();
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.wakeRoomWaiter();
  }

  private wakeRoomWaiter(): void {
    if (!this.roomWaiter) return;
    if (!this.ended && this.queuedBytes > this.options.capacityBytes / 2) return;
    const resolve = this.roomWaiter;
    this.roomWaiter = null;
    resolve();
  }

  private take(size: number): Buffer {
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafe(size);
    let taken = 0;
    while (this.queue.length > 0 && taken < size) {
      const head = this.queue[0] as Buffer;
      const length = Math.min(head.length, size - taken);
      head.copy(this.scratch, taken, 0, length);
      taken += length;
      if (length === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(length);
    }
    this.queuedBytes -= taken;
    this.wakeRoomWaiter();
    return this.scratch.subarray(0, taken);
  }

  private answer(result: Buffer | null | number): void {
    const resolve = this.waiting;
    this.waiting = null;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    if (this.coalesceTimer) clearTimeout(this.coalesceTimer);
    this.waitTimer = null;
    this.coalesceTimer = null;
    resolve?.(result);
  }
}
