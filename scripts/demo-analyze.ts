/**
 * `npm start`: makes a 20 s sample with known faults (black, frozen picture, a silent channel, clipping)
 * and analyses it with every detector, as `streamqc analyze` would.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/cli/cli.js';
import { writeClip } from '../src/synth/clip-writer.js';
import { fixtureDirectory } from '../src/synth/fixtures.js';
import { audioSpec } from '../src/synth/fixture-parts.js';
import { clippedTone, drawFlat, drawMovingPattern, programmeSound } from '../src/synth/patterns.js';

const path = join(fixtureDirectory, 'demo-sample.mp4');
const fps = 25;
const sampleRate = 48_000;
const between = (t: number, start: number, end: number) => t >= start && t < end;

if (!existsSync(path)) {
  mkdirSync(fixtureDirectory, { recursive: true });
  await writeClip({
    path,
    container: 'mp4',
    durationSeconds: 20,
    video: {
      width: 640,
      height: 360,
      framesPerSecond: fps,
      codec: 'libx264',
      draw(index, planes) {
        const t = index / fps;
        if (between(t, 3, 6)) drawFlat(planes, 16);
        else drawMovingPattern(planes, between(t, 9, 14) ? 9 * fps : index);
      },
    },
    audio: audioSpec((index, channel) => {
      const t = index / sampleRate;
      if (channel === 1 && between(t, 15, 18)) return 0;
      return between(t, 11, 12)
        ? clippedTone(index, sampleRate, 220, 2)
        : programmeSound(index, sampleRate, channel);
    }),
  });
}
process.stdout.write(
  'sample with injected faults: black 3-6 s, frozen picture 9-14 s, clipping 11-12 s, right channel silent 15-18 s\n' +
    `$ streamqc analyze ${path}\n\n`,
);
process.exitCode = await main(['analyze', path, ...process.argv.slice(2)]);
