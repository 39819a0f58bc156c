/**
 * The dashboard's static files: a fixed list of names (nothing else can be asked for, so no path from a
 * request ever reaches the file system) and where they live. The folder sits beside this module: under
 * `src/web/static` when run through tsx, `dist/web/static` once built (`scripts/copy-web.mjs` copies it).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface WebAsset {
  readonly fileName: string;
  readonly contentType: string;
}

const html = 'text/html; charset=utf-8';
const script = 'text/javascript; charset=utf-8';

export const webPages: readonly WebAsset[] = [
  { fileName: 'index.html', contentType: html },
  { fileName: 'channel.html', contentType: html },
  { fileName: 'incidents.html', contentType: html },
];

/** Served under `/static/`. */
export const webStaticFiles: readonly WebAsset[] = [
  { fileName: 'dashboard.css', contentType: 'text/css; charset=utf-8' },
  { fileName: 'common.js', contentType: script },
  { fileName: 'charts.js', contentType: script },
  { fileName: 'grid.js', contentType: script },
  { fileName: 'channel.js', contentType: script },
  { fileName: 'incidents.js', contentType: script },
];

/** Reads one listed asset; the file is small and read per request so an edit shows on reload. */
export function readWebAsset(asset: WebAsset): Promise<Buffer> {
  return readFile(fileURLToPath(new URL(`./static/${asset.fileName}`, import.meta.url)));
}
