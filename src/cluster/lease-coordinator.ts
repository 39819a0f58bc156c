/**
 * One worker's side of the lease protocol (docs/SCALE-OUT.md): every check interval it refreshes its
 * heartbeat, adds the tasks it knows, renews what it holds, then claims or hands back tasks to reach its fair
 * share. It tells its owner (the channel placement) what it won and lost.
 *
 * Capacity: each worker holds at most `maxTasks` (`worker.maxChannels`), published with its heartbeat. The
 * fair share fills the workers evenly up to their limits (`fairShare`): ceil(tasks / live workers) when
 * nobody is near its limit, more for the others when some are. When the tasks outnumber what every live
 * worker may hold, the rest stay unassigned: logged, and in `status()` for the metrics and /readyz.
 *
 * Fencing: each lease has a local deadline on this process's monotonic clock, taken *before* the renewal
 * was sent, plus the lease time. The database's expiry is later than that deadline, and nobody can claim the
 * task before the database's expiry, so `holds()` turns false before any other worker can take over: a
 * paused process that resumes late sees its leases gone at once, before its next renewal is even tried.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { ClusterStatusView } from '../service/monitor-api.js';
import type { ClusterCensus, HeldTask, PgLeaseStore } from './pg-lease-store.js';

export type { ClusterStatusView };

export type LossReason =
  /** The local deadline passed without a successful renewal (database unreachable, process paused). */
  | 'expired'
  /** The renewal found the lease gone: it expired in the database and may belong to another worker now. */
  | 'taken'
  /** Handed back so a worker with fewer tasks can take it (fair share). */
  | 'rebalanced'
  /** Handed back because this worker is stopping. */
  | 'closing';

export interface LeaseEvents {
  /** A task was claimed: start its work. */
  acquired(task: HeldTask): void;
  /**
   * The task is no longer this worker's, or is being handed back. Resolves once its work has stopped; a
   * hand-back ('rebalanced', 'closing') is written to the database only after that.
   */
  released(taskId: string, reason: LossReason): Promise<void>;
}

export type LeaseStore = Pick<
  PgLeaseStore,
  'heartbeat' | 'census' | 'addTasks' | 'claim' | 'renew' | 'release' | 'deregister'
>;

export interface LeaseCoordinatorOptions {
  readonly store: LeaseStore;
  readonly workerId: string;
  readonly leaseSeconds: number;
  readonly checkIntervalSeconds: number;
  /** The tasks this worker can run (its known channels, per detector group), asked every cycle. */
  readonly tasks: () => readonly string[];
  readonly events: LeaseEvents;
  readonly logger: Logger;
  /** The most tasks this worker holds at once (`worker.maxChannels`); default: no limit. */
  readonly maxTasks?: number;
  /** Monotonic milliseconds (tests may pass their own). */
  readonly nowMs?: () => number;
}

/**
 * One worker's share of `tasks` among live workers with these capacities: the lowest level L such that the
 * workers, each taking min(capacity, L), hold every task; every worker's capacity when they cannot.
 */
export function fairShare(tasks: number, capacities: readonly number[], ownCapacity: number): number {
  const total = capacities.reduce((sum, capacity) => sum + capacity, 0);
  if (total <= tasks) return Math.min(ownCapacity, tasks);
  let level = Math.ceil(tasks / Math.max(1, capacities.length));
  while (capacities.reduce((sum, capacity) => sum + Math.min(capacity, level), 0) < tasks) level += 1;
  return Math.min(ownCapacity, level);
}

interface Lease {
  readonly task: HeldTask;
  /** Monotonic ms after which this worker must consider the lease gone. */
  deadlineMs: number;
  /** Being handed back: still renewed until its work has stopped, never counted towards the share. */
  releasing: boolean;
}

/** Local deadlines end this much before the lease time, for clock-rate differences between hosts. */
const clockMarginFraction = 0.02;

export class LeaseCoordinator {
  private readonly leases = new Map<string, Lease>();
  private readonly registeredTasks = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly nowMs: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private claimsAllowedAtMs = Number.POSITIVE_INFINITY;
  private closing = false;
  private failing = false;
  private readonly maxTasks: number;
  private census: ClusterCensus | null = null;
  private loggedUnassigned = 0;

