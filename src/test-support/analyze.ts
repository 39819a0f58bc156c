/** Helpers for tests that analyse a clip and compare its events with known truth. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeInput, type AnalysisReport } from '../analysis/analyze-input.js';
import { configureDetectors } from '../config/detector-config.js';
import type { ReportEvent } from '../pipeline/event-collector.js';
import type { ExpectedEvent } from '../synth/fixtures.js';

export async function analyzeFile(
  path: string,
  detectorIds?: readonly string[],
  overrides: Record<string, Record<string, unknown>> = {},
): Promise<AnalysisReport> {
  return analyzeInput(path, {
    detectors: configureDetectors(detectorIds, overrides),
    connectTimeoutMs: 5000,
    keepChunks: false,
  });
}

/** Asserts that `expected` is found within `toleranceSeconds` of its start and end. */
export function assertFound(
  events: readonly ReportEvent[],
  expected: ExpectedEvent,
  toleranceSeconds = 0.5,
): ReportEvent {
  const match = events.find(
    (event) =>
      event.detector === expected.detector &&
      event.channel === expected.channel &&
      Math.abs(event.startSeconds - expected.startSeconds) <= toleranceSeconds &&
      Math.abs(event.endSeconds - expected.endSeconds) <= toleranceSeconds,
  );
  assert.ok(
    match,
    `expected ${expected.detector}${expected.channel === undefined ? '' : ` ch${expected.channel}`} ` +
      `${expected.startSeconds}-${expected.endSeconds} s, got ${JSON.stringify(events)}`,
  );
  return match;
}

/** The folder of real clips (../shared/media), or null with a reason to skip. */
export function realMediaDirectory(): string | null {
  const directory = process.env.STREAMQC_REAL_MEDIA ?? join('..', 'shared', 'media');
  return existsSync(join(directory, 'README.md')) ? directory : null;
}

export const realMediaSkipReason = 'real media folder not found (set STREAMQC_REAL_MEDIA to ../shared/media)';
