/**
 * A local live source for demos, tests and the load benchmark: plays a media file in a loop at real-time
 * speed as MPEG-TS to a URL FFmpeg can write (udp://127.0.0.1:PORT), with timestamps that keep increasing
 * across loops, as a real encoder's would. Runs in its own process so the monitor's timing is its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { FormatContext, Log, Packet, type Stream } from 'node-av/lib';
import { AV_LOG_QUIET, AV_NOPTS_VALUE } from 'node-av/constants';

export interface LiveSender {
  readonly pid: number | undefined;
  /**
   * Resolves with the wall-clock ms at which the file's first packet was due (media time 0 of the first
   * loop), once the sender has opened its output: the soak run places the clip's faults on the wall clock.
   */
  readonly startedAtMs: Promise<number>;
  /** Stops sending (the source disappears). */
  close(): Promise<void>;
}

export function startLiveSender(file: string, url: string): LiveSender {
  const here = import.meta.url;
  const typescript = here.endsWith('.ts');
  const entry = fileURLToPath(new URL(typescript ? './live-sender-main.ts' : './live-sender-main.js', here));
  const child: ChildProcess = fork(entry, [file, url], {
    execArgv: typescript ? ['--import', 'tsx'] : [],
    stdio: 'ignore',
  });
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
export async function sendForever(file: string, url: string): Promise<void> {
  Log.setLevel(AV_LOG_QUIET);
  const output = new FormatContext();
  if (output.allocOutputContext2(null, 'mpegts', url) < 0) throw new Error(`cannot write MPEG-TS to ${url}`);
  let input = await openFile(file);
  const outputStreams: Stream[] = [];
  for (const stream of input.streams) {
    const created = output.newStream(null);
    stream.codecpar.copy(created.codecpar);
    created.codecpar.codecTag = 0;
    created.timeBase = stream.timeBase;
    outputStreams.push(created);
  }
  if ((await output.openOutput()) < 0 || (await output.writeHeader(null)) < 0)
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
