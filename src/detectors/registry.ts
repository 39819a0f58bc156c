/**
 * Every detector, in one list. Adding a detector: its folder, its test, and one line here.
 */
import { audioDropoutDetector } from './audio-dropout/audio-dropout.js';
import { avTimingDetector } from './av-timing/av-timing.js';
import { avSyncDetector } from './av-sync/av-sync.js';
import { blackDetector } from './black/black.js';
import { blockinessDetector } from './blockiness/blockiness.js';
import { clippingDetector } from './clipping/clipping.js';
import type { Detector } from './contract.js';
import { decodeErrorDetector } from './decode-error/decode-error.js';
import { freezeDetector } from './freeze/freeze.js';
import { loudnessDetector } from './loudness/loudness.js';
import { truePeakDetector } from './loudness/true-peak.js';
import { silenceDetector } from './silence/silence.js';
import { videoStallDetector } from './video-stall/video-stall.js';

export const detectors: readonly Detector[] = [
  blackDetector,
  freezeDetector,
  silenceDetector,
  clippingDetector,
  decodeErrorDetector,
  loudnessDetector,
  truePeakDetector,
  videoStallDetector,
  audioDropoutDetector,
  avSyncDetector,
  blockinessDetector,
  avTimingDetector,
];

export function findDetector(id: string): Detector | undefined {
  return detectors.find((detector) => detector.id === id);
}
