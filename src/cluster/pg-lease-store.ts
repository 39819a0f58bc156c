/**
 * The lease tables in PostgreSQL and every statement on them. Expiry is on the database's clock (`now()`), so
 * workers' clocks never have to agree; claims lock rows with `FOR UPDATE SKIP LOCKED`, so two workers
 * claiming at once never take the same task and never wait on each other. Every claim bumps the task's
 * `generation` (the fencing token): a renewal or release names the generation it holds, so a worker that
 * lost a task can never renew or release the next owner's lease.
 */
import pg from 'pg';
import { StreamqcError } from '../errors/streamqc-error.js';
import { redactUrl } from '../service/model.js';

/** A task this worker holds: the generation it claimed (fencing token). */
export interface HeldTask {
  readonly taskId: string;
  readonly generation: number;
}

export interface ClusterCensus {
  /** Workers whose heartbeat is younger than the lease time, this one included. */
  readonly liveWorkers: number;
  /** Every task in the table (all workers' channels). */
  readonly tasks: number;
  /** Each live worker's most tasks (`worker.maxChannels`); Infinity for a worker that did not say. */
  readonly capacities: readonly number[];
}

export interface LeaseStoreOptions {
  readonly postgresUrl: string;
  /** PostgreSQL schema of the two tables (created when missing). */
  readonly schema: string;
  /** A statement that takes longer fails (the caller retries on its next cycle). */
  readonly queryTimeoutMs: number;
}

const identifierPattern = /^[a-z_][a-z0-9_]{0,62}$/;

export function isSchemaName(name: string): boolean {
  return identifierPattern.test(name);
}

interface TaskRow {
  readonly task_id: string;
  readonly generation: string;
}

