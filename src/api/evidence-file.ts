/**
 * Streams an incident's evidence file (thumbnail, clip) from the path the monitor gives, only when that file
 * really lies in the evidence folder: the path is resolved (`..`, symbolic links) and must stay inside the
 * folder's own resolved path, and the file is opened without following a link, so a path from a damaged
 * store or a link planted in the folder can never serve another file.
 */
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, isAbsolute, relative, sep } from 'node:path';
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

type OpenedEvidence =
  | { readonly kind: 'open'; readonly handle: FileHandle; readonly sizeBytes: number }
  | { readonly kind: 'missing' }
  | { readonly kind: 'outside' };

/** Opens `path` when it resolves to a regular file inside `directory` (resolved too). */
async function openInside(directory: string, path: string): Promise<OpenedEvidence> {
  const [root, file] = await Promise.all([
    realpath(directory).catch(() => null),
    realpath(path).catch(() => null),
  ]);
  if (root === null || file === null) return { kind: 'missing' };
  const inside = relative(root, file);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    return { kind: 'outside' };
  }
  // O_NOFOLLOW: a link swapped in after realpath makes the open fail instead of leaving the folder.
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (handle === null) return { kind: 'missing' };
  const info = await handle.stat().catch(() => null);
  if (info?.isFile() === true) return { kind: 'open', handle, sizeBytes: info.size };
  await handle.close();
  return { kind: 'missing' };
}

export interface EvidenceRequest {
  /** The evidence folder; a path outside it is answered 404 like a missing file. */
  readonly directory: string;
  /** What the monitor has stored for the incident, or null. */
  readonly path: string | null;
  readonly kind: 'thumbnail' | 'clip';
}

/**
 * 404 when the file is gone (pruned, or never written) or lies outside the evidence folder; the caller has
 * checked the incident exists. The answer never says which, nor names a path.
 */
export async function sendEvidenceFile(
  response: ServerResponse,
  { directory, path, kind }: EvidenceRequest,
  logger: ApiLogger,
): Promise<void> {
  const opened = path === null ? ({ kind: 'missing' } as const) : await openInside(directory, path);
  if (opened.kind === 'outside') logger.warn({ kind }, 'evidence path outside the evidence folder refused');
  if (path === null || opened.kind !== 'open') throw notFound(`${kind} evidence`);
  response.writeHead(200, {
    'content-type': evidenceContentType(path, kind),
    'content-length': opened.sizeBytes,
    // Evidence never changes once written, but it is pruned: let clients keep it briefly, privately.
    'cache-control': 'private, max-age=300',
    'x-content-type-options': 'nosniff',
  });
  try {
    await pipeline(opened.handle.createReadStream(), response);
  } catch (error) {
    // Headers are out: all that can be done is to cut the connection, so the client sees a short body.
    // A client that leaves early is no failure.
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_STREAM_PREMATURE_CLOSE')
      logger.warn({ err: error, kind }, 'evidence file stream failed');
    response.destroy();
  }
}
