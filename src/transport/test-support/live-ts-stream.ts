/**
 * A real (decodable) MPEG-TS for live transport tests, cut into packets that each know their arrival
 * time, and a sender that plays such packets over UDP at that pace, 7 packets per datagram.
 *
 * The clip is 50 frames per second, so FFmpeg's muxer puts a PCR every 20 ms: a live arrival clock has
 * 20 ms of margin before TR 101 290's 40 ms PCR repetition limit (at 25 fps the muxer's 40 ms leaves
 * none, and every bit of timer jitter would be an error).
 */
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeClip } from '../../synth/clip-writer.js';
import { audioSpec, programme, videoSpec } from '../../synth/fixture-parts.js';
import { drawMovingPattern } from '../../synth/patterns.js';
import { ArrivalTimeline, PcrScanner } from '../arrival-timeline.js';
import { packetBytes } from '../ts-constants.js';
import type { TestPacket } from './ts-test-stream.js';

export async function writeLiveTestClip(path: string, durationSeconds: number): Promise<void> {
  await writeClip({
    path,
    container: 'mpegts',
    durationSeconds,
    video: videoSpec((index, planes) => drawMovingPattern(planes, index), {
      width: 128,
      height: 96,
      framesPerSecond: 50,
    }),
    audio: audioSpec(programme),
  });
}

/** The file's packets with arrival times from its PCR (as `analyze-ts` times a file). */
export async function readTimedPackets(path: string): Promise<TestPacket[]> {
  const bytes = new Uint8Array(await readFile(path));
  const scanner = new PcrScanner();
  const count = Math.floor(bytes.length / packetBytes);
  for (let index = 0; index < count; index++)
    scanner.onPacket(bytes, index * packetBytes, index * packetBytes);
  const timeline = new ArrivalTimeline(scanner, 1_000_000);
  const packets: TestPacket[] = [];
  for (let index = 0; index < count; index++) {
    const offset = index * packetBytes;
    packets.push({
      bytes: bytes.slice(offset, offset + packetBytes),
      timeSeconds: timeline.secondsAt(offset),
      kind: 'video',
    });
  }
  return packets;
}

export interface PacedSender {
  /** Resolves when the last datagram has been sent. */
  readonly done: Promise<void>;
  close(): void;
}

/** Sends the packets to 127.0.0.1:`port`, each datagram when its first packet's time has come. */
export function sendPaced(packets: readonly TestPacket[], port: number): PacedSender {
  const socket = createSocket('udp4');
  let stopped = false;
  const run = async (): Promise<void> => {
    const startMs = performance.now() - (packets[0]?.timeSeconds ?? 0) * 1000;
    for (let index = 0; index < packets.length && !stopped; index += 7) {
      const group = packets.slice(index, index + 7);
      const dueMs = startMs + (group[0]?.timeSeconds ?? 0) * 1000;
      const waitMs = dueMs - performance.now();
      if (waitMs > 1) await sleep(waitMs);
      const datagram = Buffer.concat(group.map((packet) => packet.bytes));
      await new Promise<void>((resolve) => socket.send(datagram, port, '127.0.0.1', () => resolve()));
    }
  };
  const done = run().finally(() => socket.close());
  return {
    done,
    close() {
      stopped = true;
    },
  };
}
