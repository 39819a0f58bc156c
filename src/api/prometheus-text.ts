/**
 * Prometheus text exposition format 0.0.4: `# HELP` and `# TYPE` once per family, then one line per sample,
 * `name{label="value",...} value`. Written here because the format is small and a client library would bring
 * its own registry and global state.
 */

export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'gauge' | 'counter';

export interface MetricSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly MetricSample[];
}

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed (quotes stay as they are). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(family: string, labels: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  const parts = entries.map(([name, value]) => {
    // Label names come from this code, not from users: a bad one is a bug.
    if (!labelNamePattern.test(name) || name.startsWith('__')) {
      throw new Error(`metric ${family}: invalid label name ${JSON.stringify(name)}`);
    }
    return `${name}="${escapeLabelValue(value)}"`;
  });
  return `{${parts.join(',')}}`;
}

export function formatPrometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    if (!metricNamePattern.test(family.name))
      throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
    if (seen.has(family.name)) throw new Error(`metric ${family.name} is listed twice`);
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      lines.push(
        `${family.name}${formatLabels(family.name, sample.labels)} ${formatSampleValue(sample.value)}`,
      );
    }
  }
  // The format wants a line feed after the last line.
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
