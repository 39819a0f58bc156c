/**
 * PostgreSQL for tests: the server named by STREAMQC_TEST_POSTGRES_URL, one fresh schema per use, dropped
 * afterwards, so parallel test runs on one database never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const postgresTestUrlEnv = 'STREAMQC_TEST_POSTGRES_URL';

/** The server to test against, or null (the tests then skip and say why, once). */
export function postgresTestUrl(): string | null {
  const url = process.env[postgresTestUrlEnv];
  return url === undefined || url === '' ? null : url;
}

export const postgresSkipReason = `${postgresTestUrlEnv} is not set: PostgreSQL tests skipped`;

export interface TestSchema {
  readonly url: string;
  readonly schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** A name for a schema that does not exist yet; the store creates it on open. */
export function testSchema(url: string): TestSchema {
  const schema = `streamqc_test_${randomBytes(6).toString('hex')}`;
  return {
    url,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
