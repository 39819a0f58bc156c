/**
 * Where an archived batch lives in the bucket, and which batch a chunk belongs to. Pure functions, UTC.
 */

/** `a/b/` and `/a/b` both become `a/b`; an empty prefix stays empty. */
export function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

/** The start of the archive period that holds `timeMs` (periods are aligned to the Unix epoch). */
export function periodStartMs(timeMs: number, periodMs: number): number {
  return Math.floor(timeMs / periodMs) * periodMs;
}

const twoDigits = (value: number): string => String(value).padStart(2, '0');

/**
 * `<prefix>/<channel>/<yyyy>/<mm>/<dd>/<HH>/<channel>-<start-iso>.ndjson.gz`, with the date path and the
 * ISO time (milliseconds, UTC) both taken from `startMs`: the start of the batch's first record.
 */
export function archiveObjectKey(options: { prefix: string; channelId: string; startMs: number }): string {
  const start = new Date(options.startMs);
  const datePath = [
    String(start.getUTCFullYear()),
    twoDigits(start.getUTCMonth() + 1),
    twoDigits(start.getUTCDate()),
    twoDigits(start.getUTCHours()),
  ].join('/');
  const name = `${options.channelId}-${start.toISOString()}.ndjson.gz`;
  const prefix = normalizePrefix(options.prefix);
  return [prefix, options.channelId, datePath, name].filter((part) => part.length > 0).join('/');
}
