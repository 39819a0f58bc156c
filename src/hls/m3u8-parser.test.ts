import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parsePlaylist, playlistLimits, resolveUri, type MediaPlaylist } from './m3u8-parser.js';

/** Runs per property: STREAMQC_FUZZ_RUNS (until the shared fuzz-runs convention lands), 300 by default. */
const fuzzRuns = Number(process.env.STREAMQC_FUZZ_RUNS ?? '') || 300;

const multivariantText = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English, main",LANGUAGE="en",DEFAULT=YES,URI="audio/en.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=1280000,AVERAGE-BANDWIDTH=1000000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2",FRAME-RATE=25.000,AUDIO="aud"
low/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080
high/index.m3u8
`;

const mediaText = `#EXTM3U
#EXT-X-VERSION:4
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:100
#EXT-X-DISCONTINUITY-SEQUENCE:7
#EXTINF:4.000,
s100.ts
#EXT-X-DISCONTINUITY
#EXTINF:3.5,title
s101.ts
#EXTINF:4,
#EXT-X-BYTERANGE:1000@0
all.ts
#EXT-X-BYTERANGE:500
#EXTINF:4,
all.ts
#EXT-X-ENDLIST
`;

describe('parsePlaylist', () => {
  it('reads a multivariant playlist: variants with their attributes and EXT-X-MEDIA', () => {
    const { playlist, problems } = parsePlaylist(multivariantText);
    assert.deepEqual(problems, []);
    assert.equal(playlist?.kind, 'multivariant');
    if (playlist?.kind !== 'multivariant') return;
    assert.equal(playlist.variants.length, 2);
    assert.deepEqual(playlist.variants[0], {
      uri: 'low/index.m3u8',
      bandwidthBps: 1_280_000,
      averageBandwidthBps: 1_000_000,
      resolution: { width: 640, height: 360 },
      codecs: 'avc1.4d401e,mp4a.40.2',
      frameRate: 25,
      audioGroup: 'aud',
      videoGroup: null,
    });
    assert.equal(playlist.variants[1]?.resolution?.height, 1080);
    assert.deepEqual(playlist.renditions, [
      {
        type: 'AUDIO',
        groupId: 'aud',
        name: 'English, main',
        language: 'en',
        uri: 'audio/en.m3u8',
        isDefault: true,
      },
    ]);
  });

  it('reads a media playlist: sequences, discontinuities, byte ranges, end', () => {
    const { playlist, problems } = parsePlaylist(mediaText);
    assert.deepEqual(problems, []);
    assert.equal(playlist?.kind, 'media');
    if (playlist?.kind !== 'media') return;
    assert.equal(playlist.targetDurationSeconds, 4);
    assert.equal(playlist.mediaSequence, 100);
    assert.equal(playlist.discontinuitySequence, 7, 'as declared: that of the first segment');
    assert.equal(playlist.endList, true);
    assert.deepEqual(
      playlist.segments.map((s) => [s.sequence, s.durationSeconds, s.discontinuity, s.discontinuitySequence]),
      [
        [100, 4, false, 7],
        [101, 3.5, true, 8],
        [102, 4, false, 8],
        [103, 4, false, 8],
      ],
    );
    assert.deepEqual(playlist.segments[2]?.byteRange, { lengthBytes: 1000, offsetBytes: 0 });
    assert.deepEqual(playlist.segments[3]?.byteRange, { lengthBytes: 500, offsetBytes: 1000 });
  });

  it('refuses what is not a playlist with one clear problem', () => {
    assert.deepEqual(parsePlaylist('<html>nope</html>'), {
      playlist: null,
      problems: ["line 1: not a playlist: '<html>nope</html>'"],
    });
    assert.equal(
      parsePlaylist('#EXTM3U\n#EXTINF:1,\na.ts\n').problems[0],
      'media playlist without EXT-X-TARGETDURATION',
    );
    const huge = `#EXTM3U\n${'#'.repeat(playlistLimits.maxChars)}`;
    assert.match(parsePlaylist(huge).problems[0] ?? '', /over the \d+ limit/);
  });

  it('drops a bad tag with its line number and keeps the rest', () => {
    const { playlist, problems } = parsePlaylist(
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:abc,\nbad.ts\n#EXTINF:2,\ngood.ts\n',
    );
    assert.deepEqual(problems, [
      "line 3: EXTINF duration 'abc,' is not a number",
      "line 4: URI 'bad.ts' without EXTINF ignored",
    ]);
    assert.equal(playlist?.kind === 'media' ? playlist.segments.length : -1, 1);
  });

  it('resolves URIs against the playlist URL, null when impossible', () => {
    assert.equal(resolveUri('../b/c.ts', 'http://h/x/y/p.m3u8'), 'http://h/x/b/c.ts');
    assert.equal(resolveUri('c.ts', 'not a url'), null);
  });
});

