/** What the route handlers share. */
import type { MonitorApi } from '../service/monitor-api.js';
import type { ApiLogger } from './api-logger.js';
import type { EventStreams } from './event-stream.js';

export interface RouteDeps {
  readonly api: MonitorApi;
  readonly logger: ApiLogger;
  readonly events: EventStreams;
  /** Evidence files are served only from inside this folder. */
  readonly evidenceDirectory: string;
  /** Wall clock, ms; a parameter so tests can pin the default time windows. */
  readonly nowMs: () => number;
}
