import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtpPayload } from './rtp-payload.js';

const payload = Buffer.from([0x47, 1, 2, 3, 4, 5, 6, 7]);

function rtp(options: { csrcs?: number; extensionWords?: number; padding?: number }): Buffer {
  const csrcs = options.csrcs ?? 0;
  const header = Buffer.alloc(12 + csrcs * 4);
  header[0] = 0x80 | csrcs | (options.extensionWords === undefined ? 0 : 0x10) | (options.padding ? 0x20 : 0);
  header[1] = 33;
  const parts = [header];
  if (options.extensionWords !== undefined) {
    const extension = Buffer.alloc(4 + options.extensionWords * 4, 0xee);
    extension.writeUInt16BE(options.extensionWords, 2);
    parts.push(extension);
  }
  parts.push(payload);
  if (options.padding) {
    const padding = Buffer.alloc(options.padding);
    padding[options.padding - 1] = options.padding;
    parts.push(padding);
  }
  return Buffer.concat(parts);
}

describe('rtpPayload', () => {
  it('skips the fixed header, the CSRC list and the extension, and drops padding', () => {
    assert.deepEqual(rtpPayload(rtp({})), payload);
    assert.deepEqual(rtpPayload(rtp({ csrcs: 2 })), payload);
    assert.deepEqual(rtpPayload(rtp({ extensionWords: 3 })), payload);
    assert.deepEqual(rtpPayload(rtp({ csrcs: 1, extensionWords: 1, padding: 4 })), payload);
  });

  it('refuses what is not RTP version 2 or is cut short', () => {
    assert.equal(rtpPayload(payload), null, 'a bare TS datagram');
    assert.equal(rtpPayload(rtp({ csrcs: 3 }).subarray(0, 20)), null);
    assert.equal(rtpPayload(Buffer.alloc(5)), null);
  });
});
