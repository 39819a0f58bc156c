/**
 * An m3u8 parser (RFC 8216) for the tags delivery checks need: multivariant playlists (EXT-X-STREAM-INF
 * with BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, CODECS, FRAME-RATE, and EXT-X-MEDIA) and media playlists
 * (EXT-X-TARGETDURATION, EXT-X-MEDIA-SEQUENCE, EXT-X-DISCONTINUITY-SEQUENCE, EXT-X-DISCONTINUITY, EXTINF,
 * EXT-X-BYTERANGE, EXT-X-ENDLIST, EXT-X-PLAYLIST-TYPE). Other tags are skipped.
 *
 * Playlists come from the network, so the text is hostile: the parser never throws, bounds what it keeps
 * (text size, segments, variants, problems), and says what was wrong as one-line problems with the line
 * number. A problem in one tag drops that tag (or segment), not the playlist; only text that is not a
 * playlist at all (no #EXTM3U, too large, both kinds of tags, no target duration) gives `playlist: null`.
 */
import {
  clip,
  decimalFloat,
  decimalInteger,
  decimalResolution,
  parseAttributeList,
  type AttributeList,
} from './attribute-list.js';

export interface ByteRange {
  readonly lengthBytes: number;
  readonly offsetBytes: number;
}

export interface MediaSegment {
  /** As written in the playlist (relative to the playlist's URL). */
  readonly uri: string;
  readonly durationSeconds: number;
  /** Media sequence number. */
  readonly sequence: number;
  /** Preceded by EXT-X-DISCONTINUITY. */
  readonly discontinuity: boolean;
  readonly discontinuitySequence: number;
  readonly byteRange: ByteRange | null;
}

export interface MediaPlaylist {
  readonly kind: 'media';
  readonly targetDurationSeconds: number;
  readonly mediaSequence: number;
  readonly discontinuitySequence: number;
  readonly endList: boolean;
  readonly playlistType: 'VOD' | 'EVENT' | null;
  readonly segments: readonly MediaSegment[];
}

export interface VariantStream {
  readonly uri: string;
  readonly bandwidthBps: number;
  readonly averageBandwidthBps: number | null;
  readonly resolution: { readonly width: number; readonly height: number } | null;
  readonly codecs: string | null;
  readonly frameRate: number | null;
  readonly audioGroup: string | null;
  readonly videoGroup: string | null;
}

export interface MediaRendition {
  readonly type: 'AUDIO' | 'VIDEO' | 'SUBTITLES' | 'CLOSED-CAPTIONS';
  readonly groupId: string;
  readonly name: string;
  readonly language: string | null;
  /** Null when the rendition is carried in the variant's own segments. */
  readonly uri: string | null;
  readonly isDefault: boolean;
}

export interface MultivariantPlaylist {
  readonly kind: 'multivariant';
  readonly variants: readonly VariantStream[];
  readonly renditions: readonly MediaRendition[];
}

export type Playlist = MediaPlaylist | MultivariantPlaylist;

export interface ParseResult {
  /** Null when the text is not a usable playlist (the first problem says why). */
  readonly playlist: Playlist | null;
  /** One line each, with the playlist line number where there is one. */
  readonly problems: readonly string[];
}

export const playlistLimits = {
  /** A live playlist of a few thousand segments is about 300 kB; larger text is refused. */
  maxChars: 4 * 1024 * 1024,
  maxSegments: 50_000,
  maxVariants: 1_000,
  maxRenditions: 1_000,
  maxProblems: 20,
} as const;

const renditionTypes = ['AUDIO', 'VIDEO', 'SUBTITLES', 'CLOSED-CAPTIONS'] as const;

class ProblemList {
  readonly lines: string[] = [];
  private dropped = 0;

  add(line: number, message: string): void {
    if (this.lines.length < playlistLimits.maxProblems)
      this.lines.push(line > 0 ? `line ${line}: ${message}` : message);
    else this.dropped += 1;
  }

  result(): string[] {
    return this.dropped > 0 ? [...this.lines, `and ${this.dropped} more problems`] : this.lines;
  }
}

/** Reads one playlist; never throws. */
export function parsePlaylist(text: string): ParseResult {
  if (typeof text !== 'string') return { playlist: null, problems: ['playlist is not text'] };
  if (text.length > playlistLimits.maxChars) {
    return {
      playlist: null,
      problems: [`playlist is ${text.length} characters, over the ${playlistLimits.maxChars} limit`],
    };
  }
  const lines = text.split(/\r?\n/);
  const first = (lines[0] ?? '').replace(/^\uFEFF/, '').trim();
  if (first !== '#EXTM3U')
    return { playlist: null, problems: [`line 1: not a playlist: '${clip(first, 0)}'`] };
  const problems = new ProblemList();
  const reader = new PlaylistReader(problems);
  for (let index = 1; index < lines.length; index++) reader.line((lines[index] ?? '').trim(), index + 1);
  const playlist = reader.finish();
  return { playlist, problems: problems.result() };
}

