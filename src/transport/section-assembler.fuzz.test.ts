/**
 * Fuzzing of PSI section reassembly and the CRC: random valid sections packed into payloads of random
 * sizes come out whole and in order with a valid CRC; random payloads never throw and never produce a
 * section longer than its header says; the CRC catches every single-bit error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fuzz, fuzzTimeoutMs } from '../test-support/fuzz-runs.js';
import { crc32Mpeg2, sectionCrcIsValid } from './crc32-mpeg2.js';
import { SectionAssembler } from './section-assembler.js';

const payloadBytes = 184;

function collect(): { sections: Uint8Array[]; assembler: SectionAssembler } {
  const sections: Uint8Array[] = [];
  const assembler = new SectionAssembler(0x100, {
    onSection: (_pid, section, length) => sections.push(section.slice(0, length)),
  });
  return { sections, assembler };
}

/** A long-form section with a random table id and body, ending in its CRC. */
const sectionArbitrary = fc
  .tuple(fc.integer({ min: 0, max: 0xfe }), fc.uint8Array({ maxLength: 1000, size: 'max' }))
  .map(([tableId, body]) => {
    const length = body.length + 4;
    const bytes = new Uint8Array(3 + length);
    bytes.set([tableId, 0xb0 | (length >> 8), length & 0xff]);
    bytes.set(body, 3);
    new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32Mpeg2(bytes, 0, bytes.length - 4));
    return bytes;
  });

interface Payload {
  readonly bytes: Uint8Array;
  readonly unitStart: boolean;
}

/**
 * Packs sections back to back into 184-byte payloads the way a muxer does: a payload where a section
 * starts begins with a pointer field; `newPayloadAfter` says after which sections the muxer begins a new
 * payload (the rest of the current one is stuffing).
 */
function packetize(sections: readonly Uint8Array[], newPayloadAfter: readonly boolean[]): Payload[] {
  const payloads: Payload[] = [];
  let current: number[] = [];
  let unitStart = false;
  let pointer = -1;
  const flush = () => {
    if (current.length === 0) return;
    const bytes = new Uint8Array(payloadBytes).fill(0xff);
    if (unitStart) {
      bytes[0] = pointer;
      bytes.set(current, 1);
    } else bytes.set(current);
    payloads.push({ bytes, unitStart });
    current = [];
    unitStart = false;
    pointer = -1;
  };
  const room = () => payloadBytes - current.length - (unitStart ? 1 : 0);
  sections.forEach((section, index) => {
    // A section start needs the pointer field and at least the section's first byte in this payload.
    if (room() < (unitStart ? 1 : 2)) flush();
    if (!unitStart) {
      unitStart = true;
      pointer = current.length;
    }
    let offset = 0;
    while (offset < section.length) {
      const count = Math.min(room(), section.length - offset);
      current.push(...section.subarray(offset, offset + count));
      offset += count;
      if (offset < section.length) flush();
    }
    if (newPayloadAfter[index % Math.max(1, newPayloadAfter.length)]) flush();
  });
  flush();
  return payloads;
}

describe('PSI section fuzzing', () => {
  it(
    'random sections in random packing come out whole, in order, with a valid CRC',
    { timeout: fuzzTimeoutMs() },
    async () => {
      await fuzz(
        'psi sections packed',
        fc.property(
          fc.array(sectionArbitrary, { minLength: 1, maxLength: 8 }),
          fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
          (sections, newPayloadAfter) => {
            const { sections: found, assembler } = collect();
            for (const payload of packetize(sections, newPayloadAfter)) {
              assembler.push(payload.bytes, 0, payload.bytes.length, payload.unitStart);
            }
            assert.deepEqual(found, sections);
            for (const section of found) assert.ok(sectionCrcIsValid(section, section.length));
          },
        ),
      );
    },
  );

  it(
    'random payloads never throw and every section matches its own length field',
    { timeout: fuzzTimeoutMs() },
    async () => {
      await fuzz(
        'psi sections random payloads',
        fc.property(
          fc.array(
            fc.tuple(fc.uint8Array({ maxLength: payloadBytes, size: 'max' }), fc.boolean(), fc.boolean()),
            {
              maxLength: 60,
            },
          ),
          (payloads) => {
            const { sections, assembler } = collect();
            for (const [bytes, unitStart, abort] of payloads) {
              if (abort) assembler.abort();
              assembler.push(bytes, 0, bytes.length, unitStart);
            }
            for (const section of sections) {
              const declared = 3 + ((((section[1] ?? 0) & 0x0f) << 8) | (section[2] ?? 0));
              assert.equal(section.length, declared);
              assert.ok(section.length <= 4096);
            }
          },
        ),
      );
    },
  );

  it('the CRC catches every single-bit error', { timeout: fuzzTimeoutMs() }, async () => {
    await fuzz(
      'psi crc single-bit errors',
      fc.property(sectionArbitrary, fc.nat(), fc.integer({ min: 0, max: 7 }), (section, byte, bit) => {
        assert.ok(sectionCrcIsValid(section, section.length));
        const broken = section.slice();
        const at = byte % broken.length;
        broken[at] = (broken[at] ?? 0) ^ (1 << bit);
        assert.ok(!sectionCrcIsValid(broken, broken.length));
      }),
    );
  });
});
