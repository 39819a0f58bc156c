/**
 * A local live source for demos, tests and the load benchmark: plays a media file in a loop at real-time
 * speed to a URL FFmpeg can write, with timestamps that keep increasing across loops, as a real encoder's
 * would: MPEG-TS over udp:// or srt:// (caller, or `?mode=listener`), FLV to an RTMP server, or RTSP
 * (ANNOUNCE/RECORD) to an RTSP server that restreams it. Runs in its own process so the monitor's timing is its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { FormatContext, Log, Packet, type Stream } from 'node-av/lib';
import { AV_LOG_QUIET, AV_NOPTS_VALUE } from 'node-av/constants';

export interface LiveSender {
  readonly pid: number | undefined;
  /** Settles when the sender process ends (for example a caller that found no listener). */
  readonly exited: Promise<void>;
  /**
   * Resolves with the wall-clock ms at which the file's first packet was due (media time 0 of the first
   * loop), once the sender has opened its output: the soak run places the clip's faults on the wall clock.
   */
  readonly startedAtMs: Promise<number>;
  /** Stops sending (the source disappears). */
  close(): Promise<void>;
}

/** The container each kind of URL is written in. */
export type SenderFormat = 'mpegts' | 'flv' | 'rtsp';

export function startLiveSender(file: string, url: string, format: SenderFormat = 'mpegts'): LiveSender {
  const here = import.meta.url;
  const typescript = here.endsWith('.ts');
  const entry = fileURLToPath(new URL(typescript ? './live-sender-main.ts' : './live-sender-main.js', here));
  const child: ChildProcess = fork(entry, [file, url, format], {
    execArgv: typescript ? ['--import', 'tsx'] : [],
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const startedAtMs = new Promise<number>((resolve) => {
    child.on('message', (message: unknown) => {
      if (typeof message === 'object' && message !== null && 'startedAtMs' in message) {
        const value = (message as { startedAtMs: unknown }).startedAtMs;
        if (typeof value === 'number') resolve(value);
      }
    });
  });
  return {
    pid: child.pid,
    exited,
    startedAtMs,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    },
  };
}

/** The sender's loop (runs in the child process). */
export async function sendForever(file: string, url: string, format: SenderFormat = 'mpegts'): Promise<void> {
  Log.setLevel(AV_LOG_QUIET);
  const output = new FormatContext();
  if (output.allocOutputContext2(null, format, url) < 0) throw new Error(`cannot write ${format} to ${url}`);
  let input = await openFile(file);
  const outputStreams: Stream[] = [];
  for (const stream of input.streams) {
    const created = output.newStream(null);
    stream.codecpar.copy(created.codecpar);
    created.codecpar.codecTag = 0;
    created.timeBase = stream.timeBase;
    outputStreams.push(created);
  }
  // RTSP opens its own connections in writeHeader; the others write through an I/O context opened here.
  if ((format !== 'rtsp' && (await output.openOutput()) < 0) || (await output.writeHeader(null)) < 0)
    throw new Error(`cannot open ${url}`);
  const packet = new Packet();
  packet.alloc();
  const startedAtMs = Date.now();
  process.send?.({ startedAtMs });
  let loopOffsetSeconds = 0;
  let loopEndSeconds = 0;
  let firstSeconds: number | null = null;
  for (;;) {
    if ((await input.readFrame(packet)) < 0) {
      // Next loop: timestamps go on from where this one ended.
      loopOffsetSeconds = loopEndSeconds;
      await input.closeInput();
      input = await openFile(file);
      continue;
    }
    const source = input.streams[packet.streamIndex];
    const target = outputStreams[packet.streamIndex];
    if (!source || !target || packet.dts === AV_NOPTS_VALUE) {
      packet.unref();
      continue;
    }
    const dtsSeconds = (Number(packet.dts) * source.timeBase.num) / source.timeBase.den;
    firstSeconds ??= dtsSeconds;
    const mediaSeconds = loopOffsetSeconds + dtsSeconds - firstSeconds;
    const durationSeconds = (Number(packet.duration) * source.timeBase.num) / source.timeBase.den;
    loopEndSeconds = Math.max(loopEndSeconds, mediaSeconds + durationSeconds);
    const waitMs = startedAtMs + mediaSeconds * 1000 - Date.now();
    if (waitMs > 1) await sleep(waitMs);
    const shift = BigInt(Math.round(((loopOffsetSeconds - 0) * source.timeBase.den) / source.timeBase.num));
    if (packet.pts !== AV_NOPTS_VALUE) packet.pts += shift;
    packet.dts += shift;
    packet.streamIndex = target.index;
    packet.rescaleTs(source.timeBase, target.timeBase);
    await output.interleavedWriteFrame(packet);
    packet.unref();
  }
}

async function openFile(file: string): Promise<FormatContext> {
  const input = new FormatContext();
  input.allocContext();
  if ((await input.openInput(file, null, null)) < 0) throw new Error(`cannot open ${file}`);
  await input.findStreamInfo(null);
  return input;
}
