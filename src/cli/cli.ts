/**
 * The `streamqc` command. Every failure the user can cause or meet ends in one line on stderr and an exit
 * code: 0 done, 2 bad usage or configuration, 3 the input cannot be opened or decoded.
 */
import { parseArgs } from 'node:util';
import { analyzeInput } from '../analysis/analyze-input.js';
import { configureDetectors, loadAnalysisConfig } from '../config/detector-config.js';
import { detectors } from '../detectors/registry.js';
import { isStreamqcError, StreamqcError } from '../errors/streamqc-error.js';
import { checkHlsCommand } from '../hls/check-hls-command.js';
import { analyzeTsCommand } from '../transport/analyze-ts-command.js';
import { formatText } from './format-text.js';
import { planCommand } from './plan-command.js';
import { hashTokenCommand } from './hash-token-command.js';
import { runCommand, validateConfigCommand } from './run-command.js';

const usage = `usage: streamqc analyze <input> [--format text|json] [--detectors id,id] [--config file]
                        [--chunks] [--connect-timeout-ms N] [--max-seconds N]
       streamqc analyze-ts <file.ts> [--format text|json] [--windows]   MPEG-TS checks (TR 101 290)
       streamqc check-hls <url> [--seconds N] [--format text|json] [--rendition highest|lowest|index:N|bandwidth:BPS]
                        [--download all|chosen|none]   HLS delivery checks of every variant
       streamqc run --config file.yaml [--detectors id,id] [--shard INDEX/COUNT] [--port N]
       streamqc validate-config file.yaml
       streamqc plan --channels N [--profile 1080p30] [--detectors id,id] [--target-load 0.7]
                     [--cores-per-worker N] [--costs file.json] [--format text|json]
       streamqc hash-token [--scrypt]   hash an API token read from stdin (for http.tokens)
       streamqc detectors            list detectors and their defaults
       streamqc --version`;

export const exitCodes = { ok: 0, usage: 2, input: 3, internal: 1 } as const;

function fail(message: string, code: number): number {
  process.stderr.write(`streamqc: ${message}\n`);
  return code;
}

function parsePositiveNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new StreamqcError('BAD_USAGE', `${name} must be a positive number`);
  return parsed;
}

async function analyzeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      detectors: { type: 'string' },
      config: { type: 'string' },
      chunks: { type: 'boolean', default: false },
      'connect-timeout-ms': { type: 'string' },
      'max-seconds': { type: 'string' },
    },
  });
  const input = positionals[0];
  if (!input || positionals.length > 1)
    throw new StreamqcError('BAD_USAGE', 'analyze takes exactly one input');
  if (values.format !== 'text' && values.format !== 'json') {
    throw new StreamqcError('BAD_USAGE', `--format must be text or json, not '${values.format}'`);
  }
  const fileConfig = await loadAnalysisConfig(values.config);
  const selected = values.detectors
    ?.split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  const configured = configureDetectors(selected, fileConfig.detectors);
  const connectTimeoutMs =
    parsePositiveNumber(values['connect-timeout-ms'], '--connect-timeout-ms') ?? fileConfig.connectTimeoutMs;
  const maxSeconds = parsePositiveNumber(values['max-seconds'], '--max-seconds');
  const showProgress = process.stderr.isTTY;

  let report;
  try {
    report = await analyzeInput(input, {
      detectors: configured,
      connectTimeoutMs,
      keepChunks: values.chunks,
      ...(maxSeconds === undefined ? {} : { maxSeconds }),
      ...(showProgress
        ? { onChunk: (chunk) => process.stderr.write(`\ranalysed ${chunk.endSeconds.toFixed(0)} s`) }
        : {}),
    });
  } catch (error) {
    if (isStreamqcError(error) && error.code !== 'BAD_CONFIG' && error.code !== 'BAD_USAGE') {
      return fail(`cannot analyse '${input}': ${error.message}`, exitCodes.input);
    }
    throw error;
  } finally {
    if (showProgress) process.stderr.write('\r\x1b[K');
  }
  if (report.summary.video === null && report.summary.audio === null) {
    return fail(`cannot analyse '${input}': no stream could be decoded`, exitCodes.input);
  }
  if (report.durationSeconds === 0 && report.summary.chunks === 0) {
    const reason = report.warnings[0] ?? 'no frames could be decoded';
    return fail(`cannot analyse '${input}': ${reason}`, exitCodes.input);
  }
  if (values.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatText(report)}\n`);
  return exitCodes.ok;
}

function listDetectors(): number {
  for (const detector of detectors) {
    const defaults = JSON.stringify(detector.configSchema.parse({}));
    process.stdout.write(
      `${detector.id.padEnd(14)} v${detector.version}  ${detector.description}\n${''.padEnd(16)}defaults ${defaults}\n`,
    );
  }
  return exitCodes.ok;
}

async function printVersion(): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const packageJson = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  process.stdout.write(`streamqc ${packageJson.version}\n`);
  return exitCodes.ok;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'analyze':
        return await analyzeCommand(rest);
      case 'analyze-ts':
        return await analyzeTsCommand(rest);
      case 'check-hls':
        return await checkHlsCommand(rest);
      case 'detectors':
        return listDetectors();
      case 'run':
        return await runCommand(rest);
      case 'validate-config':
        return await validateConfigCommand(rest);
      case 'plan':
        return await planCommand(rest);
      case 'hash-token':
        return await hashTokenCommand(rest);
      case '--version':
      case 'version':
        return await printVersion();
      case undefined:
      case '--help':
      case 'help':
        process.stdout.write(`${usage}\n`);
        return command === undefined ? exitCodes.usage : exitCodes.ok;
      default:
        return fail(`unknown command '${command}'\n${usage}`, exitCodes.usage);
    }
  } catch (error) {
    if (isStreamqcError(error)) return fail(error.message, exitCodes.usage);
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      return fail(`${error.message}\n${usage}`, exitCodes.usage);
    }
    const message = error instanceof Error ? error.message : String(error);
    return fail(`internal error: ${message}`, exitCodes.internal);
  }
}
