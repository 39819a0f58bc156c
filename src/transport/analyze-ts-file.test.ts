import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeClip } from '../synth/clip-writer.js';
import { dropTsVideoPackets, fixturePath } from '../synth/fixtures.js';
import { drawMovingPattern, programmeSound } from '../synth/patterns.js';
import { analyzeTsFile } from './analyze-ts-file.js';
import { nullPid, packetBytes, patPid } from './ts-constants.js';

const nonZero = (counts: Readonly<Record<string, number>>) =>
  Object.fromEntries(Object.entries(counts).filter(([, value]) => value !== 0));

interface PacketInfo {
  readonly pid: number;
  readonly unitStart: boolean;
  readonly hasPcr: boolean;
  /** PCR time of the last PCR at or before the packet, from the first PCR. */
  readonly seconds: number;
}

/** Header facts and PCR time of every packet of an aligned TS. */
function describePackets(data: Uint8Array): PacketInfo[] {
  const infos: PacketInfo[] = [];
  let firstPcr: number | null = null;
  let seconds = 0;
  for (let offset = 0; offset + packetBytes <= data.length; offset += packetBytes) {
    const b = data.subarray(offset, offset + packetBytes);
    const hasPcr = ((b[3] ?? 0) & 0x20) !== 0 && (b[4] ?? 0) >= 7 && ((b[5] ?? 0) & 0x10) !== 0;
    if (hasPcr) {
      const pcr =
        ((b[6] ?? 0) * 2 ** 25 +
          (b[7] ?? 0) * 2 ** 17 +
          (b[8] ?? 0) * 2 ** 9 +
          (b[9] ?? 0) * 2 +
          ((b[10] ?? 0) >> 7)) *
        300;
      firstPcr ??= pcr;
      seconds = (pcr - firstPcr) / 27e6;
    }
    infos.push({
      pid: (((b[1] ?? 0) & 0x1f) << 8) | (b[2] ?? 0),
      unitStart: ((b[1] ?? 0) & 0x40) !== 0,
      hasPcr,
      seconds,
    });
  }
  return infos;
}

