/** Streams an incident's evidence file (thumbnail, clip) from the path the monitor gives. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ApiLogger } from './api-logger.js';
import { notFound } from './api-error.js';

const contentTypes: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ts': 'video/mp2t',
  '.m2ts': 'video/mp2t',
  '.mp4': 'video/mp4',
  '.mkv': 'video/x-matroska',
};

export function evidenceContentType(path: string, kind: 'thumbnail' | 'clip'): string {
  return contentTypes[extname(path).toLowerCase()] ?? (kind === 'thumbnail' ? 'image/jpeg' : 'video/mp2t');
}

/** 404 when the file is gone (pruned, or never written); the caller has checked the incident exists. */
export async function sendEvidenceFile(
  response: ServerResponse,
  path: string | null,
  kind: 'thumbnail' | 'clip',
  logger: ApiLogger,
): Promise<void> {
  const info = path === null ? null : await stat(path).catch(() => null);
  if (path === null || info === null || !info.isFile()) throw notFound(`${kind} evidence`);
  response.writeHead(200, {
    'content-type': evidenceContentType(path, kind),
    'content-length': info.size,
    // Evidence never changes once written, but it is pruned: let clients keep it briefly, privately.
    'cache-control': 'private, max-age=300',
    'x-content-type-options': 'nosniff',
  });
  try {
    await pipeline(createReadStream(path), response);
  } catch (error) {
    // Headers are out: all that can be done is to cut the connection, so the client sees a short body.
    // A client that leaves early is no failure.
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_STREAM_PREMATURE_CLOSE')
      logger.warn({ err: error, kind }, 'evidence file stream failed');
    response.destroy();
  }
}
