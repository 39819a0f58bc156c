/**
 * A live HLS origin for tests (node:http on a free local port) that can be made to misbehave. It serves a
 * multivariant playlist (`/master.m3u8`), one media playlist per variant (`/v<i>/index.m3u8`) with a
 * sliding window of 1-second segments produced by the wall clock (from the first media playlist request:
 * fault times count from there), and the segments: consecutive 1-second
 * pieces of one continuous MPEG-TS test stream (`buildTestStream`: 1000 packets a second, 1.504 Mb/s),
 * so a clean origin passes every TR 101 290 check and every segment's bitrate is known exactly.
 *
 * The stream can end (`endAtSeconds`), so that a test can count every request once the client has stopped.
 * Faults, all on variant 0: a playlist frozen for a while, segments that answer 404, a slow segment, a
 * media sequence that restarts at 0 or skips segments, a corrupted continuity counter in one segment.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildTestStream, testPids, type TestPacket } from '../../transport/test-support/ts-test-stream.js';
import { packetBytes } from '../../transport/ts-constants.js';

export const segmentBitrateBps = 1000 * packetBytes * 8;
/** Bytes of every segment the origin serves (1000 packets). */
export const segmentBytesEach = 1000 * packetBytes;

export interface OriginFaults {
  /** The playlist keeps its content from `fromSeconds` for `forSeconds`. */
  readonly freezePlaylist?: { readonly fromSeconds: number; readonly forSeconds: number };
  /** These media sequence numbers answer 404. */
  readonly missingSegments?: readonly number[];
  /** These media sequence numbers take this long (ms) to send their last bytes. */
  readonly slowSegments?: Readonly<Record<number, number>>;
  /** From this time the media sequence starts again at 0 (an encoder restart). */
  readonly resetAtSeconds?: number;
  /** From `atSeconds` the playlist is `segments` further on: segments that were never listed. */
  readonly skip?: { readonly atSeconds: number; readonly segments: number };
  /** In each of these segments one video packet's continuity counter is corrupted (one TR 101 290 1.4 error). */
  readonly corruptContinuityInSegments?: readonly number[];
}

export interface OriginOptions {
  /** Declared BANDWIDTH of each variant. Default one variant, honest (1.6 Mb/s). */
  readonly bandwidthsBps?: readonly number[];
  readonly faults?: OriginFaults;
  /** Segments in each playlist. Default 4. */
  readonly windowSegments?: number;
  /** From this time every media playlist stays as it was then and ends (EXT-X-ENDLIST): no more requests. */
  readonly endAtSeconds?: number;
  /**
   * A decodable stream to serve instead (`readTimedPackets` of a real clip): segment N holds the packets
   * timed in second N. Default: the synthetic test stream, which FFmpeg cannot decode.
   */
  readonly packets?: readonly TestPacket[];
  /** Rewrites a media playlist before it is served (tags the origin does not write by itself). */
  readonly editPlaylist?: (text: string, variant: number) => string;
}

export interface OriginRequest {
  readonly path: string;
  readonly userAgent: string;
  bytes: number;
}

export interface HlsOrigin {
  readonly url: string;
  readonly mediaUrl: (variant: number) => string;
  /** Every request: its path, its User-Agent and the bytes answered (0 for a 404). */
  readonly requests: readonly OriginRequest[];
  close(): Promise<void>;
}

const segmentPackets = 1000;
const maxSegments = 30;
/** Built once per process: every origin serves the same stream. */
let stream: ReturnType<typeof buildTestStream> | undefined;

