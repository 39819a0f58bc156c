/** Fault fixtures for the timing detectors (video stall, audio dropout, A/V sync). */
import type { Fixture } from './fixtures.js';

export const timingFixtures: readonly Fixture[] = [];
