/**
 * `npm run accuracy`: recall and precision per detector on the generated fault corpus, and events per hour
 * on the real clips of ../shared/media (STREAMQC_REAL_MEDIA), written to docs/ACCURACY.md.
 *
 * Corpus: an expected event is found when the same detector (and channel) reports an event within 0.5 s of
 * its start and end. Detections of detectors a fixture lists in `alsoAllowed` (side effects of the fault,
 * such as true peak over a clipped tone) are neither counted right nor wrong. Real clips: every event is a
 * false alarm unless it is listed below as a condition the clip really has, with the reason.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { analyzeFile, realMediaDirectory } from '../src/test-support/analyze.js';
import { detectors } from '../src/detectors/registry.js';
import { fixturePath, fixtures as corpusFixtures, type ExpectedEvent } from '../src/synth/fixtures.js';
import { variantFixtures } from '../src/synth/fixtures-variants.js';

const fixtures = [...corpusFixtures, ...variantFixtures];
import type { ReportEvent } from '../src/pipeline/event-collector.js';

const toleranceSeconds = 0.5;

/** Conditions the real clips really have: such events are true, not false alarms. */
const realConditions: readonly {
  clip: string;
  detector: string;
  reason: string;
  channel?: (c: number | undefined) => boolean;
}[] = [
  {
    clip: 'boswars-speech-01.wav',
    detector: 'clipping',
    reason: 'two runs of 5 full-scale samples at 6.31 s',
  },
  {
    clip: 'bbb-1080p-30s.mp4',
    detector: 'silence',
    reason: 'LFE and surround channels are digitally silent for long stretches',
    channel: (c) => c !== undefined,
  },
  {
    clip: 'chid-5.1-spoken.mp4',
    detector: 'silence',
    reason: 'channel identification: each channel speaks in turn, the others are silent',
    channel: (c) => c !== undefined,
  },
  {
    clip: 'boswars-intro.ogv',
    detector: 'loudness',
    reason: 'mastered at about -11 LUFS, 12 LU over the EBU R128 target',
  },
  { clip: 'boswars-intro.ogv', detector: 'true-peak', reason: 'peaks above full scale (+0.5 dBTP)' },
  { clip: 'cockatoo.mp4', detector: 'silence', reason: 'its MP3 track is digital silence' },
  // Loudness and true peak as FFmpeg's ebur128 filter measures them (src/detectors/loudness/ffmpeg-reference.test.ts).
  {
    clip: 'asterisk-demo-echotest.wav',
    detector: 'loudness',
    reason: 'integrated -19.8 LUFS (FFmpeg), 3.2 LU over target',
  },
  {
    clip: 'boswars-speech-01.wav',
    detector: 'loudness',
    reason: 'integrated -16.6 LUFS (FFmpeg), 6.4 LU over target',
  },
  {
    clip: 'chid-5.1-spoken.mp4',
    detector: 'loudness',
    reason: 'integrated -18.3 LUFS (FFmpeg), 4.7 LU over target',
  },
  {
    clip: 'bbb-1080p-30s.mp4',
    detector: 'true-peak',
    reason: 'true peak -0.83 dBTP (FFmpeg), over the -1 dBTP limit',
  },
  {
    clip: 'boswars-speech-01.wav',
    detector: 'true-peak',
    reason: 'true peak +0.04 dBTP (FFmpeg), over the -1 dBTP limit',
  },
];

interface Tally {
  expected: number;
  found: number;
  detected: number;
  correct: number;
  sideEffects: number;
  timingErrors: number[];
}

function matches(event: ReportEvent, expected: ExpectedEvent): boolean {
  return (
    event.detector === expected.detector &&
    event.channel === expected.channel &&
    Math.abs(event.startSeconds - expected.startSeconds) <= toleranceSeconds &&
    Math.abs(event.endSeconds - expected.endSeconds) <= toleranceSeconds
  );
}

const tallies = new Map<string, Tally>(
  detectors.map((d) => [
    d.id,
    { expected: 0, found: 0, detected: 0, correct: 0, sideEffects: 0, timingErrors: [] },
  ]),
);
const corpusRows: string[] = [];

