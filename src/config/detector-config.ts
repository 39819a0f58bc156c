/**
 * Detector selection and per-detector settings, validated once with every problem reported by its path.
 */
import { readConfigFile } from './read-config-file.js';
import { z } from 'zod';
import { StreamqcError } from '../errors/streamqc-error.js';
import { detectors as allDetectors, findDetector } from '../detectors/registry.js';
import type { ConfiguredDetector } from '../pipeline/detector-pipeline.js';

export const analysisFileSchema = z
  .object({
    /** Per-detector overrides, keyed by detector id. */
    detectors: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    connectTimeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();

export type AnalysisFileConfig = z.output<typeof analysisFileSchema>;

function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly (string | number)[]): string[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path.map((part) => String(part))].join('.');
    return `${path || '(root)'}: ${issue.message}`;
  });
}

export async function loadAnalysisConfig(path: string | undefined): Promise<AnalysisFileConfig> {
  if (path === undefined) return analysisFileSchema.parse({});
  const raw = await readConfigFile(path);
  const parsed = analysisFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new StreamqcError(
      'BAD_CONFIG',
      `config file '${path}': ${formatIssues(parsed.error.issues, []).join('; ')}`,
    );
  }
  return parsed.data;
}

/** Resolves `--detectors` and the config's overrides into detectors with validated settings. */
export function configureDetectors(
  selectedIds: readonly string[] | undefined,
  overrides: AnalysisFileConfig['detectors'],
): ConfiguredDetector[] {
  const problems: string[] = [];
  const chosen = selectedIds ?? allDetectors.map((detector) => detector.id);
  for (const id of [...chosen, ...Object.keys(overrides)]) {
    if (!findDetector(id))
      problems.push(`detectors.${id}: unknown detector (known: ${allDetectors.map((d) => d.id).join(', ')})`);
  }
  const configured: ConfiguredDetector[] = [];
  for (const id of new Set(chosen)) {
    const detector = findDetector(id);
    if (!detector) continue;
    const parsed = detector.configSchema.safeParse(overrides[id] ?? {});
    if (parsed.success) configured.push({ detector, config: parsed.data });
    else problems.push(...formatIssues(parsed.error.issues, ['detectors', id]));
  }
  if (problems.length > 0) throw new StreamqcError('BAD_CONFIG', [...new Set(problems)].join('; '));
  return configured;
}