/** A media playlist as a model, written out as m3u8 text. */
interface SegmentModel {
  readonly durationMs: number;
  readonly discontinuity: boolean;
  readonly rangeLength: number | null;
}

function writeMediaPlaylist(
  target: number,
  mediaSequence: number,
  discontinuitySequence: number,
  segments: readonly SegmentModel[],
  endList: boolean,
): string {
  const lines = [
    '#EXTM3U',
    `#EXT-X-TARGETDURATION:${target}`,
    `#EXT-X-MEDIA-SEQUENCE:${mediaSequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitySequence}`,
  ];
  segments.forEach((segment, index) => {
    if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXTINF:${(segment.durationMs / 1000).toFixed(3)},`);
    if (segment.rangeLength !== null) lines.push(`#EXT-X-BYTERANGE:${segment.rangeLength}@0`);
    lines.push(`seg-${index}.ts`);
  });
  if (endList) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

const segmentModel = fc.record({
  durationMs: fc.integer({ min: 0, max: 20_000 }),
  discontinuity: fc.boolean(),
  rangeLength: fc.option(fc.integer({ min: 1, max: 1e9 }), { nil: null }),
});

const tagNames = [
  '#EXTM3U',
  '#EXTINF:',
  '#EXT-X-TARGETDURATION:',
  '#EXT-X-MEDIA-SEQUENCE:',
  '#EXT-X-DISCONTINUITY-SEQUENCE:',
  '#EXT-X-DISCONTINUITY',
  '#EXT-X-BYTERANGE:',
  '#EXT-X-ENDLIST',
  '#EXT-X-STREAM-INF:',
  '#EXT-X-MEDIA:',
  '#EXT-X-PLAYLIST-TYPE:',
];
/** Lines that look like playlist lines with hostile values. */
const hostileLine = fc.oneof(
  fc.string(),
  fc.tuple(fc.constantFrom(...tagNames), fc.string()).map(([tag, value]) => tag + value),
  fc
    .tuple(
      fc.constantFrom('#EXT-X-STREAM-INF:', '#EXT-X-MEDIA:'),
      fc.array(fc.tuple(fc.constantFrom('BANDWIDTH', 'TYPE', 'NAME', 'URI', 'RESOLUTION', 'x'), fc.string())),
    )
    .map(([tag, pairs]) => tag + pairs.map(([name, value]) => `${name}=${value}`).join(',')),
);

describe('parsePlaylist properties', () => {
  it('reads back every media playlist it is given, without problems', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(segmentModel, { maxLength: 30 }),
        fc.boolean(),
        (target, mediaSequence, discontinuitySequence, segments, endList) => {
          const text = writeMediaPlaylist(target, mediaSequence, discontinuitySequence, segments, endList);
          const { playlist, problems } = parsePlaylist(text);
          assert.deepEqual(problems, []);
          assert.equal(playlist?.kind, 'media');
          const media = playlist as MediaPlaylist;
          assert.equal(media.targetDurationSeconds, target);
          assert.equal(media.endList, endList);
          assert.equal(media.mediaSequence, mediaSequence);
          assert.equal(media.discontinuitySequence, discontinuitySequence);
          let expectedDiscontinuitySequence = discontinuitySequence;
          assert.deepEqual(
            media.segments.map((s) => [
              s.sequence,
              Math.round(s.durationSeconds * 1000),
              s.discontinuity,
              s.discontinuitySequence,
              s.byteRange?.lengthBytes ?? null,
            ]),
            segments.map((s, index) => {
              if (s.discontinuity) expectedDiscontinuitySequence += 1;
              return [
                mediaSequence + index,
                s.durationMs,
                s.discontinuity,
                expectedDiscontinuitySequence,
                s.rangeLength,
              ];
            }),
          );
        },
      ),
      { numRuns: fuzzRuns },
    );
  });

  it('never throws on hostile text and keeps its problems short and bounded', () => {
    fc.assert(
      fc.property(fc.array(hostileLine, { maxLength: 40 }), fc.boolean(), (lines, header) => {
        const text = (header ? ['#EXTM3U', ...lines] : lines).join('\n');
        const { playlist, problems } = parsePlaylist(text);
        assert.ok(problems.length <= playlistLimits.maxProblems + 1);
        for (const problem of problems) {
          assert.equal(typeof problem, 'string');
          assert.ok(!problem.includes('\n'), problem);
          assert.ok(problem.length < 200, problem);
        }
        if (playlist === null) assert.ok(problems.length > 0, 'a refused playlist says why');
        if (playlist?.kind === 'media')
          for (const segment of playlist.segments) assert.ok(Number.isFinite(segment.durationSeconds));
        if (playlist?.kind === 'multivariant')
          for (const variant of playlist.variants) assert.ok(Number.isSafeInteger(variant.bandwidthBps));
      }),
      { numRuns: fuzzRuns },
    );
  });
});