for (const fixture of fixtures) {
  const report = await analyzeFile(await fixturePath(fixture.name));
  const matched = new Set<ReportEvent>();
  for (const expected of fixture.expected) {
    const tally = tallies.get(expected.detector);
    if (!tally) continue;
    tally.expected += 1;
    const hit = report.events.find((event) => !matched.has(event) && matches(event, expected));
    if (hit) {
      matched.add(hit);
      tally.found += 1;
      tally.timingErrors.push(
        Math.max(
          Math.abs(hit.startSeconds - expected.startSeconds),
          Math.abs(hit.endSeconds - expected.endSeconds),
        ),
      );
    }
  }
  for (const event of report.events) {
    const tally = tallies.get(event.detector);
    if (!tally) continue;
    if (matched.has(event)) {
      tally.detected += 1;
      tally.correct += 1;
    } else if ((fixture.alsoAllowed ?? []).includes(event.detector)) {
      tally.sideEffects += 1;
    } else {
      tally.detected += 1;
    }
  }
  const extra = report.events
    .filter((e) => !matched.has(e))
    .map(
      (e) =>
        `${e.detector}${e.channel === undefined ? '' : ` ch${e.channel}`} ${e.startSeconds}-${e.endSeconds}`,
    );
  corpusRows.push(
    `| ${fixture.name} | ${fixture.expected.length} | ${matched.size} | ${extra.join('; ') || '-'} |`,
  );
  process.stderr.write(`corpus ${fixture.name}: ${matched.size}/${fixture.expected.length}\n`);
}

const directory = realMediaDirectory();
const realRows: string[] = [];
const falseAlarms = new Map<string, number>();
let realSeconds = 0;
if (directory) {
  for (const clip of readdirSync(directory)
    .filter((name) => !name.endsWith('.md'))
    .sort()) {
    const report = await analyzeFile(join(directory, clip));
    realSeconds += report.durationSeconds;
    const wrong: string[] = [];
    const known: string[] = [];
    for (const event of report.events) {
      const condition = realConditions.find(
        (c) => c.clip === clip && c.detector === event.detector && (c.channel?.(event.channel) ?? true),
      );
      const label = `${event.detector}${event.channel === undefined ? '' : ` ch${event.channel}`} ${event.startSeconds}-${event.endSeconds}`;
      if (condition) known.push(label);
      else {
        wrong.push(label);
        falseAlarms.set(event.detector, (falseAlarms.get(event.detector) ?? 0) + 1);
      }
    }
    realRows.push(
      `| ${clip} | ${report.durationSeconds.toFixed(1)} | ${wrong.join('; ') || '-'} | ${known.length} |`,
    );
    process.stderr.write(`real ${clip}: ${wrong.length} false alarm(s)\n`);
  }
}

const hours = realSeconds / 3600;
const detectorRows = detectors.map((d) => {
  const t = tallies.get(d.id);
  if (!t) return '';
  const recall = t.expected ? (t.found / t.expected).toFixed(2) : 'n/a';
  const precision = t.detected ? (t.correct / t.detected).toFixed(2) : 'n/a';
  const worst = t.timingErrors.length ? Math.max(...t.timingErrors).toFixed(3) : '-';
  const alarms = falseAlarms.get(d.id) ?? 0;
  const perHour = directory ? `${alarms} (${hours > 0 ? (alarms / hours).toFixed(0) : '0'}/h)` : 'not run';
  return `| ${d.id} | ${t.found}/${t.expected} | ${recall} | ${t.correct}/${t.detected} | ${precision} | ${worst} | ${t.sideEffects} | ${perHour} |`;
});

const markdown = `# Accuracy

Written by \`npm run accuracy\` (${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'}). Do not edit by hand.

Fault corpus: ${fixtures.length} generated clips with injected faults and known truth: the ${corpusFixtures.length} hand-made ones that
\`npm test\` also runs, and ${variantFixtures.length} seeded random variants (src/synth/fixtures-variants.ts: position, length, picture size,
container, level and frequency vary).
An expected event is found when the same detector (and channel) reports it within ${toleranceSeconds} s of its
true start and end. Side effects are detections a fixture allows but does not label (e.g. true peak over a
clipped tone): counted neither way. Real content: ${(realSeconds / 60).toFixed(1)} minutes of clips from
../shared/media${directory ? '' : ' (not found: not run)'}; an event there is a false alarm unless the clip really has that
condition (listed below). With this little real content, "per hour" is an extrapolation of a few events.

| detector | found / expected | recall | correct / detected | precision | worst timing error (s) | side effects | false alarms on real content |
|---|---|---|---|---|---|---|---|
${detectorRows.join('\n')}

## Fault corpus

| fixture | expected | found | other events |
|---|---|---|---|
${corpusRows.join('\n')}

## Real content

| clip | seconds | false alarms | real conditions reported |
|---|---|---|---|
${realRows.join('\n')}

Real conditions accepted as true:
${realConditions.map((c) => `- ${c.clip}: ${c.detector}: ${c.reason}`).join('\n')}
`;
writeFileSync(join(import.meta.dirname, '..', 'docs', 'ACCURACY.md'), markdown);
process.stdout.write(markdown);
