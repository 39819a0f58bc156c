/**
 * `streamqc analyze` as a function: open once, decode once, chunk, run every detector on every chunk,
 * and return the report.
 */
import { decodeInput, emptyDecodeStats, type DecodeStats } from '../media/decode-input.js';
import { openInput } from '../media/open-input.js';
import {
  DetectorPipeline,
  decodeNeeds,
  type ChunkMeasurements,
  type ConfiguredDetector,
  type DetectorFailure,
} from '../pipeline/detector-pipeline.js';
import type { ReportEvent } from '../pipeline/event-collector.js';

export interface AnalyzeOptions {
  readonly detectors: readonly ConfiguredDetector[];
  readonly connectTimeoutMs: number;
  readonly keepChunks: boolean;
  readonly signal?: AbortSignal;
  readonly maxSeconds?: number;
  /** Called after each chunk (progress display). */
  readonly onChunk?: (chunk: ChunkMeasurements) => void;
}

export interface AnalysisReport {
  readonly input: string;
  readonly durationSeconds: number;
  readonly detectors: readonly { readonly id: string; readonly version: string }[];
  readonly events: readonly ReportEvent[];
  readonly summary: AnalysisSummary;
  readonly warnings: readonly string[];
  readonly chunks?: readonly ChunkMeasurements[];
}

export interface AnalysisSummary {
  readonly format: string;
  readonly video: {
    readonly codec: string;
    readonly width: number;
    readonly height: number;
    readonly frames: number;
  } | null;
  readonly audio: { readonly codec: string; readonly sampleRate: number; readonly channels: number } | null;
  readonly chunks: number;
  readonly eventCounts: Readonly<Record<string, number>>;
  readonly decodeErrors: number;
  readonly discontinuities: number;
  readonly detectorFailures: readonly DetectorFailure[];
  readonly detectors: Readonly<Record<string, unknown>>;
  readonly detectorCpuMs: Readonly<Record<string, number>>;
}

export async function analyzeInput(input: string, options: AnalyzeOptions): Promise<AnalysisReport> {
  const needs = decodeNeeds(options.detectors);
  const opened = await openInput(input, {
    connectTimeoutMs: options.connectTimeoutMs,
    wantVideo: needs.wantVideo,
    wantAudio: needs.wantAudio,
    decoderThreads: 1,
  });
  const videoParams = opened.video?.stream.codecpar;
  const audioParams = opened.audio?.stream.codecpar;
  const videoInfo =
    opened.video && videoParams
      ? { codec: opened.video.codecName, width: videoParams.width, height: videoParams.height }
      : null;
  const audioInfo =
    opened.audio && audioParams
      ? { codec: opened.audio.codecName, sampleRate: audioParams.sampleRate, channels: audioParams.channels }
      : null;
  const formatName = opened.formatName;
  const pipeline = new DetectorPipeline(options.detectors);
  const stats: DecodeStats = emptyDecodeStats();
  const chunks: ChunkMeasurements[] = [];
  let chunkCount = 0;
  try {
    const decodeOptions = {
      fullLumaPerSecond: needs.fullLumaPerSecond,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.maxSeconds === undefined ? {} : { maxSeconds: options.maxSeconds }),
    };
    for await (const ready of decodeInput(opened, stats, decodeOptions)) {
      try {
        const measured = pipeline.analyze(ready.chunk);
        chunkCount += 1;
        if (options.keepChunks) chunks.push(measured);
        options.onChunk?.(measured);
      } finally {
        ready.release();
      }
    }
  } finally {
    opened.close();
  }
  pipeline.finish(stats.durationSeconds);
  const events = pipeline.events();

  const warnings: string[] = [];
  if (stats.readError) warnings.push(`reading stopped early: ${stats.readError}`);
  if (stats.videoFrames === 0 && stats.audioFrames === 0) warnings.push('no frames could be decoded');
  if (!opened.hasVideoStream) warnings.push('input has no video stream');
  if (!opened.hasAudioStream) warnings.push('input has no audio stream');
  for (const failure of pipeline.detectorFailures()) {
    warnings.push(`detector-failed: ${failure.detector}: ${failure.message} (${failure.count}x)`);
  }

  const eventCounts: Record<string, number> = {};
  for (const event of events) eventCounts[event.detector] = (eventCounts[event.detector] ?? 0) + 1;
  return {
    input,
    durationSeconds: Math.round(stats.durationSeconds * 1000) / 1000,
    detectors: options.detectors.map(({ detector }) => ({ id: detector.id, version: detector.version })),
    events,
    summary: {
      format: formatName,
      video: videoInfo ? { ...videoInfo, frames: stats.videoFrames } : null,
      audio: audioInfo,
      chunks: chunkCount,
      eventCounts,
      decodeErrors: stats.decodeErrors,
      discontinuities: stats.discontinuities,
      detectorFailures: pipeline.detectorFailures(),
      detectors: pipeline.detectorSummaries(),
      detectorCpuMs: Object.fromEntries(
        Object.entries(pipeline.cpuMsByDetector()).map(([id, ms]) => [id, Math.round(ms)]),
      ),
    },
    warnings,
    ...(options.keepChunks ? { chunks } : {}),
  };
}
