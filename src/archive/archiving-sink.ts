/**
 * The monitor's chunk sink with an archive beside the result store: every row goes to both. The store's
 * batched writer keeps its own flush and close; the archive is closed by the service after the monitor has
 * stopped, because its last uploads are asynchronous.
 */
import type { ChunkSink } from '../service/monitor.js';
import type { ChunkRecord } from '../service/model.js';

export function archivingSink(store: ChunkSink, archive: { add(record: ChunkRecord): void }): ChunkSink {
  return {
    add(record) {
      // The store checks the row first: a row it refuses is not archived either.
      store.add(record);
      archive.add(record);
    },
    flush: () => store.flush(),
    close: () => store.close(),
  };
}
