/**
 * `streamqc analyze-ts <file> [--format text|json] [--windows]`: TR 101 290 checks of an MPEG-TS file.
 * Exit codes as for `analyze`: 0 done (errors in the stream are findings, not failures), 2 bad usage,
 * 3 the file cannot be read.
 */
import { parseArgs } from 'node:util';
import { isStreamqcError, StreamqcError } from '../errors/streamqc-error.js';
import { analyzeTsFile } from './analyze-ts-file.js';
import { formatTsReport } from './format-ts-report.js';

const inputExitCode = 3;

export async function analyzeTsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      windows: { type: 'boolean', default: false },
    },
  });
  const input = positionals[0];
  if (!input || positionals.length > 1)
    throw new StreamqcError('BAD_USAGE', 'analyze-ts takes exactly one file');
  if (values.format !== 'text' && values.format !== 'json') {
    throw new StreamqcError('BAD_USAGE', `--format must be text or json, not '${values.format}'`);
  }
  let report;
  try {
    report = await analyzeTsFile(input, { keepWindows: values.windows });
  } catch (error) {
    if (!isStreamqcError(error)) throw error;
    process.stderr.write(`streamqc: cannot analyse '${input}': ${error.message}\n`);
    return inputExitCode;
  }
  if (report.summary.packets === 0) {
    process.stderr.write(`streamqc: cannot analyse '${input}': ${report.warnings[0] ?? 'no packets'}\n`);
    return inputExitCode;
  }
  if (values.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatTsReport(report)}\n`);
  return 0;
}
