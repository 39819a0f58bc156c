/** Fault fixtures for the blockiness detector. */
import type { Fixture } from './fixtures.js';

export const blockinessFixtures: readonly Fixture[] = [];
