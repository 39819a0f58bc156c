/**
 * How late a channel's detectors may report a condition after its true start, for the incident engine's
 * dead-channel rule (src/incidents/channel-incidents.ts). A detector with a `minDurationSeconds` setting
 * opens its event once the condition has held that long; the event then waits for the end of its 1-second
 * chunk and reaches the monitor after the chunk's analysis. A detector the channel does not run reports
 * nothing, so it adds no wait.
 */
import { findDetector } from '../detectors/registry.js';

/** One chunk to be complete, and up to a second more for the analysis and the message to the monitor. */
export const reportMarginSeconds = 2;

export function detectionDelaysFor(
  detectorIds: readonly string[],
  detectorConfig: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): (kind: string) => number {
  const delays = new Map<string, number>();
  for (const id of detectorIds) {
    const parsed = findDetector(id)?.configSchema.safeParse(detectorConfig[id] ?? {});
    const settings: unknown = parsed?.success ? parsed.data : undefined;
    const minDurationSeconds =
      typeof settings === 'object' && settings !== null && 'minDurationSeconds' in settings
        ? settings.minDurationSeconds
        : undefined;
    if (typeof minDurationSeconds === 'number') delays.set(id, minDurationSeconds + reportMarginSeconds);
  }
  return (kind) => delays.get(kind) ?? 0;
}
