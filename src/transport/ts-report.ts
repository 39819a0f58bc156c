/**
 * Collects an analyser's output into one report: the summary, events paired from their open and close
 * transitions (as the detector pipeline reports them, with `detector: 'transport'`), and optionally the
 * 1-second windows.
 */
import { EventCollector, type ReportEvent } from '../pipeline/event-collector.js';
import type { TsFinishResult, TsPushResult } from './ts-analyzer.js';
import type { TsSummary } from './ts-summary.js';
import type { TsWindow } from './ts-window.js';

export const transportDetectorId = 'transport';

/** TR 101 290 checks this analyser does not make. */
export const checksNotMade: readonly string[] = [
  '2.4 PCR accuracy (needs a precise arrival clock: optional in TR 101 290, not done)',
  '2.6 CAT error (scrambled streams)',
  'priority 3 (SI repetition, NIT/SDT/EIT/TDT checks, buffer models)',
];

export interface TsReport {
  readonly input: string;
  readonly summary: TsSummary;
  readonly events: readonly ReportEvent[];
  readonly warnings: readonly string[];
  readonly notChecked: readonly string[];
  readonly windows?: readonly TsWindow[];
}

export class TsReportBuilder {
  private readonly collector = new EventCollector();
  private readonly windows: TsWindow[] = [];

  constructor(private readonly keepWindows: boolean) {}

  accept(result: TsPushResult): void {
    for (const transition of result.transitions) this.collector.accept(transportDetectorId, transition);
    if (this.keepWindows) this.windows.push(...result.windows);
  }

  finish(input: string, result: TsFinishResult, warnings: readonly string[] = []): TsReport {
    this.accept(result);
    this.collector.closeAll(result.summary.durationSeconds);
    return {
      input,
      summary: result.summary,
      events: this.collector.events(),
      warnings,
      notChecked: checksNotMade,
      ...(this.keepWindows ? { windows: this.windows } : {}),
    };
  }
}
