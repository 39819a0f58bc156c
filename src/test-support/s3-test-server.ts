/**
 * A real S3-compatible server for the archive tests: s3rver on 127.0.0.1, files in a temporary folder,
 * one bucket. It can be stopped and started again on the same port with the same objects, to test
 * uploads that fail and are retried.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { ChunkRecord } from '../service/model.js';

/** s3rver's fixed credentials. */
export const s3TestCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export class S3TestServer {
  readonly bucket = 'streamqc-test';
  readonly #directory = mkdtempSync(join(tmpdir(), 'streamqc-s3-'));
  #server: S3rver | null = null;
  #port = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Starts on a free port the first time, on the same port afterwards. */
  async start(): Promise<void> {
    const server = new S3rver({
      port: this.#port,
      address: '127.0.0.1',
      silent: true,
      directory: this.#directory,
      configureBuckets: [{ name: this.bucket }],
    });
    const { port } = await server.run();
    this.#port = port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    await this.#server?.close();
    this.#server = null;
  }

  /** A client for this server; one attempt per request, so a test sees each failure. */
  client(): S3Client {
    return new S3Client({
      endpoint: this.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3TestCredentials,
      maxAttempts: 1,
    });
  }

  async listKeys(client: S3Client): Promise<string[]> {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: this.bucket }));
    return (listed.Contents ?? []).map((object) => object.Key ?? '').sort();
  }

  /** The rows in one archived object: gunzipped, one JSON document per line. */
  async readRecords(client: S3Client, key: string): Promise<ChunkRecord[]> {
    const object = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const gzipped = await object.Body?.transformToByteArray();
    if (!gzipped) throw new Error(`object ${key} has no body`);
    const text = gunzipSync(gzipped).toString('utf8');
    assertEndsWithNewline(text, key);
    return text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as ChunkRecord);
  }
}

function assertEndsWithNewline(text: string, key: string): void {
  if (!text.endsWith('\n')) throw new Error(`object ${key} is not NDJSON: no final newline`);
}