class PlaylistReader {
  private readonly segments: MediaSegment[] = [];
  private readonly variants: VariantStream[] = [];
  private readonly renditions: MediaRendition[] = [];
  private targetDurationSeconds: number | null = null;
  private mediaSequence = 0;
  /** EXT-X-DISCONTINUITY-SEQUENCE as declared (that of the first segment). */
  private discontinuitySequence = 0;
  /** That of the segment being read: the declared one plus the discontinuity tags so far. */
  private currentDiscontinuitySequence = 0;
  private endList = false;
  private playlistType: MediaPlaylist['playlistType'] = null;
  private sawMediaTag = false;
  private sawUri = false;
  /** Tags that apply to the next URI line. */
  private pendingDuration: number | null = null;
  private pendingDiscontinuity = false;
  private pendingRange: { lengthBytes: number; offsetBytes: number | null } | null = null;
  private pendingVariant: Omit<VariantStream, 'uri'> | null = null;
  private lastRange: { uri: string; endBytes: number } | null = null;
  private droppedSegments = 0;
  /** The URI after a variant that was refused. */
  private skipNextUri = false;

  constructor(private readonly problems: ProblemList) {}

  line(line: string, number: number): void {
    if (line === '') return;
    if (!line.startsWith('#')) {
      this.uri(line, number);
      return;
    }
    if (!line.startsWith('#EXT')) return; // a comment
    const colon = line.indexOf(':');
    const tag = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    switch (tag) {
      case '#EXT-X-TARGETDURATION':
        this.sawMediaTag = true;
        this.targetDurationSeconds = this.integer(value, tag, number) ?? this.targetDurationSeconds;
        return;
      case '#EXT-X-MEDIA-SEQUENCE':
        this.sawMediaTag = true;
        if (this.sawUri) this.problems.add(number, `${tag} after the first segment is ignored`);
        else this.mediaSequence = this.integer(value, tag, number) ?? 0;
        return;
      case '#EXT-X-DISCONTINUITY-SEQUENCE':
        this.sawMediaTag = true;
        if (this.sawUri) this.problems.add(number, `${tag} after the first segment is ignored`);
        else {
          this.discontinuitySequence = this.integer(value, tag, number) ?? 0;
          this.currentDiscontinuitySequence = this.discontinuitySequence;
        }
        return;
      case '#EXT-X-DISCONTINUITY':
        this.sawMediaTag = true;
        this.pendingDiscontinuity = true;
        return;
      case '#EXTINF': {
        this.sawMediaTag = true;
        const duration = decimalFloat(value.split(',')[0]?.trim());
        if (duration === null)
          this.problems.add(number, `EXTINF duration '${clip(value, 0)}' is not a number`);
        this.pendingDuration = duration;
        return;
      }
      case '#EXT-X-BYTERANGE':
        this.sawMediaTag = true;
        this.byteRange(value, number);
        return;
      case '#EXT-X-ENDLIST':
        this.sawMediaTag = true;
        this.endList = true;
        return;
      case '#EXT-X-PLAYLIST-TYPE':
        this.sawMediaTag = true;
        if (value === 'VOD' || value === 'EVENT') this.playlistType = value;
        else this.problems.add(number, `EXT-X-PLAYLIST-TYPE '${clip(value, 0)}' is not VOD or EVENT`);
        return;
      case '#EXT-X-STREAM-INF':
        this.streamInf(value, number);
        return;
      case '#EXT-X-MEDIA':
        this.media(value, number);
        return;
      default:
        return;
    }
  }

  finish(): Playlist | null {
    const isMultivariant = this.variants.length > 0 || this.renditions.length > 0 || this.pendingVariant;
    if (this.pendingVariant) this.problems.add(0, 'EXT-X-STREAM-INF at the end without a URI');
    if (this.droppedSegments > 0)
      this.problems.add(
        0,
        `${this.droppedSegments} segments over the ${playlistLimits.maxSegments} limit ignored`,
      );
    if (isMultivariant && this.sawMediaTag) {
      this.problems.add(0, 'both multivariant (EXT-X-STREAM-INF, EXT-X-MEDIA) and media playlist tags');
      return null;
    }
    if (isMultivariant) return { kind: 'multivariant', variants: this.variants, renditions: this.renditions };
    if (this.targetDurationSeconds === null) {
      this.problems.add(0, 'media playlist without EXT-X-TARGETDURATION');
      return null;
    }
    if (this.pendingDuration !== null) this.problems.add(0, 'EXTINF at the end without a URI');
    return {
      kind: 'media',
      targetDurationSeconds: this.targetDurationSeconds,
      mediaSequence: this.mediaSequence,
      discontinuitySequence: this.discontinuitySequence,
      endList: this.endList,
      playlistType: this.playlistType,
      segments: this.segments,
    };
  }