describe('analyzeTsFile on TS written by FFmpeg', () => {
  let directory = '';
  let cleanPath = '';
  let clean: Buffer = Buffer.alloc(0);

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'streamqc-ts-'));
    cleanPath = join(directory, 'clean.ts');
    await writeClip({
      path: cleanPath,
      container: 'mpegts',
      durationSeconds: 5,
      video: {
        width: 320,
        height: 240,
        framesPerSecond: 25,
        codec: 'libx264',
        draw: (index, planes) => drawMovingPattern(planes, index),
      },
      audio: {
        sampleRate: 48_000,
        channels: 2,
        codec: 'aac',
        fill(start, out) {
          out.forEach((samples, channel) => {
            for (let i = 0; i < samples.length; i++) samples[i] = programmeSound(start + i, 48_000, channel);
          });
        },
      },
    });
    clean = await readFile(cleanPath);
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('finds no error in the clean offset-start fixture (timestamps from 1000 s)', async () => {
    const report = await analyzeTsFile(await fixturePath('offset-start.ts'));
    assert.deepEqual(nonZero(report.summary.counts), {});
    assert.deepEqual(report.events, []);
    assert.equal(report.summary.referencePcrPid, 0x100);
    assert.ok(Math.abs(report.summary.durationSeconds - 9) < 0.1, `${report.summary.durationSeconds}`);
    assert.deepEqual(report.warnings, []);
  });

  it('finds no error in a clean clip and exactly the injected ones after edits', async () => {
    assert.deepEqual(nonZero((await analyzeTsFile(cleanPath)).summary.counts), {});
    const infos = describePackets(clean);
    const videoPid = infos.find((info) => info.hasPcr)?.pid ?? -1;
    const plain = (seconds: number) =>
      infos.findIndex(
        (info) => info.pid === videoPid && !info.hasPcr && !info.unitStart && info.seconds >= seconds,
      );
    const dropped = new Set([0.5, 1.5, 2.5].map(plain));
    const flagged = new Set([1, 2, 3, 4].map((seconds) => plain(seconds + 0.2)));
    const pmtPid = 0x1000;
    const badCrc = new Set(
      [1.1, 3.1].map((seconds) => infos.findIndex((info) => info.pid === pmtPid && info.seconds >= seconds)),
    );
    const beforePat = infos.findIndex((info) => info.pid === patPid && info.seconds >= 4);
    const parts: Uint8Array[] = [];
    infos.forEach((_info, index) => {
      if (dropped.has(index)) return;
      const packet = Uint8Array.from(clean.subarray(index * packetBytes, (index + 1) * packetBytes));
      if (flagged.has(index)) packet[1] = (packet[1] ?? 0) | 0x80;
      if (badCrc.has(index)) {
        const sectionEnd = 5 + 3 + ((((packet[6] ?? 0) & 0x0f) << 8) | (packet[7] ?? 0));
        packet[sectionEnd - 1] = (packet[sectionEnd - 1] ?? 0) ^ 0xff;
      }
      // Garbage before a PAT packet: the byte read 188 further on is PAT stuffing, never a sync byte.
      if (index === beforePat) parts.push(new Uint8Array(100));
      parts.push(packet);
    });
    const edited = join(directory, 'edited.ts');
    await writeFile(edited, Buffer.concat(parts));
    const report = await analyzeTsFile(edited);
    assert.deepEqual(nonZero(report.summary.counts), {
      syncLoss: 1,
      syncByteError: 2,
      continuityError: 3,
      transportError: 4,
      crcError: 2,
    });
  });

  it('counts one PAT error for a PAT withheld for 1 s', async () => {
    const infos = describePackets(clean);
    let withheld = 0;
    const parts = infos.map((info, index) => {
      const packet = Uint8Array.from(clean.subarray(index * packetBytes, (index + 1) * packetBytes));
      if (info.pid !== patPid) return packet;
      if (info.seconds >= 2 && info.seconds < 3) {
        withheld += 1;
        return Uint8Array.from([
          0x47,
          nullPid >> 8,
          nullPid & 0xff,
          0x10,
          ...new Array<number>(184).fill(0xff),
        ]);
      }
      packet[3] = ((packet[3] ?? 0) & 0xf0) | (((packet[3] ?? 0) - withheld) & 0x0f);
      return packet;
    });
    const path = join(directory, 'no-pat.ts');
    await writeFile(path, Buffer.concat(parts));
    const report = await analyzeTsFile(path);
    assert.deepEqual(nonZero(report.summary.counts), { patError: 1 });
    const [event] = report.events;
    // PATs come every 0.1 s: the gap is the withheld second plus one interval.
    const gapSeconds = (event?.endSeconds ?? 0) - (event?.startSeconds ?? 0);
    assert.ok(gapSeconds > 1 && gapSeconds < 1.2, JSON.stringify(event));
  });

  it('counts one continuity error per run of packets the fault corpus drops', async () => {
    const lossy = dropTsVideoPackets(clean, 1, 3);
    // The corpus keeps the order, so walking both finds each run of dropped video packets.
    let runs = 0;
    let inRun = false;
    for (let index = 0, kept = 0; index * packetBytes < clean.length; index++) {
      const same =
        kept * packetBytes < lossy.length &&
        clean
          .subarray(index * packetBytes, (index + 1) * packetBytes)
          .equals(lossy.subarray(kept * packetBytes, (kept + 1) * packetBytes));
      if (same) {
        kept += 1;
        inRun = false;
      } else {
        if (!inRun) runs += 1;
        inRun = true;
      }
    }
    assert.ok(runs > 10);
    const path = join(directory, 'lossy.ts');
    await writeFile(path, lossy);
    const report = await analyzeTsFile(path);
    assert.equal(report.summary.counts.continuityError, runs);
  });

  it('is reachable as streamqc analyze-ts, in text and JSON', async () => {
    const run = (format: string) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'analyze-ts', cleanPath, '--format', format],
        {
          encoding: 'utf8',
        },
      );
    const json = run('json');
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout) as {
      summary: { counts: Record<string, number> };
      events: unknown[];
    };
    assert.deepEqual(nonZero(report.summary.counts), {});
    const text = run('text');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /1\.4 continuity\s+0/);
    const missing = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'analyze-ts', join(directory, 'nope.ts')],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /cannot analyse/);
  });
});
