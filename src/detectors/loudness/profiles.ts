/** Loudness delivery profiles: the figures each standard sets for programme loudness and true peak. */
import { z } from 'zod';

export const profileIds = ['ebu-r128', 'atsc-a85'] as const;
export type ProfileId = (typeof profileIds)[number];
export const profileSchema = z.enum(profileIds);

export interface LoudnessProfile {
  readonly targetLufs: number;
  /** How far (LU, either side) loudness may stray from the target before it is out of tolerance. */
  readonly toleranceLu: number;
  readonly maxTruePeakDbtp: number;
}

export const loudnessProfiles: Readonly<Record<ProfileId, LoudnessProfile>> = {
  // EBU R128 (2020): -23 LUFS, +-1 LU for live programmes, -1 dBTP.
  'ebu-r128': { targetLufs: -23, toleranceLu: 1, maxTruePeakDbtp: -1 },
  // ATSC A/85:2013: -24 LKFS (LKFS and LUFS are the same scale), +-2 dB, -2 dBTP.
  'atsc-a85': { targetLufs: -24, toleranceLu: 2, maxTruePeakDbtp: -2 },
};
