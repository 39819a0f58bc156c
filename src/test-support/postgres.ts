/**
 * The PostgreSQL that tests use: `STREAMQC_TEST_POSTGRES_URL`, unset means the tests skip with one line.
 * Each test gets its own schema, dropped at the end, so runs never collide.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const postgresUrlEnv = 'STREAMQC_TEST_POSTGRES_URL';

/** The skip message when no test PostgreSQL is configured, or false. */
export function postgresSkip(): string | false {
  return process.env[postgresUrlEnv]
    ? false
    : `${postgresUrlEnv} is not set (e.g. postgres://streamqc:streamqc@127.0.0.1:5432/streamqc_test)`;
}

export interface TestSchema {
  readonly url: string;
  readonly schema: string;
  /** Runs one statement (test checks and fault injection). */
  query<Row extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

export async function createTestSchema(prefix: string): Promise<TestSchema> {
  const url = process.env[postgresUrlEnv];
  if (!url) throw new Error(`${postgresUrlEnv} is not set`);
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE SCHEMA "${schema}"`);
  return {
    url,
    schema,
    async query<Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []) {
      return (await client.query<Row>(sql, values)).rows;
    },
    async drop() {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}
