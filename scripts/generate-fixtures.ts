/** Writes every fixture of the fault corpus to fixtures/generated/ (skips those already there). */
import { fixturePath, fixtures } from '../src/synth/fixtures.js';

for (const fixture of fixtures) {
  const started = performance.now();
  const path = await fixturePath(fixture.name);
  process.stdout.write(`${path}  (${Math.round(performance.now() - started)} ms)  ${fixture.description}\n`);
}