  constructor(private readonly options: LeaseCoordinatorOptions) {
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.maxTasks = options.maxTasks ?? Number.POSITIVE_INFINITY;
  }

  /** Registers the worker; the first claim waits one interval so that workers started together see each other. */
  async start(): Promise<void> {
    await this.options.store.heartbeat(this.options.workerId, this.maxTasks, true);
    this.claimsAllowedAtMs = this.nowMs() + this.intervalMs();
    this.schedule();
  }

  /** True while this worker may run the task: held, and its local deadline not passed. */
  holds(taskId: string): boolean {
    const lease = this.leases.get(taskId);
    return lease !== undefined && lease.deadlineMs > this.nowMs();
  }

  /** The task's fencing token (generation) while it is held, for writes that must be fenced. */
  token(taskId: string): HeldTask | null {
    return this.holds(taskId) ? (this.leases.get(taskId)?.task ?? null) : null;
  }

  /** Resolves once every stop and hand-back started so far is done. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  heldTaskIds(): string[] {
    return [...this.leases.keys()].filter((id) => this.holds(id));
  }

  /** What the last round saw (zeros before the first). */
  status(): ClusterStatusView {
    const census = this.census;
    return {
      workerId: this.options.workerId,
      heldTasks: this.heldTaskIds().length,
      maxTasks: Number.isFinite(this.maxTasks) ? this.maxTasks : null,
      liveWorkers: census?.liveWorkers ?? 0,
      tasks: census?.tasks ?? 0,
      unassignedTasks: census ? unassignedOf(census) : 0,
    };
  }

