/**
 * Test senders that play MPEG-TS packets, unchanged, at the pace of their times: over SRT (FFmpeg's libsrt
 * through node-av, 7 packets per SRT message, as a caller or a listener) and as the body of an HTTP
 * response (7 packets per write). The UDP one is `sendPaced` in src/transport/test-support.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { IOContext } from 'node-av/lib';
import { AVIO_FLAG_WRITE } from 'node-av/constants';
import type { TestPacket } from '../transport/test-support/ts-test-stream.js';

const packetsPerWrite = 7;

/** Writes the packets in groups of 7, each group when its first packet's time has come. */
async function writePaced(
  packets: readonly TestPacket[],
  write: (bytes: Buffer) => Promise<void>,
  stopped: () => boolean,
): Promise<void> {
  const startMs = performance.now() - (packets[0]?.timeSeconds ?? 0) * 1000;
  for (let index = 0; index < packets.length && !stopped(); index += packetsPerWrite) {
    const group = packets.slice(index, index + packetsPerWrite);
    const waitMs = startMs + (group[0]?.timeSeconds ?? 0) * 1000 - performance.now();
    if (waitMs > 1) await sleep(waitMs);
    await write(Buffer.concat(group.map((packet) => packet.bytes)));
  }
}

export interface PacedTsSender {
  /** Resolves when the last packet has been sent (or the sender was closed). */
  readonly done: Promise<void>;
  close(): void;
}

/**
 * Sends over SRT: as a listener (`srt://host:port?mode=listener`) it starts once the monitor has called;
 * as a caller it tries again every 200 ms until the monitor listens. Ends the connection after the last one.
 */
export function sendPacedSrt(packets: readonly TestPacket[], url: string): PacedTsSender {
  let stopped = false;
  const run = async (): Promise<void> => {
    const io = new IOContext();
    while ((await io.open2(url, AVIO_FLAG_WRITE)) < 0) {
      if (stopped) return;
      await sleep(200);
    }
    try {
      await writePaced(
        packets,
        async (bytes) => {
          await io.write(bytes);
          await io.flush();
        },
        () => stopped,
      );
      // Live mode does not linger: what SRT still holds (its latency, 120 ms) is lost at close.
      if (!stopped) await sleep(500);
    } finally {
      await io.closep();
    }
  };
  return {
    done: run(),
    close() {
      stopped = true;
    },
  };
}

export interface PacedHttpServer extends PacedTsSender {
  readonly url: string;
  /** Requests answered (the first gets the stream, later ones 404). */
  readonly requests: number;
}

/** Serves the packets, paced, to the first GET as one `video/mp2t` response; later requests get a 404. */
export async function servePacedHttp(packets: readonly TestPacket[]): Promise<PacedHttpServer> {
  let stopped = false;
  let requests = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let streaming: ServerResponse | null = null;
  const server = createServer((_request, response) => {
    requests += 1;
    if (requests > 1) {
      response.writeHead(404).end();
      return;
    }
    streaming = response;
    response.writeHead(200, { 'content-type': 'video/mp2t' });
    const write = (bytes: Buffer) =>
      new Promise<void>((resolve) => {
        if (!response.write(bytes)) response.once('drain', resolve);
        else resolve();
      });
    void writePaced(packets, write, () => stopped || response.destroyed).finally(() => {
      response.end();
      resolveDone();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/live.ts`,
    done,
    get requests() {
      return requests;
    },
    close() {
      stopped = true;
      (streaming as ServerResponse | null)?.destroy();
      server.closeAllConnections();
      server.close();
      resolveDone();
    },
  };
}
