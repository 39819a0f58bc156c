/**
 * The TR 101 290 checks this analyser makes, in one table: the index is the slot in the counter arrays,
 * the name goes into event details, the counter name into reports. Priority 1 checks make critical
 * events, priority 2 checks warnings.
 */
import type { Severity } from '../detectors/contract.js';

export const TsCheck = {
  syncLoss: 0,
  syncByte: 1,
  pat: 2,
  continuity: 3,
  pmt: 4,
  pid: 5,
  transportError: 6,
  crc: 7,
  pcrRepetition: 8,
  pcrDiscontinuity: 9,
  ptsRepetition: 10,
} as const;

export type TsCheckIndex = (typeof TsCheck)[keyof typeof TsCheck];

interface CheckInfo {
  /** TR 101 290 number and short name, as it appears in event details (`check`). */
  readonly name: string;
  /** Key in counter records. */
  readonly counter: TsCounterName;
  readonly priority: 1 | 2;
  /** The incident kind the live service raises for it. */
  readonly incidentKind: string;
}

export type TsCounterName =
  | 'syncLoss'
  | 'syncByteError'
  | 'patError'
  | 'continuityError'
  | 'pmtError'
  | 'pidError'
  | 'transportError'
  | 'crcError'
  | 'pcrRepetitionError'
  | 'pcrDiscontinuityError'
  | 'ptsError';

export const tsChecks: readonly CheckInfo[] = [
  { name: '1.1 sync loss', counter: 'syncLoss', priority: 1, incidentKind: 'ts-sync-loss' },
  { name: '1.2 sync byte', counter: 'syncByteError', priority: 1, incidentKind: 'ts-sync-byte' },
  { name: '1.3 PAT', counter: 'patError', priority: 1, incidentKind: 'ts-pat' },
  { name: '1.4 continuity', counter: 'continuityError', priority: 1, incidentKind: 'ts-continuity' },
  { name: '1.5 PMT', counter: 'pmtError', priority: 1, incidentKind: 'ts-pmt' },
  { name: '1.6 PID', counter: 'pidError', priority: 1, incidentKind: 'ts-pid' },
  { name: '2.1 transport error', counter: 'transportError', priority: 2, incidentKind: 'ts-transport-error' },
  { name: '2.2 CRC', counter: 'crcError', priority: 2, incidentKind: 'ts-crc' },
  {
    name: '2.3 PCR repetition',
    counter: 'pcrRepetitionError',
    priority: 2,
    incidentKind: 'ts-pcr-repetition',
  },
  {
    name: '2.3 PCR discontinuity',
    counter: 'pcrDiscontinuityError',
    priority: 2,
    incidentKind: 'ts-pcr-discontinuity',
  },
  { name: '2.5 PTS repetition', counter: 'ptsError', priority: 2, incidentKind: 'ts-pts-repetition' },
];

export const tsCheckCount = tsChecks.length;

/** Every incident kind a transport check can raise. */
export const transportIncidentKinds: readonly string[] = tsChecks.map((info) => info.incidentKind);

export function checkInfo(check: TsCheckIndex): CheckInfo {
  const info = tsChecks[check];
  if (!info) throw new Error(`unknown transport check ${check}`);
  return info;
}

export function severityOf(check: TsCheckIndex): Severity {
  return checkInfo(check).priority === 1 ? 'critical' : 'warning';
}

export type TsCounts = Readonly<Record<TsCounterName, number>>;

/** Counter values in a Float64Array (slot = check index) as a record keyed by counter name. */
export function countsRecord(values: Float64Array): TsCounts {
  const record = {} as Record<TsCounterName, number>;
  tsChecks.forEach((info, index) => (record[info.counter] = values[index] ?? 0));
  return record;
}
