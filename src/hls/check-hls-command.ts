/**
 * `streamqc check-hls <url> [--seconds N] [--format text|json] [--rendition R] [--download all|chosen|none]`:
 * watches an HLS stream for N seconds (default 30; less when every playlist ends; Ctrl-C stops early) and
 * prints what the delivery checks found. Exit codes as for `analyze`: 0 done (findings are not failures),
 * 2 bad usage, 3 the URL never answered with a playlist.
 */
import { parseArgs } from 'node:util';
import { StreamqcError } from '../errors/streamqc-error.js';
import { EventCollector, type ReportEvent } from '../pipeline/event-collector.js';
import { hlsConfigSchema, type RenditionChoice } from './hls-config.js';
import { HlsMonitor, type HlsSummary } from './hls-monitor.js';

const inputExitCode = 3;

export interface HlsReport {
  readonly summary: HlsSummary;
  readonly events: readonly ReportEvent[];
}

export async function checkHlsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      seconds: { type: 'string', default: '30' },
      format: { type: 'string', default: 'text' },
      rendition: { type: 'string', default: 'highest' },
      download: { type: 'string', default: 'all' },
    },
  });
  const url = positionals[0];
  if (!url || positionals.length > 1) throw new StreamqcError('BAD_USAGE', 'check-hls takes exactly one URL');
  if (!/^https?:\/\//i.test(url))
    throw new StreamqcError('BAD_USAGE', `check-hls needs an http(s) URL, not '${url}'`);
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new StreamqcError('BAD_USAGE', '--seconds must be a positive number');
  if (values.format !== 'text' && values.format !== 'json')
    throw new StreamqcError('BAD_USAGE', `--format must be text or json, not '${values.format}'`);
  if (values.download !== 'all' && values.download !== 'chosen' && values.download !== 'none')
    throw new StreamqcError('BAD_USAGE', `--download must be all, chosen or none, not '${values.download}'`);
  const config = hlsConfigSchema.parse({
    rendition: parseRendition(values.rendition),
    downloadSegments: values.download,
  });

  const collector = new EventCollector();
  const monitor = HlsMonitor.start({
    url,
    config,
    onTransition: ({ detector, transition }) => collector.accept(detector, transition),
  });
  await waitUntilDone(monitor, seconds);
  const summary = await monitor.close();
  collector.closeAll(summary.durationSeconds);
  const report: HlsReport = { summary, events: collector.events() };
  if (summary.kind === null) {
    const reason = report.events.find((event) => event.details.playlist === -1)?.details.reason;
    process.stderr.write(`streamqc: cannot check '${url}': ${String(reason ?? 'no playlist')}\n`);
    return inputExitCode;
  }
  if (values.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatHlsReport(report)}\n`);
  return 0;
}

/** `highest`, `lowest`, `index:N` or `bandwidth:BPS`. */
function parseRendition(text: string): RenditionChoice {
  if (text === 'highest' || text === 'lowest') return text;
  const match = /^(index|bandwidth):(\d+)$/.exec(text);
  if (!match)
    throw new StreamqcError(
      'BAD_USAGE',
      `--rendition must be highest, lowest, index:N or bandwidth:BPS, not '${text}'`,
    );
  const value = Number(match[2]);
  return match[1] === 'index' ? { index: value } : { bandwidthBps: Math.max(1, value) };
}

async function waitUntilDone(monitor: HlsMonitor, seconds: number): Promise<void> {
  let stop = () => {};
  const interrupted = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  const timer = setTimeout(stop, seconds * 1000);
  await Promise.race([interrupted, monitor.ended]);
  clearTimeout(timer);
  process.removeListener('SIGINT', stop);
}

export function formatHlsReport(report: HlsReport): string {
  const { summary } = report;
  const lines = [
    `HLS ${summary.url}: ${summary.kind} playlist, ${summary.playlists.length} watched, ${summary.durationSeconds.toFixed(1)} s`,
  ];
  for (const playlist of summary.playlists) {
    const f = playlist.figures;
    const latency =
      playlist.playlistLatencyMsMean === null ? '-' : `${playlist.playlistLatencyMsMean} ms mean`;
    const maxLatency =
      f.playlistLatencyMsMax === null ? '' : `, ${Math.round(f.playlistLatencyMsMax)} ms max`;
    lines.push(
      `playlist ${playlist.playlist}  ${playlist.label}${playlist.chosen ? '  [decoded rendition]' : ''}${playlist.ended ? '  [ended]' : ''}`,
      `  reloads ${f.playlistRequests} (${f.playlistErrors} failed), latency ${latency}${maxLatency}; target ${playlist.targetDurationSeconds ?? '-'} s, media sequence ${playlist.mediaSequence ?? '-'}`,
      `  segments ${f.segments} (${f.segmentErrors} failed, ${f.slowSegments} slow, ${f.skippedSegments} skipped), ${formatBitrate(playlist.measuredBitrateBps)} measured${playlist.declaredBandwidthBps === null ? '' : `, ${formatBitrate(playlist.declaredBandwidthBps)} declared`}`,
    );
    const transport = Object.entries(playlist.transport).filter(([, count]) => count > 0);
    if (f.segments > 0)
      lines.push(
        `  TR 101 290: ${transport.length === 0 ? 'no errors' : transport.map(([name, count]) => `${name} ${count}`).join(', ')}`,
      );
  }
  if (summary.unwatchedPlaylists > 0)
    lines.push(`${summary.unwatchedPlaylists} more playlists not watched (over maxPlaylists)`);
  if (report.events.length === 0) lines.push('no events');
  else lines.push('events:');
  for (const event of report.events) {
    const { check, playlist, ...rest } = event.details;
    const details = Object.entries(rest)
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('/') : String(value)}`)
      .join(' ');
    lines.push(
      `  ${event.startSeconds.toFixed(1)}-${event.endSeconds.toFixed(1)} s  ${event.severity.padEnd(8)} ${event.detector}  playlist ${String(playlist)}${check !== undefined && event.detector === 'transport' ? ` ${String(check)}` : ''}  ${details}`,
    );
  }
  return lines.join('\n');
}

function formatBitrate(bitsPerSecond: number | null): string {
  return bitsPerSecond === null ? '-' : `${(bitsPerSecond / 1e6).toFixed(3)} Mb/s`;
}
