/**
 * The payload of an RTP packet (RFC 3550): after the 12-byte header, the CSRC list and an optional header
 * extension, without padding. Null for a datagram that is not RTP version 2 or is cut short. MPEG-TS over
 * RTP (RFC 2250, payload type 33) carries whole TS packets in it.
 */
export function rtpPayload(datagram: Buffer): Buffer | null {
  const first = datagram[0] ?? 0;
  if (datagram.length < 12 || first >> 6 !== 2) return null;
  let start = 12 + (first & 0x0f) * 4;
  if ((first & 0x10) !== 0) {
    if (datagram.length < start + 4) return null;
    start += 4 + datagram.readUInt16BE(start + 2) * 4;
  }
  let end = datagram.length;
  if ((first & 0x20) !== 0) end -= datagram[datagram.length - 1] ?? 0;
  return start <= end ? datagram.subarray(start, end) : null;
}
