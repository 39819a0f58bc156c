/**
 * Drives the monitor from the leases: a channel runs here while this worker holds at least one of its tasks,
 * with the union of those tasks' detectors (one decode per channel and worker). Start on claim, stop on
 * loss; a hand-back is written only after the channel's worker process has stopped. Also the monitor's fence:
 * results of a channel whose lease is gone are dropped, even before the channel has been stopped.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ClusterConfig } from '../config/service-config.js';
import type { ChannelSpec } from '../service/model.js';
import { tasksOf, type ClusterTask } from './cluster-tasks.js';
import { LeaseCoordinator, type ClusterStatusView } from './lease-coordinator.js';
import { PgLeaseStore } from './pg-lease-store.js';

/** What this module needs of the monitor. */
export interface ChannelHost {
  knownChannels(): readonly ChannelSpec[];
  startChannel(id: string, detectorIds: readonly string[]): Promise<boolean>;
  stopChannel(id: string): Promise<boolean>;
}

export interface LeasedChannelsOptions {
  readonly cluster: ClusterConfig;
  /** Every detector this worker may run (the registry). */
  readonly allDetectorIds: readonly string[];
  /** `worker.maxChannels`: the most tasks this worker holds at once. */
  readonly maxChannels: number;
  readonly logger: Logger;
}

export function defaultWorkerId(): string {
  return `${hostname()}-${process.pid}`;
}

export class LeasedChannels {
  readonly workerId: string;
  private readonly store: PgLeaseStore;
  private readonly coordinator: LeaseCoordinator;
  private host: ChannelHost | null = null;
  /** Task id -> task, for every task of a known channel (refreshed each cycle). */
  private tasks = new Map<string, ClusterTask>();
  /** Tasks claimed and not yet released: what should run here. */
  private readonly wanted = new Set<string>();
  /** Channel id -> the detectors its running worker has. */
  private readonly running = new Map<string, readonly string[]>();
  /** Channel id -> the end of its last start/stop, so changes to one channel never interleave. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly options: LeasedChannelsOptions) {
    const { cluster } = options;
    this.workerId = cluster.workerId ?? defaultWorkerId();
    this.store = new PgLeaseStore({
      postgresUrl: cluster.postgresUrl,
      schema: cluster.schema,
      // A statement that hangs must not hold a round for a whole lease time.
      queryTimeoutMs: cluster.leaseSeconds * 500,
    });
    this.coordinator = new LeaseCoordinator({
      store: this.store,
      workerId: this.workerId,
      leaseSeconds: cluster.leaseSeconds,
      checkIntervalSeconds: cluster.checkIntervalSeconds,
      maxTasks: options.maxChannels,
      tasks: () => this.knownTaskIds(),
      logger: options.logger,
      events: {
        acquired: (task) => {
          this.wanted.add(task.taskId);
          void this.reconcile(this.channelOf(task.taskId));
        },
        released: async (taskId) => {
          this.wanted.delete(taskId);
          await this.reconcile(this.channelOf(taskId));
        },
      },
    });
  }

  /** Creates the tables when missing and joins the cluster; channels start as leases are claimed. */
  async start(host: ChannelHost): Promise<void> {
    this.host = host;
    try {
      await this.store.open();
      await this.coordinator.start();
    } catch (error) {
      await this.store.close().catch(() => undefined);
      throw error;
    }
    this.options.logger.info(
      { workerId: this.workerId, leaseSeconds: this.options.cluster.leaseSeconds },
      'cluster: joined',
    );
  }

  /** The fence: may this worker record results for the channel now? */
  mayRun(channelId: string): boolean {
    for (const taskId of this.wanted) {
      if (this.channelOf(taskId) === channelId && this.coordinator.holds(taskId)) return true;
    }
    return false;
  }

  /** The fencing tokens of the channel's held tasks, for a store that fences its writes. */
  tokens(channelId: string): { taskId: string; generation: number }[] {
    return [...this.wanted]
      .filter((taskId) => this.channelOf(taskId) === channelId)
      .map((taskId) => this.coordinator.token(taskId))
      .filter((token) => token !== null);
  }

  /** What the last lease round saw: held tasks, limit, live workers, unassigned tasks. */
  clusterStatus(): ClusterStatusView {
    return this.coordinator.status();
  }

  /** Stops every channel run here and hands its leases back, then leaves the cluster. */
  async close(): Promise<void> {
    await this.coordinator.close();
    await Promise.all([...this.chains.values()]);
    await this.store.close();
  }

  private knownTaskIds(): string[] {
    const specs = this.host?.knownChannels() ?? [];
    const groups = this.options.cluster.detectorGroups;
    this.tasks = new Map(
      specs
        .filter((spec) => spec.enabled)
        .flatMap((spec) => tasksOf(spec, groups, this.options.allDetectorIds))
        .map((task) => [task.taskId, task]),
    );
    return [...this.tasks.keys()];
  }

  private channelOf(taskId: string): string {
    return this.tasks.get(taskId)?.channelId ?? taskId.split('#')[0] ?? taskId;
  }

  /** Brings the channel's worker in line with the tasks wanted here: start, stop, or restart with other detectors. */
  private reconcile(channelId: string): Promise<void> {
    const next = (this.chains.get(channelId) ?? Promise.resolve()).then(async () => {
      const host = this.host;
      if (!host) return;
      const detectorIds = [
        ...new Set(
          [...this.wanted]
            .map((taskId) => this.tasks.get(taskId))
            .filter((task) => task?.channelId === channelId)
            .flatMap((task) => task?.detectorIds ?? []),
        ),
      ].sort();
      const current = this.running.get(channelId);
      if (current && current.join() === detectorIds.join()) return;
      if (current) {
        await host.stopChannel(channelId);
        this.running.delete(channelId);
      }
      if (detectorIds.length > 0 && (await host.startChannel(channelId, detectorIds))) {
        this.running.set(channelId, detectorIds);
      }
    });
    const settled = next.catch((error: unknown) => {
      this.options.logger.error(
        { channel: channelId, err: error instanceof Error ? error.message : String(error) },
        'cluster: cannot start or stop channel',
      );
    });
    this.chains.set(channelId, settled);
    return settled;
  }
}
