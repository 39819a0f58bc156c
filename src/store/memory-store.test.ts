import { openMemoryStore } from './memory-store.js';
import { describeResultStoreConformance } from './result-store.conformance.js';

describeResultStoreConformance('memory', async () => ({
  store: openMemoryStore(),
  cleanup: () => undefined,
}));
