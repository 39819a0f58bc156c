/**
 * The demo's channels: one-minute clips with faults on a schedule, played in a loop at real-time speed, so
 * a new user sees incidents within a minute of `npm start`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeClip } from './clip-writer.js';
import { audioSpec } from './fixture-parts.js';
import { clippedTone, drawFlat, drawMovingPattern, programmeSound } from './patterns.js';

export interface DemoChannel {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly faults: string;
}

const fps = 25;
const sampleRate = 48_000;
/** Each demo clip's length: its faults come back at the same offsets every loop. */
export const demoLoopSeconds = 60;
const between = (t: number, from: number, to: number) => t >= from && t < to;

/** Seconds [from, to) of each loop where a fault is injected (the soak run counts the incidents). */
export interface DemoSchedule {
  readonly black?: readonly [number, number];
  readonly frozen?: readonly [number, number];
  readonly silentAll?: readonly [number, number];
  readonly silentRight?: readonly [number, number];
  readonly clipped?: readonly [number, number];
}

export const demoSchedules: readonly { id: string; name: string; faults: string; schedule: DemoSchedule }[] =
  [
    {
      id: 'news',
      name: 'News (black 20-28 s of each minute)',
      faults: 'black 20-28 s',
      schedule: { black: [20, 28] },
    },
    {
      id: 'sport',
      name: 'Sport (dead 30-45 s: frozen and silent)',
      faults: 'frozen picture and silence 30-45 s',
      schedule: { frozen: [30, 45], silentAll: [30, 45] },
    },
    {
      id: 'music',
      name: 'Music (right channel silent 8-22 s, clipping 40-46 s)',
      faults: 'right channel silent 8-22 s, clipping 40-46 s',
      schedule: { silentRight: [8, 22], clipped: [40, 46] },
    },
  ];

function inside(t: number, span: readonly [number, number] | undefined): boolean {
  return span !== undefined && between(t, span[0], span[1]);
}

export async function prepareDemoChannels(directory: string): Promise<DemoChannel[]> {
  mkdirSync(directory, { recursive: true });
  const channels: DemoChannel[] = [];
  for (const { id, name, faults, schedule } of demoSchedules) {
    const file = join(directory, `demo-${id}.ts`);
    if (!existsSync(file)) {
      await writeClip({
        path: file,
        container: 'mpegts',
        durationSeconds: demoLoopSeconds,
        video: {
          width: 320,
          height: 180,
          framesPerSecond: fps,
          codec: 'libx264',
          draw(index, planes) {
            const t = index / fps;
            if (inside(t, schedule.black)) drawFlat(planes, 16);
            else
              drawMovingPattern(
                planes,
                inside(t, schedule.frozen) ? (schedule.frozen?.[0] ?? 0) * fps : index,
              );
          },
        },
        audio: audioSpec((index, channel) => {
          const t = index / sampleRate;
          if (inside(t, schedule.silentAll) || (channel === 1 && inside(t, schedule.silentRight))) return 0;
          return inside(t, schedule.clipped)
            ? clippedTone(index, sampleRate, 220, 2)
            : programmeSound(index, sampleRate, channel);
        }),
      });
    }
    channels.push({ id, name, file, faults });
  }
  return channels;
}
