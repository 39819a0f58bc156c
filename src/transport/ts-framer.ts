/**
 * Finds 188-byte packets in a byte stream fed in arbitrary chunks (TR 101 290 1.1 and 1.2).
 *
 * Sync is acquired after 5 consecutive sync bytes (0x47) 188 bytes apart and lost after 2 consecutive
 * corrupted ones, the hysteresis TR 101 290 recommends. While in sync, a packet with a wrong sync byte
 * followed by a good one is a sync byte error and is skipped; two in a row lose sync and the search starts
 * again at the byte after the first bad one, so no packet after inserted garbage is lost.
 *
 * Packets are handed to the sink where they lie in the caller's chunk (no copy). Only the bytes a decision
 * still needs (a partial packet, the look-ahead of the search) are copied into a small buffer and
 * completed from the next chunk, so results do not depend on how the stream was cut into chunks.
 */
import { packetBytes, syncByte } from './ts-constants.js';

export interface PacketSink {
  /** A packet at `bytes[offset, offset + 188)`, which lies at `streamOffset` of the whole byte stream. */
  onPacket(bytes: Uint8Array, offset: number, streamOffset: number): void;
  onSyncByteError(): void;
  onSyncLost(): void;
  onSyncAcquired(): void;
}

const packetsToAcquire = 5;
const acquireLookaheadBytes = (packetsToAcquire - 1) * packetBytes + 1;
/** Holds the longest undecided tail (the acquisition look-ahead) plus a chunk start to complete it with. */
const pendingCapacity = 4096;

export class TsFramer {
  private readonly pending = new Uint8Array(pendingCapacity);
  private pendingLength = 0;
  private synced = false;
  private bytesDiscarded = 0;
  /** Bytes pushed before the current chunk. */
  private streamBytes = 0;

  constructor(private readonly sink: PacketSink) {}

  get inSync(): boolean {
    return this.synced;
  }

  /** Bytes that were not part of any packet handed on (garbage, skipped packets, a truncated end). */
  get discardedBytes(): number {
    return this.bytesDiscarded + this.pendingLength;
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    if (this.pendingLength > 0) {
      const oldLength = this.pendingLength;
      const taken = Math.min(chunk.length, pendingCapacity - oldLength);
      for (let index = 0; index < taken; index++) this.pending[oldLength + index] = chunk[index] ?? 0;
      const stop = this.scan(this.pending, 0, oldLength + taken, this.streamBytes - oldLength);
      if (stop < oldLength) {
        // Only possible when the whole chunk fit in: keep waiting for more bytes.
        this.pending.copyWithin(0, stop, oldLength + taken);
        this.pendingLength = oldLength + taken - stop;
        this.streamBytes += chunk.length;
        return;
      }
      this.pendingLength = 0;
      offset = stop - oldLength;
    }
    const stop = this.scan(chunk, offset, chunk.length, this.streamBytes);
    this.streamBytes += chunk.length;
    const rest = chunk.length - stop;
    for (let index = 0; index < rest; index++) this.pending[index] = chunk[stop + index] ?? 0;
    this.pendingLength = rest;
  }

  /** Hands on whole packets of `bytes[position, end)`; returns where it stopped for want of bytes. */
  private scan(bytes: Uint8Array, start: number, end: number, streamOffsetOfBytes: number): number {
    const sink = this.sink;
    let position = start;
    for (;;) {
      if (this.synced) {
        if (position + packetBytes > end) return position;
        if (bytes[position] === syncByte) {
          sink.onPacket(bytes, position, streamOffsetOfBytes + position);
          position += packetBytes;
          continue;
        }
        if (position + packetBytes >= end) return position;
        sink.onSyncByteError();
        if (bytes[position + packetBytes] === syncByte) {
          this.bytesDiscarded += packetBytes;
          position += packetBytes;
          continue;
        }
        sink.onSyncByteError();
        sink.onSyncLost();
        this.synced = false;
        this.bytesDiscarded += 1;
        position += 1;
        continue;
      }
      const candidate = bytes.indexOf(syncByte, position);
      if (candidate < 0 || candidate >= end) {
        this.bytesDiscarded += end - position;
        return end;
      }
      this.bytesDiscarded += candidate - position;
      if (candidate + acquireLookaheadBytes > end) return candidate;
      let run = 1;
      while (run < packetsToAcquire && bytes[candidate + run * packetBytes] === syncByte) run++;
      if (run === packetsToAcquire) {
        this.synced = true;
        sink.onSyncAcquired();
        position = candidate;
      } else {
        this.bytesDiscarded += 1;
        position = candidate + 1;
      }
    }
  }
}
