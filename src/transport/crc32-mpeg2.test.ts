import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32Mpeg2, sectionCrcIsValid } from './crc32-mpeg2.js';

describe('crc32Mpeg2', () => {
  it('gives the catalogued check value for "123456789"', () => {
    assert.equal(crc32Mpeg2(new TextEncoder().encode('123456789')), 0x0376e6e7);
  });

  it('validates a section that ends in its own CRC and rejects one flipped bit', () => {
    const section = new Uint8Array([0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00]);
    const withCrc = new Uint8Array(section.length + 4);
    withCrc.set(section);
    new DataView(withCrc.buffer).setUint32(section.length, crc32Mpeg2(section));
    assert.equal(sectionCrcIsValid(withCrc, withCrc.length), true);
    withCrc[5] = (withCrc[5] ?? 0) ^ 0x01;
    assert.equal(sectionCrcIsValid(withCrc, withCrc.length), false);
  });
});