  /** One round: heartbeat, new tasks, renewals, then claims or hand-backs. Never throws. */
  async cycle(): Promise<void> {
    this.running ??= this.runCycle().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops every task (awaited), hands all leases back, leaves the census. */
  async close(): Promise<void> {
    this.closing = true;
    await this.running;
    const handedBack = [...this.leases.values()].filter((lease) => !lease.releasing);
    for (const lease of handedBack) this.handBack(lease, 'closing');
    await this.settled();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.options.store.deregister(this.options.workerId).catch((error: unknown) => {
      this.options.logger.warn({ err: String(error) }, 'cluster: cannot leave the worker census');
    });
  }

  private intervalMs(): number {
    return this.options.checkIntervalSeconds * 1000;
  }

  private leaseMs(): number {
    return this.options.leaseSeconds * 1000 * (1 - clockMarginFraction);
  }

  /** Cycles keep running while closing, so leases stay renewed until their work has stopped. */
  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.cycle().then(() => {
        if (this.timer !== null) this.schedule();
      });
    }, this.intervalMs());
    this.timer.unref();
  }

  private async runCycle(): Promise<void> {
    this.dropExpired();
    const { store, workerId, leaseSeconds } = this.options;
    try {
      await store.heartbeat(workerId, this.maxTasks);
      const known = this.options.tasks();
      const unregistered = known.filter((id) => !this.registeredTasks.has(id));
      await store.addTasks(unregistered);
      for (const id of unregistered) this.registeredTasks.add(id);
      await this.renew();
      this.handBackUnknown(known);
      if (!this.closing) await this.balance(known);
      if (this.failing) this.options.logger.info({ workerId }, 'cluster: PostgreSQL reachable again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.options.logger.warn(
          { err: error instanceof Error ? error.message : String(error), workerId, leaseSeconds },
          'cluster: lease round failed; channels stop if it keeps failing for the lease time',
        );
      }
      this.failing = true;
    }
    this.dropExpired();
  }

  private async renew(): Promise<void> {
    const leases = [...this.leases.values()];
    const sentAtMs = this.nowMs();
    const renewed = await this.options.store.renew(
      this.options.workerId,
      leases.map((lease) => lease.task),
      this.options.leaseSeconds,
    );
    const still = new Set(renewed.map((task) => `${task.taskId}@${task.generation}`));
    for (const lease of leases) {
      if (this.leases.get(lease.task.taskId) !== lease) continue;
      if (still.has(`${lease.task.taskId}@${lease.task.generation}`)) {
        lease.deadlineMs = sentAtMs + this.leaseMs();
      } else {
        this.lose(lease, 'taken');
      }
    }
  }

  private async balance(known: readonly string[]): Promise<void> {
    const census = await this.options.store.census(this.options.leaseSeconds);
    this.census = census;
    this.reportUnassigned(census);
    const share = fairShare(census.tasks, census.capacities, this.maxTasks);
    const active = [...this.leases.values()].filter((lease) => !lease.releasing);
    if (active.length > share) {
      // Hand back the last ones by task id, so the same tasks tend to stay where they are.
      active.sort((a, b) => a.task.taskId.localeCompare(b.task.taskId));
      for (const lease of active.slice(share)) this.handBack(lease, 'rebalanced');
      return;
    }
    if (active.length === share || this.nowMs() < this.claimsAllowedAtMs) return;
    const candidates = known.filter((id) => !this.leases.has(id));
    const sentAtMs = this.nowMs();
    const claimed = await this.options.store.claim(
      this.options.workerId,
      candidates,
      share - active.length,
      this.options.leaseSeconds,
    );
    for (const task of claimed) {
      this.leases.set(task.taskId, { task, deadlineMs: sentAtMs + this.leaseMs(), releasing: false });
      this.options.logger.info(
        { workerId: this.options.workerId, task: task.taskId, generation: task.generation },
        'cluster: lease claimed',
      );
      this.options.events.acquired(task);
    }
  }

  /** Every live worker is full: say so once per change, not every round. */
  private reportUnassigned(census: ClusterCensus): void {
    const unassigned = unassignedOf(census);
    if (unassigned === this.loggedUnassigned) return;
    this.loggedUnassigned = unassigned;
    const figures = {
      workerId: this.options.workerId,
      unassigned,
      tasks: census.tasks,
      liveWorkers: census.liveWorkers,
    };
    if (unassigned > 0)
      this.options.logger.warn(
        figures,
        'cluster: every live worker is full (worker.maxChannels): channels left unassigned',
      );
    else this.options.logger.info(figures, 'cluster: every channel has room on a worker again');
  }

  /** A task whose channel was removed here is handed back (another worker that still knows it may take it). */
  private handBackUnknown(known: readonly string[]): void {
    const knownIds = new Set(known);
    for (const lease of this.leases.values()) {
      if (!lease.releasing && !knownIds.has(lease.task.taskId)) this.handBack(lease, 'rebalanced');
    }
  }

  private dropExpired(): void {
    const now = this.nowMs();
    for (const lease of this.leases.values()) if (lease.deadlineMs <= now) this.lose(lease, 'expired');
  }

  /** The lease is gone already: forget it and stop its work (nothing to write back). */
  private lose(lease: Lease, reason: 'expired' | 'taken'): void {
    this.leases.delete(lease.task.taskId);
    this.options.logger.warn(
      { workerId: this.options.workerId, task: lease.task.taskId, generation: lease.task.generation, reason },
      'cluster: lease lost',
    );
    this.track(this.options.events.released(lease.task.taskId, reason));
  }

  /** Stops the task's work, then frees the lease in the database so another worker can claim it at once. */
  private handBack(lease: Lease, reason: 'rebalanced' | 'closing'): void {
    lease.releasing = true;
    this.options.logger.info(
      { workerId: this.options.workerId, task: lease.task.taskId, reason },
      'cluster: handing lease back',
    );
    this.track(
      this.options.events.released(lease.task.taskId, reason).then(async () => {
        if (this.leases.get(lease.task.taskId) !== lease) return;
        this.leases.delete(lease.task.taskId);
        await this.options.store.release(this.options.workerId, [lease.task]);
      }),
    );
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      this.options.logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'cluster: stopping or handing back a task failed',
      );
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }
}

function unassignedOf(census: ClusterCensus): number {
  const capacity = census.capacities.reduce((sum, max) => sum + max, 0);
  return Math.max(0, census.tasks - capacity);
}
