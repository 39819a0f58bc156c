/** MediaChunks built by hand for unit tests: an empty second with both kinds of stream, overridden in part. */
import type { MediaChunk } from '../media/chunk.js';

export function testChunk(index: number, parts: Partial<MediaChunk> = {}): MediaChunk {
  return {
    index,
    startSeconds: index,
    endSeconds: index + 1,
    video: [],
    audio: null,
    hasVideoStream: true,
    hasAudioStream: true,
    decodeErrorCount: 0,
    discontinuityCount: 0,
    ...parts,
  };
}
