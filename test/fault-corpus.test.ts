/** Every fixture of the fault corpus: each injected fault is found within 0.5 s, and nothing else is raised. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixturePath, fixtures } from '../src/synth/fixtures.js';
import { analyzeFile, assertFound } from '../src/test-support/analyze.js';

describe('fault corpus', () => {
  for (const fixture of fixtures) {
    it(`${fixture.name}: ${fixture.description}`, async () => {
      const report = await analyzeFile(await fixturePath(fixture.name));
      for (const expected of fixture.expected) assertFound(report.events, expected);
      const allowed = new Set([...fixture.expected.map((e) => e.detector), ...(fixture.alsoAllowed ?? [])]);
      const unexpected = report.events.filter(
        (event) =>
          !allowed.has(event.detector) ||
          (!fixture.expected.some((e) => e.detector === event.detector && e.channel === event.channel) &&
            !(fixture.alsoAllowed ?? []).includes(event.detector)),
      );
      assert.deepEqual(unexpected, [], `unexpected events in ${fixture.name}`);
    });
  }
});
