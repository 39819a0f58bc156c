/**
 * The rendition the picture and sound detectors decode: one variant of a multivariant playlist, chosen by
 * configuration, and its media playlist URL. Every variant is still checked at playlist and segment level.
 */
import { StreamqcError } from '../errors/streamqc-error.js';
import { boundedFetch } from './bounded-fetch.js';
import type { RenditionChoice } from './hls-config.js';
import { parsePlaylist, resolveUri, type MultivariantPlaylist, type VariantStream } from './m3u8-parser.js';

/** Index of the chosen variant; -1 when the playlist has none. Ties keep the first listed. */
export function chooseVariant(variants: readonly VariantStream[], choice: RenditionChoice): number {
  if (variants.length === 0) return -1;
  if (typeof choice === 'object' && 'index' in choice) return Math.min(choice.index, variants.length - 1);
  const score = (variant: VariantStream): number => {
    if (choice === 'highest') return variant.bandwidthBps;
    if (choice === 'lowest') return -variant.bandwidthBps;
    return -Math.abs(variant.bandwidthBps - choice.bandwidthBps);
  };
  let best = 0;
  variants.forEach((variant, index) => {
    const bestVariant = variants[best];
    if (bestVariant && score(variant) > score(bestVariant)) best = index;
  });
  return best;
}

/** The media playlist URL to decode for `url`: itself for a media playlist, the chosen variant's otherwise. */
export function chosenMediaPlaylistUrl(
  playlist: MultivariantPlaylist,
  url: string,
  choice: RenditionChoice,
): string | null {
  const variant = playlist.variants[chooseVariant(playlist.variants, choice)];
  return variant ? resolveUri(variant.uri, url) : null;
}

/**
 * Fetches `url` and says which media playlist to decode. Throws a retryable `CONNECT_FAILED` when the
 * playlist cannot be fetched and `INPUT_UNSUPPORTED` when it is not a playlist.
 */
export async function resolveRenditionUrl(
  url: string,
  choice: RenditionChoice,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal },
): Promise<string> {
  const result = await boundedFetch(
    url,
    { timeoutMs: options.timeoutMs, maxBytes: 4 * 1024 * 1024 },
    options,
  );
  if (!result.ok) throw new StreamqcError('CONNECT_FAILED', `playlist ${result.reason}`);
  const parsed = parsePlaylist(new TextDecoder().decode(result.bytes));
  if (!parsed.playlist)
    throw new StreamqcError(
      'INPUT_UNSUPPORTED',
      `not an HLS playlist: ${parsed.problems[0] ?? 'unreadable'}`,
    );
  if (parsed.playlist.kind === 'media') return url;
  const chosen = chosenMediaPlaylistUrl(parsed.playlist, url, choice);
  if (!chosen) throw new StreamqcError('INPUT_UNSUPPORTED', 'multivariant playlist without a usable variant');
  return chosen;
}

/** Whether a channel URL is an HLS playlist (by its path: .m3u8 or .m3u, any query string). */
export function isHlsUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && /\.m3u8?$/i.test(parsed.pathname);
  } catch {
    return false;
  }
}
