/**
 * CRC-32/MPEG-2 (polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no reflection, no final XOR), the CRC
 * of every PSI/SI section with section_syntax_indicator set. Table-driven, one byte per step: sections
 * are a tiny share of a stream, so a faster slicing variant would not show in the throughput.
 */
const polynomial = 0x04c11db7;

const table = (() => {
  const entries = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let crc = index << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ polynomial : crc << 1;
    entries[index] = crc >>> 0;
  }
  return entries;
})();

/** CRC of `bytes[start, end)`. */
export function crc32Mpeg2(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let index = start; index < end; index++) {
    crc = (crc << 8) ^ (table[((crc >>> 24) ^ (bytes[index] ?? 0)) & 0xff] ?? 0);
  }
  return crc >>> 0;
}

/** A section whose last four bytes are its CRC_32 gives a CRC of 0 over the whole section when intact. */
export function sectionCrcIsValid(section: Uint8Array, length: number): boolean {
  return length >= 4 && crc32Mpeg2(section, 0, length) === 0;
}
