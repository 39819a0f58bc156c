/**
 * The monitor's state as Prometheus families: per channel state and figures, per detector measurements of
 * the last chunk, open incidents, counters and the process's own CPU and memory. Built on each scrape from
 * MonitorApi; nothing is kept here between scrapes.
 */
import type { ChannelState, ChannelStatus } from '../service/model.js';
import type { ClusterStatusView, MonitorApi } from '../service/monitor-api.js';
import type { MetricFamily, MetricSample } from './prometheus-text.js';
import { channelStates } from './views.js';
import { tsChecks } from '../transport/ts-checks.js';
import { hlsFamilies } from './hls-metrics.js';

/** States in which pictures and sound are arriving. */
const upStates: ReadonlySet<ChannelState> = new Set(['ok', 'degraded']);

/** Open incidents are few; the cap only guards a scrape against a runaway store. */
const openIncidentScanLimit = 10_000;

/** The figures the issue names, as their own gauges; every numeric measurement is also exported generically. */
const keyFigures = [
  {
    name: 'streamqc_black_ratio',
    detector: 'black',
    measurement: 'blackRatio',
    scale: 1,
    help: 'Black share of the last chunk (0-1).',
  },
  {
    name: 'streamqc_loudness_short_term_lufs',
    detector: 'loudness',
    measurement: 'shortTermLufs',
    scale: 1,
    help: 'Short-term loudness at the end of the last chunk, LUFS.',
  },
  {
    name: 'streamqc_loudness_momentary_lufs',
    detector: 'loudness',
    measurement: 'momentaryLufs',
    scale: 1,
    help: 'Momentary loudness at the end of the last chunk, LUFS.',
  },
  {
    name: 'streamqc_loudness_integrated_lufs',
    detector: 'loudness',
    measurement: 'integratedLufs',
    scale: 1,
    help: 'Integrated loudness over the detector window, LUFS.',
  },
  {
    name: 'streamqc_av_offset_seconds',
    detector: 'av-sync',
    measurement: 'offsetMs',
    scale: 0.001,
    help: 'Measured audio/video offset, seconds (positive: audio late).',
  },
  {
    name: 'streamqc_corrupt_frames',
    detector: 'decode-error',
    measurement: 'corruptFrames',
    scale: 1,
    help: 'Frames the decoder flagged corrupt in the last chunk.',
  },
  {
    name: 'streamqc_rejected_packets',
    detector: 'decode-error',
    measurement: 'rejectedPackets',
    scale: 1,
    help: 'Packets the decoder rejected in the last chunk.',
  },
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function measurementsOf(status: ChannelStatus, detector: string): Record<string, unknown> {
  const value = status.latest[detector];
  return isRecord(value) ? value : {};
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function perChannel(
  statuses: readonly ChannelStatus[],
  pick: (status: ChannelStatus) => number | null,
): MetricSample[] {
  return statuses.flatMap((status) => {
    const value = pick(status);
    return value === null || !Number.isFinite(value) ? [] : [{ labels: { channel: status.id }, value }];
  });
}

function fromCounts(counts: Readonly<Record<string, number>>): MetricSample[] {
  return Object.entries(counts).map(([channel, value]) => ({ labels: { channel }, value }));
}

/** Numbers become one sample, arrays (per audio channel) one sample per element; the rest is skipped. */
function detectorMeasurementSamples(statuses: readonly ChannelStatus[]): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const status of statuses) {
    for (const [detector, measurements] of Object.entries(status.latest)) {
      if (!isRecord(measurements)) continue;
      for (const [name, value] of Object.entries(measurements)) {
        const labels = { channel: status.id, detector, name };
        if (finite(value)) samples.push({ labels, value });
        if (!Array.isArray(value)) continue;
        value.forEach((element: unknown, audioChannel) => {
          if (finite(element))
            samples.push({ labels: { ...labels, audio_channel: String(audioChannel) }, value: element });
        });
      }
    }
  }
  return samples;
}

/** TR 101 290 errors per channel and check (inputs the worker receives itself: UDP, RTP, SRT, HTTP TS; an HLS channel's decoded rendition). */
function transportErrorSamples(
  byChannel: Readonly<Record<string, Readonly<Record<string, number>>>> | undefined,
): MetricSample[] {
  return Object.entries(byChannel ?? {}).flatMap(([channel, counts]) =>
    tsChecks.map((info) => ({
      labels: { channel, check: info.counter, priority: String(info.priority) },
      value: counts[info.counter] ?? 0,
    })),
  );
}

async function openIncidentSamples(api: MonitorApi): Promise<MetricSample[]> {
  const counts = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const incident of await api.listIncidents({ state: 'open', limit: openIncidentScanLimit })) {
    const key = JSON.stringify([incident.channelId, incident.kind, incident.severity]);
    const entry = counts.get(key);
    if (entry) entry.value += 1;
    else {
      const labels = { channel: incident.channelId, kind: incident.kind, severity: incident.severity };
      counts.set(key, { labels, value: 1 });
    }
  }
  return [...counts.values()];
}

function processFamilies(): MetricFamily[] {
  const cpu = process.cpuUsage();
  return [
    {
      name: 'process_cpu_seconds_total',
      type: 'counter',
      help: 'CPU time of this process (user and system), seconds.',
      samples: [{ value: (cpu.user + cpu.system) / 1e6 }],
    },
    {
      name: 'process_resident_memory_bytes',
      type: 'gauge',
      help: 'Resident memory of this process, bytes.',
      samples: [{ value: process.memoryUsage.rss() }],
    },
    {
      name: 'process_start_time_seconds',
      type: 'gauge',
      help: 'Start of this process, seconds since the Unix epoch.',
      samples: [{ value: Math.round(Date.now() / 1000 - process.uptime()) }],
    },
  ];
}

