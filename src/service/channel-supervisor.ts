/**
 * Runs one channel's worker process and keeps it running: restarts it when it dies (with backoff when it
 * keeps dying) and kills it when it stops sending heartbeats (a hung decoder). Every exit is classified:
 * stopped by us, failed to start, died later, or killed by the watchdog.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { InputPolicy } from '../media/input-policy.js';
import type { StreamLimits } from '../media/stream-limits.js';
import type { ChannelSpec } from './model.js';
import { isFromWorker, type FromWorker, type ToWorker } from './worker-messages.js';

export type ExitKind = 'stopped' | 'failed-to-start' | 'died' | 'hung' | 'memory-limit';

export interface SupervisorOptions {
  readonly channel: ChannelSpec;
  readonly detectorIds: readonly string[];
  readonly connectTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly maxRestartBackoffMs: number;
  readonly inputPolicy: InputPolicy;
  readonly streamLimits: StreamLimits;
  /** Cluster mode: this process's worker id, put before each session id. */
  readonly sessionPrefix?: string;
  /** Resident memory a worker may use; its heartbeat reports it, and one over the limit is killed. */
  readonly memoryLimitMb: number;
  readonly logger: Logger;
  readonly onMessage: (message: FromWorker) => void;
  readonly onExit: (kind: ExitKind, detail: string) => void;
}

/**
 * A small young generation: a worker's garbage is mostly short-lived chunk objects, and V8's default 16 MB
 * semi-spaces cost about 30 MB of RSS per channel for no measurable CPU (README, Performance).
 */
const workerV8Flags = ['--max-semi-space-size=1'];

/** The worker entry: compiled JavaScript in production, TypeScript through tsx under the tests. */
function workerEntry(): { path: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return { path: fileURLToPath(new URL('./channel-worker-main.ts', here)), execArgv: ['--import', 'tsx'] };
  }
  return { path: fileURLToPath(new URL('./channel-worker-main.js', here)), execArgv: [] };
}

/**
 * V8's own heap gets half the memory limit: the rest is FFmpeg's buffers and decoded pictures, outside
 * V8's reach, which is why the supervisor also watches the resident memory each heartbeat reports.
 */
function heapLimitArguments(memoryLimitMb: number): string[] {
  return [`--max-old-space-size=${Math.max(32, Math.floor(memoryLimitMb / 2))}`];
}

/** A worker that ran this long before dying is restarted at once; a crash loop backs off. */
const stableRunMs = 60_000;

export class ChannelSupervisor {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastSignOfLifeMs = 0;
  private startedAtMs = 0;
  private consecutiveFailures = 0;
  private killedByWatchdog = false;
  private killedForMemory: string | null = null;
  private sawMessage = false;
  restarts = 0;

  constructor(private readonly options: SupervisorOptions) {}

  start(): void {
    this.stopping = false;
    this.spawn();
  }

  /** Asks the worker to stop, then kills it if it has not exited after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.send(child, { type: 'stop' });
    });
  }

  /** Asks the worker to save a clip and thumbnail around an incident's onset. */
  captureEvidence(incidentId: string, onsetAtMs: number, directory: string): void {
    if (this.child) {
      this.send(this.child, {
        type: 'capture-evidence',
        incidentId,
        onsetAtMs,
        directory,
        secondsBefore: 5,
        secondsAfter: 5,
      });
    }
  }

  /** Kills the worker as if it had crashed (fault-injection tests and the watchdog use it). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child?.kill(signal);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): void {
    const { path, execArgv } = workerEntry();
    const child = fork(path, [], {
      execArgv: [...workerV8Flags, ...heapLimitArguments(this.options.memoryLimitMb), ...execArgv],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    this.startedAtMs = Date.now();
    this.lastSignOfLifeMs = Date.now();
    this.killedByWatchdog = false;
    this.killedForMemory = null;
    this.sawMessage = false;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
        this.options.logger.warn({ channel: this.options.channel.id, line }, 'worker stderr');
      }
    });
    child.on('message', (message: unknown) => {
      if (!isFromWorker(message)) {
        this.options.logger.error({ channel: this.options.channel.id }, 'malformed message from worker');
        return;
      }
      this.sawMessage = true;
      this.lastSignOfLifeMs = Date.now();
      if (message.type === 'heartbeat') this.checkMemory(child, message.rssMb);
      this.options.onMessage(message);
    });
    child.on('error', (error) => {
      this.options.logger.error(
        { channel: this.options.channel.id, err: error.message },
        'worker process error',
      );
    });
    child.on('exit', (code, signal) => this.handleExit(child, code, signal));
    this.send(child, {
      type: 'start',
      channel: this.options.channel,
      detectorIds: this.options.detectorIds,
      connectTimeoutMs: this.options.connectTimeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      inputPolicy: this.options.inputPolicy,
      streamLimits: this.options.streamLimits,
      ...(this.options.sessionPrefix ? { sessionPrefix: this.options.sessionPrefix } : {}),
    });
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = setInterval(
      () => this.checkHeartbeat(child),
      Math.min(1000, this.options.heartbeatTimeoutMs / 2),
    );
    this.watchdog.unref();
  }

  private send(child: ChildProcess, message: ToWorker): void {
    if (child.connected) child.send(message);
  }

  private checkHeartbeat(child: ChildProcess): void {
    if (child !== this.child || this.stopping) return;
    if (Date.now() - this.lastSignOfLifeMs > this.options.heartbeatTimeoutMs) {
      this.killedByWatchdog = true;
      this.options.logger.warn(
        { channel: this.options.channel.id },
        'worker stopped sending heartbeats: killing it',
      );
      child.kill('SIGKILL');
    }
  }

  private checkMemory(child: ChildProcess, rssMb: number): void {
    const limitMb = this.options.memoryLimitMb;
    if (child !== this.child || this.stopping || this.killedForMemory !== null || rssMb <= limitMb) return;
    this.killedForMemory = `resident memory ${rssMb} MB over the limit of ${limitMb} MB`;
    this.options.logger.warn(
      { channel: this.options.channel.id, rssMb, limitMb },
      'worker over its memory limit: killing it',
    );
    child.kill('SIGKILL');
  }

  private handleExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    if (this.watchdog) clearInterval(this.watchdog);
    this.child = null;
    if (this.stopping) {
      this.options.onExit('stopped', 'stopped by the monitor');
      return;
    }
    const kind: ExitKind = this.killedForMemory
      ? 'memory-limit'
      : this.killedByWatchdog
        ? 'hung'
        : this.sawMessage
          ? 'died'
          : 'failed-to-start';
    const detail = this.killedForMemory ?? (signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`);
    const ranMs = Date.now() - this.startedAtMs;
    this.consecutiveFailures = ranMs >= stableRunMs ? 1 : this.consecutiveFailures + 1;
    const delayMs = Math.min(this.options.maxRestartBackoffMs, 500 * 2 ** (this.consecutiveFailures - 1));
    this.options.logger.warn(
      { channel: this.options.channel.id, kind, detail, restartInMs: delayMs },
      'worker exited',
    );
    this.options.onExit(kind, detail);
    this.restarts += 1;
    this.restartTimer = setTimeout(() => {
      if (!this.stopping) this.spawn();
    }, delayMs);
  }
}
