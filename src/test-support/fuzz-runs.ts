/**
 * The project's fuzzing convention (fast-check). Every parser of untrusted bytes or text has a
 * `<name>.fuzz.test.ts` beside it whose tests call `fuzz(target, property)`:
 *
 * - Cases per target: `STREAMQC_FUZZ_RUNS` (default `defaultFuzzRuns`, sized so every fuzz test together
 *   stays under 20 s on a 2-core machine), times the target's `runsScale` (below 1 for a target whose case
 *   is costly, such as a real HTTP request). `npm run fuzz` runs the same tests with 20 times the cases.
 * - Seed: random unless `STREAMQC_FUZZ_SEED` is set; a failure prints fast-check's seed and path, so
 *   `STREAMQC_FUZZ_SEED=<seed> npm test -- <file>` replays it.
 * - No hang: each target has a time budget (`fuzzBudgetMs`, from its cases and `msPerCase`); running past
 *   it fails. Give each test `{ timeout: fuzzTimeoutMs(options) }` with the same options.
 * - No unhandled rejection: one during a target's run fails that target, even when every case passed.
 * - Report: with `STREAMQC_FUZZ_REPORT=<file>` each target appends one JSON line
 *   `{ target, cases, seconds }`; `npm run fuzz` prints them as a table.
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

export const defaultFuzzRuns = 100;
/** What `npm run fuzz` multiplies the default by. */
export const longFuzzFactor = 20;

export interface FuzzOptions {
  /** Fraction (or multiple) of `fuzzRuns()` for this target; default 1. */
  readonly runsScale?: number;
  /** A generous bound on one case, for the time budget (default 50 ms). */
  readonly msPerCase?: number;
}

/** Cases per target for this run, from `STREAMQC_FUZZ_RUNS`. */
export function fuzzRuns(): number {
  const text = process.env.STREAMQC_FUZZ_RUNS;
  if (text === undefined || text === '') return defaultFuzzRuns;
  const runs = Number(text);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`STREAMQC_FUZZ_RUNS must be a whole number of at least 1, got "${text}"`);
  }
  return runs;
}

/**
 * The time a target may take (cases and shrinking): `msPerCase` is a generous bound, not a target. `fuzz`
 * stops there and fails with the best counterexample so far; a sync property that never returns blocks the
 * event loop, so the test runner's per-file timeout is what ends that one.
 */
export function fuzzBudgetMs(options: FuzzOptions = {}): number {
  return 20_000 + Math.ceil(fuzzRuns() * (options.runsScale ?? 1)) * (options.msPerCase ?? 50);
}

/** The timeout for a test that runs one `fuzz` target with these options: its budget and a margin. */
export function fuzzTimeoutMs(options: FuzzOptions = {}): number {
  return fuzzBudgetMs(options) + 10_000;
}

function fuzzSeed(): number | undefined {
  const text = process.env.STREAMQC_FUZZ_SEED;
  if (text === undefined || text === '') return undefined;
  const seed = Number(text);
  if (!Number.isInteger(seed)) throw new Error(`STREAMQC_FUZZ_SEED must be an integer, got "${text}"`);
  return seed;
}

export interface FuzzResult {
  readonly target: string;
  readonly cases: number;
  readonly seconds: number;
}

/**
 * Runs `property` for this run's number of cases and fails (with fast-check's counterexample and seed) on
 * the first case that throws or returns false, or when a promise is rejected unhandled meanwhile.
 */
export async function fuzz<Ts>(
  target: string,
  property: fc.IAsyncPropertyWithHooks<Ts> | fc.IPropertyWithHooks<Ts>,
  options: FuzzOptions = {},
): Promise<FuzzResult> {
  const numRuns = Math.max(1, Math.ceil(fuzzRuns() * (options.runsScale ?? 1)));
  const seed = fuzzSeed();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const startedAt = performance.now();
  let cases = 0;
  const counted = property.afterEach(() => {
    cases += 1;
  });
  try {
    await fc.assert(counted as fc.IAsyncPropertyWithHooks<Ts>, {
      numRuns,
      ...(seed === undefined ? {} : { seed }),
      interruptAfterTimeLimit: fuzzBudgetMs(options),
      markInterruptAsFailure: true,
    });
    // Let rejections of the last case surface before judging.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  if (unhandled.length > 0) {
    throw new Error(`${target}: ${unhandled.length} unhandled rejection(s), first: ${String(unhandled[0])}`);
  }
  const result = { target, cases, seconds: (performance.now() - startedAt) / 1000 };
  const reportFile = process.env.STREAMQC_FUZZ_REPORT;
  if (reportFile) appendFileSync(reportFile, `${JSON.stringify(result)}\n`);
  return result;
}
