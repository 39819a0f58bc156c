/**
 * HLS delivery checks inside a channel worker, for a channel whose URL is an HLS playlist: an `HlsMonitor`
 * runs beside the decoder for as long as the worker runs, as a session of its own (its time 0 is when it
 * started), so its events become incidents like the detectors' without touching the decode sessions. The
 * events of all playlists are merged into one condition per check (`ConditionUnion`), since incidents are
 * keyed by kind. Its figures go to the monitor once a second (`hls-figures`), which adds them to the next
 * chunk row and to the channel's counters; the TR 101 290 figures of the decoded rendition's TS segments
 * ride on the same message and become the chunk row's `transport`, as a UDP input's do. The decoder opens the chosen rendition's media playlist, not the
 * multivariant one.
 */
import { randomUUID } from 'node:crypto';
import { ConditionUnion } from '../hls/condition-union.js';
import { hlsWindowFigures } from '../hls/hls-chunk-figures.js';
import { hlsConfigSchema, type HlsConfig } from '../hls/hls-config.js';
import { HlsMonitor } from '../hls/hls-monitor.js';
import type { HlsTransition } from '../hls/hls-events.js';
import { isHlsUrl, resolveRenditionUrl } from '../hls/rendition.js';
import { tsChecks } from '../transport/ts-checks.js';
import { transportDetectorId } from '../transport/ts-report.js';
import type { ChannelSpec } from './model.js';
import type { FromWorker } from './worker-messages.js';

export interface WorkerHlsChecks {
  readonly config: HlsConfig;
  close(): Promise<void>;
}

/** Starts the checks when the channel is HLS and they are enabled; null otherwise. */
export function startWorkerHlsChecks(
  channel: ChannelSpec,
  send: (message: FromWorker) => void,
): WorkerHlsChecks | null {
  if (!isHlsUrl(channel.url)) return null;
  const config = hlsConfigSchema.parse(channel.hls ?? {});
  if (!config.enabled) return null;
  const sessionId = randomUUID();
  send({ type: 'session-started', sessionId, mediaZeroAtMs: Date.now() });
  const union = new ConditionUnion();
  const perCheck = transportPerCheck();
  const monitor = HlsMonitor.start({
    url: channel.url,
    config,
    onTransition: (transition) => {
      for (const { detector, transition: merged } of union.accept(perCheck(transition)))
        send({ type: 'transition', sessionId, detector, transition: merged });
    },
    onWindow: (window) =>
      send({
        type: 'hls-figures',
        figures: hlsWindowFigures(window),
        ...(window.transport ? { transport: window.transport } : {}),
      }),
  });
  return {
    config,
    close: async () => {
      await monitor.close();
      send({ type: 'session-ended', sessionId, reason: 'stopped' });
    },
  };
}

const incidentKindByCheck = new Map(tsChecks.map((info) => [info.name, info.incidentKind]));

/**
 * TR 101 290 findings in the segments come from the analyser as `transport` events naming their check: they
 * become the same incident kinds as a UDP input's (`ts-continuity`, `ts-pcr-repetition`, ...), so one alert
 * rule covers a check whatever the input. A close goes to the kind its open went to.
 */
function transportPerCheck(): (transition: HlsTransition) => HlsTransition {
  const kindByKey = new Map<string, string>();
  return ({ detector, transition }) => {
    if (detector !== transportDetectorId) return { detector, transition };
    if (transition.kind === 'open') {
      const kind = incidentKindByCheck.get(String(transition.details.check)) ?? transportDetectorId;
      kindByKey.set(transition.key, kind);
      return { detector: kind, transition };
    }
    const kind = kindByKey.get(transition.key) ?? transportDetectorId;
    kindByKey.delete(transition.key);
    return { detector: kind, transition };
  };
}

/** What the decoder opens: the chosen rendition of an HLS channel, the channel URL otherwise. */
export async function decodedInputUrl(
  channel: ChannelSpec,
  checks: WorkerHlsChecks | null,
  options: { readonly timeoutMs: number; readonly signal: AbortSignal },
): Promise<string> {
  if (!checks) return channel.url;
  return resolveRenditionUrl(channel.url, checks.config.rendition, options);
}
