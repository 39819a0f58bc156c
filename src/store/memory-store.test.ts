import { openMemoryStore } from './memory-store.js';
import { describeResultStoreConformance } from './result-store.conformance.js';

describeResultStoreConformance('memory', () => ({ store: openMemoryStore(), cleanup: () => undefined }));