function toHeld(rows: readonly TaskRow[]): HeldTask[] {
  return rows.map((row) => ({ taskId: row.task_id, generation: Number(row.generation) }));
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class PgLeaseStore {
  private readonly pool: pg.Pool;
  private readonly workers: string;
  private readonly leases: string;

  constructor(private readonly options: LeaseStoreOptions) {
    if (!isSchemaName(options.schema)) {
      throw new StreamqcError('BAD_CONFIG', `cluster.schema: '${options.schema}' is not a plain SQL name`);
    }
    this.pool = new pg.Pool({
      connectionString: options.postgresUrl,
      max: 2,
      connectionTimeoutMillis: options.queryTimeoutMs,
      query_timeout: options.queryTimeoutMs,
    });
    // An idle connection that breaks must not crash the process: the next statement reconnects.
    this.pool.on('error', () => undefined);
    this.workers = `"${options.schema}".streamqc_workers`;
    this.leases = `"${options.schema}".streamqc_leases`;
  }

  /** Creates the schema and tables when missing; fails with one line naming the (redacted) URL. */
  async open(): Promise<void> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw new StreamqcError(
        'COORDINATION_UNAVAILABLE',
        `cluster: cannot connect to PostgreSQL at ${redactUrl(this.options.postgresUrl)}: ${describeError(error)}`,
      );
    });
    try {
      await client.query('BEGIN');
      // Workers starting together would race on CREATE ... IF NOT EXISTS; one at a time.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('streamqc-cluster-schema'))`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.options.schema}"`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.workers} (
        worker_id text PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL)`);
      // Added after the first release: tables made by older versions get the column here.
      await client.query(`ALTER TABLE ${this.workers} ADD COLUMN IF NOT EXISTS max_tasks integer`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.leases} (
        task_id text PRIMARY KEY,
        owner text,
        generation bigint NOT NULL DEFAULT 0,
        expires_at timestamptz,
        claimed_at timestamptz,
        renewed_at timestamptz)`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new StreamqcError(
        'COORDINATION_UNAVAILABLE',
        `cluster: cannot create the lease tables in schema '${this.options.schema}': ${describeError(error)}`,
      );
    } finally {
      client.release();
    }
  }

  /**
   * Registers the worker with the most tasks it takes (or refreshes its heartbeat). `fresh` also frees the
   * leases a previous process with the same worker id left behind, so a restarted worker takes them back
   * without waiting for expiry.
   */
  async heartbeat(workerId: string, maxTasks: number, fresh = false): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.workers} (worker_id, heartbeat_at, max_tasks) VALUES ($1, now(), $2)
       ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = now(), max_tasks = $2`,
      [workerId, Number.isFinite(maxTasks) ? maxTasks : null],
    );
    if (fresh) {
      await this.pool.query(`UPDATE ${this.leases} SET owner = NULL, expires_at = NULL WHERE owner = $1`, [
        workerId,
      ]);
    }
  }

  async census(leaseSeconds: number): Promise<ClusterCensus> {
    const result = await this.pool.query<{ capacities: (number | null)[]; tasks: string }>(
      `SELECT (SELECT coalesce(array_agg(max_tasks), '{}') FROM ${this.workers}
                WHERE heartbeat_at > now() - make_interval(secs => $1)) AS capacities,
              (SELECT count(*) FROM ${this.leases}) AS tasks`,
      [leaseSeconds],
    );
    const row = result.rows[0];
    const capacities = (row?.capacities ?? []).map((max) => max ?? Number.POSITIVE_INFINITY);
    return { liveWorkers: capacities.length, tasks: Number(row?.tasks ?? 0), capacities };
  }

  /** Adds tasks that are not in the table yet (existing ones keep their owner). */
  async addTasks(taskIds: readonly string[]): Promise<void> {
    if (taskIds.length === 0) return;
    await this.pool.query(
      `INSERT INTO ${this.leases} (task_id) SELECT unnest($1::text[]) ON CONFLICT (task_id) DO NOTHING`,
      [taskIds],
    );
  }

  /** Takes up to `limit` free or expired tasks among `candidates`; each comes with its new generation. */
  async claim(
    workerId: string,
    candidates: readonly string[],
    limit: number,
    leaseSeconds: number,
  ): Promise<HeldTask[]> {
    if (limit <= 0 || candidates.length === 0) return [];
    const result = await this.pool.query<TaskRow>(
      `WITH free AS (
         SELECT task_id FROM ${this.leases}
         WHERE task_id = ANY($2::text[]) AND (owner IS NULL OR expires_at <= now())
         ORDER BY task_id
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       UPDATE ${this.leases} AS l
       SET owner = $1, generation = l.generation + 1, expires_at = now() + make_interval(secs => $4),
           claimed_at = now(), renewed_at = now()
       FROM free WHERE l.task_id = free.task_id
       RETURNING l.task_id, l.generation`,
      [workerId, candidates, limit, leaseSeconds],
    );
    return toHeld(result.rows);
  }

  /** Extends the leases still held (same owner and generation, not expired); returns those extended. */
  async renew(workerId: string, held: readonly HeldTask[], leaseSeconds: number): Promise<HeldTask[]> {
    if (held.length === 0) return [];
    const result = await this.pool.query<TaskRow>(
      `UPDATE ${this.leases} SET expires_at = now() + make_interval(secs => $4), renewed_at = now()
       WHERE owner = $1 AND expires_at > now()
         AND (task_id, generation) IN (SELECT * FROM unnest($2::text[], $3::bigint[]))
       RETURNING task_id, generation`,
      [workerId, held.map((t) => t.taskId), held.map((t) => t.generation), leaseSeconds],
    );
    return toHeld(result.rows);
  }

  /** Hands tasks back at once (only those this worker still holds at that generation). */
  async release(workerId: string, held: readonly HeldTask[]): Promise<void> {
    if (held.length === 0) return;
    await this.pool.query(
      `UPDATE ${this.leases} SET owner = NULL, expires_at = NULL
       WHERE owner = $1 AND (task_id, generation) IN (SELECT * FROM unnest($2::text[], $3::bigint[]))`,
      [workerId, held.map((t) => t.taskId), held.map((t) => t.generation)],
    );
  }

  /** Removes the worker from the census (graceful stop), and workers silent for an hour. */
  async deregister(workerId: string): Promise<void> {
    await this.pool.query(
      `DELETE FROM ${this.workers} WHERE worker_id = $1 OR heartbeat_at < now() - interval '1 hour'`,
      [workerId],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
