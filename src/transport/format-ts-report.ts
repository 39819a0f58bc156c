/** The human-readable TS report: what the stream carries, the count per check, then one line per event. */
import { tsChecks } from './ts-checks.js';
import type { TsReport } from './ts-report.js';

const hex = (pid: number) => `0x${pid.toString(16).padStart(4, '0')}`;

function clock(seconds: number): string {
  const whole = Math.floor(seconds);
  const ms = Math.round((seconds - whole) * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(whole / 60))}:${pad(whole % 60)}.${pad(ms, 3)}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)];
}

export function formatTsReport(report: TsReport): string {
  const { summary } = report;
  const lines: string[] = [];
  const reference =
    summary.referencePcrPid === null ? 'no PCR' : `reference PCR PID ${hex(summary.referencePcrPid)}`;
  lines.push(
    `${report.input}: ${summary.durationSeconds.toFixed(3)} s, ${summary.packets} packets, ${summary.bytes} bytes, ${reference}`,
  );
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push(
    '',
    ...table(
      ['PID', 'role', 'stream type', 'packets', 'kb/s', 'PCR'],
      summary.pids.map((pid) => [
        hex(pid.pid),
        pid.role,
        pid.streamType === null ? '-' : `0x${pid.streamType.toString(16).padStart(2, '0')}`,
        String(pid.packets),
        pid.averageBitrateBps === null ? '-' : (pid.averageBitrateBps / 1000).toFixed(1),
        pid.carriesPcr ? 'yes' : '',
      ]),
    ),
  );
  lines.push(
    '',
    ...table(
      ['TR 101 290 check', 'errors'],
      tsChecks.map((check) => [check.name, String(summary.counts[check.counter])]),
    ),
  );
  lines.push(
    `receive drops: ${summary.receiveDroppedPackets} packets (${summary.suppressedContinuityErrors} continuity errors not counted)`,
  );
  lines.push(`not checked: ${report.notChecked.join('; ')}`);
  if (report.events.length === 0) {
    lines.push('', 'no events');
    return lines.join('\n');
  }
  const rows = report.events.map((event) => {
    const { check, pid, ...rest } = event.details;
    return [
      clock(event.startSeconds),
      clock(event.endSeconds),
      String(check),
      typeof pid === 'number' ? hex(pid) : '-',
      event.severity,
      Object.entries(rest)
        .filter(([key]) => key !== 'priority')
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(' '),
    ];
  });
  lines.push('', ...table(['start', 'end', 'check', 'PID', 'severity', 'details'], rows));
  lines.push('', `${report.events.length} event(s)`);
  return lines.join('\n');
}