export async function startHlsOrigin(options: OriginOptions = {}): Promise<HlsOrigin> {
  const bandwidths = options.bandwidthsBps ?? [1_600_000];
  const faults = options.faults ?? {};
  const windowSegments = options.windowSegments ?? 4;
  stream ??= buildTestStream({ durationSeconds: maxSegments, withAudio: true });
  const segments = options.packets ? segmentsOf(options.packets) : null;
  const requests: OriginRequest[] = [];
  let frozen: string | null = null;
  // The origin's clock starts with the first media playlist request, so a slow start of the client
  // cannot move the faults before it looks.
  let startedAtMs: number | null = null;

  const elapsedSeconds = () => (Date.now() - (startedAtMs ??= Date.now())) / 1000;

  const mediaPlaylist = (variant: number): string => {
    const ended = options.endAtSeconds !== undefined && elapsedSeconds() >= options.endAtSeconds;
    const at = ended ? (options.endAtSeconds ?? 0) : elapsedSeconds();
    const reset = variant === 0 && faults.resetAtSeconds !== undefined && at >= faults.resetAtSeconds;
    const epoch = reset ? 1 : 0;
    // Segments produced so far: a full window at the start, then one a second.
    const produced = reset
      ? 1 + Math.floor(at - (faults.resetAtSeconds ?? 0))
      : windowSegments +
        Math.floor(at) +
        (faults.skip && at >= faults.skip.atSeconds ? faults.skip.segments : 0);
    const first = Math.max(0, produced - windowSegments);
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:1',
      `#EXT-X-MEDIA-SEQUENCE:${first}`,
    ];
    for (let sequence = first; sequence < produced; sequence++)
      lines.push('#EXTINF:1.000,', `seg-${epoch}-${sequence}.ts`);
    if (ended) lines.push('#EXT-X-ENDLIST');
    return `${lines.join('\n')}\n`;
  };

  const servePlaylist = (variant: number, response: ServerResponse) => {
    const freeze = variant === 0 ? faults.freezePlaylist : undefined;
    const at = elapsedSeconds();
    let text: string;
    if (freeze && at >= freeze.fromSeconds && at < freeze.fromSeconds + freeze.forSeconds) {
      frozen ??= mediaPlaylist(variant);
      text = frozen;
    } else text = mediaPlaylist(variant);
    if (options.editPlaylist) text = options.editPlaylist(text, variant);
    response.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(text);
  };

  const serveSegment = (
    variant: number,
    sequence: number,
    response: ServerResponse,
    request: OriginRequest,
  ) => {
    if (variant === 0 && faults.missingSegments?.includes(sequence)) {
      response.writeHead(404).end();
      return;
    }
    const bytes = segments
      ? (segments[sequence]?.slice() ?? null)
      : stream
        ? segmentBytes(stream, sequence)
        : null;
    if (bytes && variant === 0 && faults.corruptContinuityInSegments?.includes(sequence))
      corruptOneCounter(bytes);
    if (!bytes) {
      response.writeHead(404).end();
      return;
    }
    const delayMs = variant === 0 ? faults.slowSegments?.[sequence] : undefined;
    request.bytes = bytes.length;
    response.writeHead(200, { 'content-type': 'video/mp2t', 'content-length': bytes.length });
    if (delayMs === undefined) {
      response.end(bytes);
      return;
    }
    response.write(bytes.subarray(0, 1000));
    setTimeout(() => response.end(bytes.subarray(1000)), delayMs);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? '/';
    const record: OriginRequest = { path, userAgent: request.headers['user-agent'] ?? '', bytes: 0 };
    requests.push(record);
    if (path === '/master.m3u8') {
      const lines = ['#EXTM3U'];
      bandwidths.forEach((bandwidth, index) =>
        lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${bandwidth},RESOLUTION=160x90`, `v${index}/index.m3u8`),
      );
      response.writeHead(200).end(`${lines.join('\n')}\n`);
      return;
    }
    const playlist = /^\/v(\d+)\/index\.m3u8$/.exec(path);
    if (playlist) {
      servePlaylist(Number(playlist[1]), response);
      return;
    }
    const segment = /^\/v(\d+)\/seg-\d+-(\d+)\.ts$/.exec(path);
    if (segment) {
      serveSegment(Number(segment[1]), Number(segment[2]), response, record);
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/master.m3u8`,
    mediaUrl: (variant) => `${base}/v${variant}/index.m3u8`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Per second of the packets' time, their bytes end to end. */
function segmentsOf(packets: readonly TestPacket[]): Uint8Array[] {
  const perSecond: Uint8Array[][] = [];
  for (const packet of packets) {
    const second = Math.max(0, Math.floor(packet.timeSeconds));
    (perSecond[second] ??= []).push(packet.bytes);
  }
  return Array.from(perSecond, (list) => Buffer.concat(list ?? []));
}

/** Segment `sequence`: packets of second `sequence` of the stream, laid end to end. */
function segmentBytes(stream: ReturnType<typeof buildTestStream>, sequence: number): Uint8Array | null {
  if (sequence >= maxSegments) return null;
  const bytes = new Uint8Array(segmentPackets * packetBytes);
  for (let index = 0; index < segmentPackets; index++) {
    const packet = stream[sequence * segmentPackets + index];
    if (packet) bytes.set(packet.bytes, index * packetBytes);
  }
  return bytes;
}

/**
 * Adds 5 to the continuity counter of the first video packet after the middle of the segment: the packet
 * after it resumes the count, so the analyser counts one error.
 */
function corruptOneCounter(bytes: Uint8Array): void {
  const middle = Math.floor(bytes.length / packetBytes / 2) * packetBytes;
  for (let at = middle; at < bytes.length; at += packetBytes) {
    const pid = (((bytes[at + 1] ?? 0) & 0x1f) << 8) | (bytes[at + 2] ?? 0);
    if (pid !== testPids.video) continue;
    const control = bytes[at + 3] ?? 0;
    bytes[at + 3] = (control & 0xf0) | ((control + 5) & 0x0f);
    return;
  }
}
