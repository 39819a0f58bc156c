/** The human-readable report: what was analysed, then one line per event. */
import type { AnalysisReport } from '../analysis/analyze-input.js';

function clock(seconds: number): string {
  const whole = Math.floor(seconds);
  const ms = Math.round((seconds - whole) * 1000);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${h > 0 ? `${h}:` : ''}${pad(m)}:${pad(s)}.${pad(ms, 3)}`;
}

function describeDetails(details: Readonly<Record<string, unknown>>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join(' ');
}

export function formatText(report: AnalysisReport): string {
  const lines: string[] = [];
  const { summary } = report;
  const video = summary.video
    ? `video ${summary.video.codec} ${summary.video.width}x${summary.video.height}`
    : 'no video';
  const audio = summary.audio
    ? `audio ${summary.audio.codec} ${summary.audio.sampleRate} Hz ${summary.audio.channels} ch`
    : 'no audio';
  lines.push(
    `${report.input}: ${report.durationSeconds.toFixed(3)} s, ${summary.format}, ${video}, ${audio}`,
  );
  lines.push(`detectors: ${report.detectors.map((d) => d.id).join(', ')}`);
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  if (report.events.length === 0) {
    lines.push('no events');
    return lines.join('\n');
  }
  const rows = report.events.map((event) => [
    clock(event.startSeconds),
    clock(event.endSeconds),
    (event.endSeconds - event.startSeconds).toFixed(2),
    event.detector,
    event.channel === undefined ? '-' : String(event.channel),
    event.severity,
    describeDetails(event.details),
  ]);
  const header = ['start', 'end', 'seconds', 'detector', 'ch', 'severity', 'details'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  lines.push('', render(header), ...rows.map(render));
  lines.push('', `${report.events.length} event(s)`);
  return lines.join('\n');
}