  private uri(uri: string, number: number): void {
    if (this.skipNextUri) {
      this.skipNextUri = false;
      return;
    }
    if (this.pendingVariant) {
      if (this.variants.length < playlistLimits.maxVariants)
        this.variants.push({ ...this.pendingVariant, uri });
      else this.problems.add(number, `variants over the ${playlistLimits.maxVariants} limit ignored`);
      this.pendingVariant = null;
      return;
    }
    const durationSeconds = this.pendingDuration;
    const pendingRange = this.pendingRange;
    const discontinuity = this.pendingDiscontinuity;
    this.pendingDuration = null;
    this.pendingRange = null;
    if (durationSeconds === null) {
      this.problems.add(number, `URI '${clip(uri, 0)}' without EXTINF ignored`);
      return;
    }
    this.sawUri = true;
    this.pendingDiscontinuity = false;
    if (discontinuity) this.currentDiscontinuitySequence += 1;
    let byteRange: ByteRange | null = null;
    if (pendingRange) {
      const offsetBytes =
        pendingRange.offsetBytes ?? (this.lastRange?.uri === uri ? this.lastRange.endBytes : null);
      if (offsetBytes === null) this.problems.add(number, 'EXT-X-BYTERANGE without offset after another URI');
      else {
        byteRange = { lengthBytes: pendingRange.lengthBytes, offsetBytes };
        this.lastRange = { uri, endBytes: offsetBytes + pendingRange.lengthBytes };
      }
    } else this.lastRange = null;
    if (this.segments.length >= playlistLimits.maxSegments) {
      this.droppedSegments += 1;
      return;
    }
    this.segments.push({
      uri,
      durationSeconds,
      sequence: this.mediaSequence + this.segments.length,
      discontinuity,
      discontinuitySequence: this.currentDiscontinuitySequence,
      byteRange,
    });
  }

  private byteRange(value: string, number: number): void {
    const match = /^(\d{1,15})(?:@(\d{1,15}))?$/.exec(value.trim());
    if (!match) {
      this.problems.add(number, `EXT-X-BYTERANGE '${clip(value, 0)}' is not length[@offset]`);
      return;
    }
    this.pendingRange = {
      lengthBytes: Number(match[1]),
      offsetBytes: match[2] === undefined ? null : Number(match[2]),
    };
  }

  private streamInf(value: string, number: number): void {
    const attributes = this.attributes(value, 'EXT-X-STREAM-INF', number);
    if (this.pendingVariant) this.problems.add(number, 'EXT-X-STREAM-INF without a URI before the next one');
    const bandwidthBps = decimalInteger(attributes.values.get('BANDWIDTH'));
    if (bandwidthBps === null) {
      this.problems.add(number, 'EXT-X-STREAM-INF without a valid BANDWIDTH: variant ignored');
      this.pendingVariant = null;
      this.skipNextUri = true;
      return;
    }
    const frameRate = decimalFloat(attributes.values.get('FRAME-RATE'));
    const resolutionText = attributes.values.get('RESOLUTION');
    const resolution = decimalResolution(resolutionText);
    if (resolutionText !== undefined && resolution === null)
      this.problems.add(number, `RESOLUTION '${clip(resolutionText, 0)}' is not WIDTHxHEIGHT`);
    this.pendingVariant = {
      bandwidthBps,
      averageBandwidthBps: decimalInteger(attributes.values.get('AVERAGE-BANDWIDTH')),
      resolution,
      codecs: attributes.values.get('CODECS') ?? null,
      frameRate,
      audioGroup: attributes.values.get('AUDIO') ?? null,
      videoGroup: attributes.values.get('VIDEO') ?? null,
    };
  }

  private media(value: string, number: number): void {
    const attributes = this.attributes(value, 'EXT-X-MEDIA', number);
    const type = renditionTypes.find((known) => known === attributes.values.get('TYPE'));
    const groupId = attributes.values.get('GROUP-ID');
    const name = attributes.values.get('NAME');
    if (!type || groupId === undefined || name === undefined) {
      this.problems.add(number, 'EXT-X-MEDIA needs TYPE, GROUP-ID and NAME: ignored');
      return;
    }
    if (this.renditions.length >= playlistLimits.maxRenditions) {
      this.problems.add(number, `EXT-X-MEDIA over the ${playlistLimits.maxRenditions} limit ignored`);
      return;
    }
    this.renditions.push({
      type,
      groupId,
      name,
      language: attributes.values.get('LANGUAGE') ?? null,
      uri: attributes.values.get('URI') ?? null,
      isDefault: attributes.values.get('DEFAULT') === 'YES',
    });
  }

  private attributes(value: string, tag: string, number: number): AttributeList {
    const attributes = parseAttributeList(value);
    if (attributes.problem) this.problems.add(number, `${tag}: ${attributes.problem}`);
    return attributes;
  }

  private integer(value: string, tag: string, number: number): number | null {
    const parsed = decimalInteger(value.trim());
    if (parsed === null) this.problems.add(number, `${tag} '${clip(value, 0)}' is not a decimal integer`);
    return parsed;
  }
}

/** A URI of a playlist resolved against the playlist's own URL; null when it cannot be. */
export function resolveUri(uri: string, baseUrl: string): string | null {
  try {
    return new URL(uri, baseUrl).toString();
  } catch {
    return null;
  }
}