export async function monitorMetricFamilies(api: MonitorApi): Promise<MetricFamily[]> {
  const openIncidents = await openIncidentSamples(api);
  const statuses = api.listChannels();
  const counters = api.counters();
  const cluster = api.clusterStatus?.() ?? null;
  const families: MetricFamily[] = [
    ...(cluster ? clusterFamilies(cluster) : []),
    {
      name: 'streamqc_ready',
      type: 'gauge',
      help: 'Whether storage is open and every enabled channel has started (1/0).',
      samples: [{ value: api.isReady() ? 1 : 0 }],
    },
    {
      name: 'streamqc_channel_info',
      type: 'gauge',
      help: 'One per channel, with its display name.',
      samples: statuses.map((status) => ({ labels: { channel: status.id, name: status.name }, value: 1 })),
    },
    {
      name: 'streamqc_channel_up',
      type: 'gauge',
      help: 'Whether the channel delivers pictures or sound (state ok or degraded).',
      samples: perChannel(statuses, (status) => (upStates.has(status.state) ? 1 : 0)),
    },
    {
      name: 'streamqc_channel_state',
      type: 'gauge',
      help: 'Channel state: 1 for the current state, 0 for the others.',
      samples: statuses.flatMap((status) =>
        channelStates.map((state) => ({
          labels: { channel: status.id, state },
          value: status.state === state ? 1 : 0,
        })),
      ),
    },
    {
      name: 'streamqc_channel_last_chunk_timestamp_seconds',
      type: 'gauge',
      help: 'Wall-clock time of the last analysed chunk, seconds since the Unix epoch.',
      samples: perChannel(statuses, (status) =>
        status.lastChunkAtMs === null ? null : status.lastChunkAtMs / 1000,
      ),
    },
    {
      name: 'streamqc_processing_lag_seconds',
      type: 'gauge',
      help: 'How far analysis runs behind the live edge, seconds.',
      samples: perChannel(statuses, (status) => status.processingLagSeconds),
    },
    {
      name: 'streamqc_decode_fps',
      type: 'gauge',
      help: 'Decoded video frames per second.',
      samples: perChannel(statuses, (status) => status.decodedFramesPerSecond),
    },
    {
      name: 'streamqc_channel_cpu_percent',
      type: 'gauge',
      help: 'CPU used by the channel, percent of one core.',
      samples: perChannel(statuses, (status) => status.cpuPercent),
    },
    {
      name: 'streamqc_channel_restarts_total',
      type: 'counter',
      help: 'Decoder restarts since the monitor started.',
      samples: fromCounts(counters.restartsByChannel),
    },
    {
      name: 'streamqc_chunks_total',
      type: 'counter',
      help: 'Chunks analysed since the monitor started.',
      samples: fromCounts(counters.chunksByChannel),
    },
    {
      name: 'streamqc_receive_drops_total',
      type: 'counter',
      help: "Input the monitor itself dropped (not the stream's fault).",
      samples: fromCounts(counters.receiveDropsByChannel),
    },
    {
      name: 'streamqc_transport_errors_total',
      type: 'counter',
      help: 'MPEG-TS errors per ETSI TR 101 290 check (priority 1 and 2), for inputs the monitor receives itself and the TS segments of the decoded rendition of an HLS channel.',
      samples: transportErrorSamples(counters.transportErrorsByChannel),
    },
    ...hlsFamilies(counters.hlsByChannel),
    {
      name: 'streamqc_open_incidents',
      type: 'gauge',
      help: 'Open incidents by channel, kind and severity.',
      samples: openIncidents,
    },
    {
      name: 'streamqc_incidents_raised_total',
      type: 'counter',
      help: 'Incidents raised since the monitor started.',
      samples: [{ value: counters.incidentsRaised }],
    },
    {
      name: 'streamqc_notifications_failed_total',
      type: 'counter',
      help: 'Notifications that failed after every retry.',
      samples: [{ value: counters.notificationsFailed }],
    },
    ...keyFigures.map((figure): MetricFamily => ({
      name: figure.name,
      type: 'gauge',
      help: figure.help,
      samples: perChannel(statuses, (status) => {
        const value = measurementsOf(status, figure.detector)[figure.measurement];
        return finite(value) ? value * figure.scale : null;
      }),
    })),
    {
      name: 'streamqc_detector_measurement',
      type: 'gauge',
      help: "Every numeric figure of the last chunk, by detector and measurement name (units as in the name's suffix).",
      samples: detectorMeasurementSamples(statuses),
    },
    ...processFamilies(),
  ];
  return families;
}

/** Cluster mode: what this worker holds and what no worker has room for (every one at worker.maxChannels). */
function clusterFamilies(cluster: ClusterStatusView): MetricFamily[] {
  return [
    {
      name: 'streamqc_cluster_held_tasks',
      type: 'gauge',
      help: 'Channel tasks this worker holds a lease for.',
      samples: [{ value: cluster.heldTasks }],
    },
    {
      name: 'streamqc_cluster_unassigned_channels',
      type: 'gauge',
      help: 'Channel tasks beyond what every live worker may hold (worker.maxChannels): nobody runs them.',
      samples: [{ value: cluster.unassignedTasks }],
    },
  ];
}
