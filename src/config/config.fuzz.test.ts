/**
 * Fuzzing of the config loaders through real files: random bytes, random YAML made of YAML's own syntax,
 * random JSON documents and mutations of valid configs. Each load gives either a config that validates
 * again, or a BAD_CONFIG error whose every line is `path: problem` text, never a stack trace or another
 * kind of error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { isStreamqcError } from '../errors/streamqc-error.js';
import { fuzz, fuzzTimeoutMs } from '../test-support/fuzz-runs.js';
import { configureDetectors, loadAnalysisConfig } from './detector-config.js';
import { loadServiceConfig, parseServiceConfig } from './service-config.js';

const directory = mkdtempSync(join(tmpdir(), 'streamqc-config-fuzz-'));
after(() => rmSync(directory, { recursive: true, force: true }));
let fileNumber = 0;

function writeConfig(content: string | Uint8Array): string {
  const path = join(directory, `config-${fileNumber++}.yaml`);
  writeFileSync(path, content);
  return path;
}

/** Loads and fully resolves both kinds of config from one file; returns how each went. */
async function loadBoth(
  path: string,
): Promise<{ service: 'valid' | 'refused'; analysis: 'valid' | 'refused' }> {
  const service = await expectValidOrRefused(async () => {
    const config = await loadServiceConfig(path);
    // What the loader returns must validate again (defaults and resolved paths included).
    parseServiceConfig(JSON.parse(JSON.stringify(config)), 'reloaded');
  });
  const analysis = await expectValidOrRefused(async () => {
    const config = await loadAnalysisConfig(path);
    configureDetectors(undefined, config.detectors);
  });
  return { service, analysis };
}

async function expectValidOrRefused(load: () => Promise<void>): Promise<'valid' | 'refused'> {
  try {
    await load();
    return 'valid';
  } catch (error) {
    assert.ok(isStreamqcError(error), `not a StreamqcError: ${String(error)}`);
    assert.equal(error.code, 'BAD_CONFIG');
    assert.ok(error.message.length > 0);
    assert.doesNotMatch(error.message, /\n\s+at [^\n]*[:(]/, 'a stack trace in the message');
    for (const line of error.message.split('\n')) assert.ok(line.trim().length > 0, 'an empty line');
    return 'refused';
  }
}

const exampleConfig = parseYaml(
  readFileSync(new URL('../../examples/streamqc.yaml', import.meta.url), 'utf8'),
) as unknown;
const exampleAnalysisConfig: unknown = {
  detectors: { black: { minDurationSeconds: 3 }, loudness: { profile: 'atsc-a85' } },
  connectTimeoutMs: 5000,
};

/** Pieces of YAML syntax, so random documents reach the parser's corners (aliases, tags, flow, blocks). */
const yamlTokens = [
  'channels:',
  'http:',
  'port:',
  ' 8080',
  'id:',
  'url:',
  ' udp://x',
  '- ',
  ': ',
  '\n',
  '\n  ',
  '\t',
  '{',
  '}',
  '[',
  ']',
  ',',
  '"',
  "'",
  '&a ',
  '*a',
  '<<: *a',
  '!!binary ',
  '!!str ',
  '!!map ',
  '!!js/function ',
  '%YAML 1.2\n',
  '---\n',
  '...\n',
  '? ',
  '|',
  '>',
  '#',
  '~',
  'null',
  '.inf',
  '-.nan',
  '0x1F',
  '1e400',
  '-0',
  '__proto__: ',
  'constructor: ',
  'prototype',
  '\u0000',
  '\ufeff',
  '😀',
  'detectors:',
  'black:',
  ' {minDurationSeconds: -1}',
];

type Path = readonly (string | number)[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const paths: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...pathsOf(item, [...prefix, index])));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  }
  return paths;
}

type Edit =
  | { kind: 'replace'; path: number; value: unknown }
  | { kind: 'delete'; path: number }
  | { kind: 'addKey'; path: number; key: string; value: unknown };

const editArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), path: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ kind: fc.constant('delete' as const), path: fc.nat() }),
  fc.record({
    kind: fc.constant('addKey' as const),
    path: fc.nat(),
    key: fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('__proto__', 'constructor', 'id', 'url', 'port'),
    ),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
);

/** Applies edits to a copy of `document` at paths chosen among the paths it has at that moment. */
function edited(document: unknown, edits: readonly Edit[]): unknown {
  const root = { document: structuredClone(document) as unknown };
  for (const edit of edits) {
    const paths = pathsOf(root.document, []);
    const path = paths[edit.path % paths.length] ?? [];
    const full: Path = ['document', ...path];
    const parent = full
      .slice(0, -1)
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
    const last = full[full.length - 1] ?? 'document';
    const container = parent as Record<string | number, unknown>;
    switch (edit.kind) {
      case 'replace':
        container[last] = edit.value;
        break;
      case 'delete':
        if (Array.isArray(container) && typeof last === 'number') container.splice(last, 1);
        else if (last !== 'document') delete container[last];
        break;
      case 'addKey': {
        const target = container[last];
        if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
          Object.defineProperty(target, edit.key, {
            value: edit.value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        break;
      }
      default: {
        const unknown: never = edit;
        throw new Error(`unknown edit ${JSON.stringify(unknown)}`);
      }
    }
  }
  return root.document;
}

/** A case writes and reads a file. */
const fuzzOptions = { msPerCase: 100 };
const timeout = fuzzTimeoutMs(fuzzOptions);

describe('config loader fuzzing', () => {
  it('random bytes', { timeout }, async () => {
    await fuzz(
      'config random bytes',
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000, size: 'max' }), async (bytes) => {
        await loadBoth(writeConfig(bytes));
      }),
      fuzzOptions,
    );
  });

  it('random YAML built from YAML syntax', { timeout }, async () => {
    await fuzz(
      'config random yaml',
      fc.asyncProperty(
        fc.array(fc.constantFrom(...yamlTokens), { maxLength: 60, size: 'max' }),
        async (tokens) => {
          await loadBoth(writeConfig(tokens.join('')));
        },
      ),
      fuzzOptions,
    );
  });

  it('random JSON documents', { timeout }, async () => {
    await fuzz(
      'config random json',
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        await loadBoth(writeConfig(JSON.stringify(value) ?? 'null'));
      }),
      fuzzOptions,
    );
  });

  it('valid configs with random edits, as YAML or JSON', { timeout }, async () => {
    const outcomes = { valid: 0, refused: 0 };
    await fuzz(
      'config mutated valid',
      fc.asyncProperty(
        fc.constantFrom(exampleConfig, exampleAnalysisConfig),
        fc.array(editArbitrary, { maxLength: 4 }),
        fc.boolean(),
        async (document, edits, asJson) => {
          const changed = edited(document, edits);
          const text = asJson ? (JSON.stringify(changed) ?? 'null') : stringifyYaml(changed);
          const { service, analysis } = await loadBoth(writeConfig(text));
          outcomes[document === exampleConfig ? service : analysis] += 1;
        },
      ),
      fuzzOptions,
    );
    // Both sides of the property were exercised: unedited documents load, most edits are refused.
    assert.ok(outcomes.valid > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
  });

  it('any in-memory value given to the service config parser', { timeout }, async () => {
    await fuzz(
      'config parse anything',
      fc.asyncProperty(
        fc.anything({ maxDepth: 3, withNullPrototype: true, withMap: true, withDate: true }),
        async (value) => {
          await expectValidOrRefused(() => Promise.resolve(void parseServiceConfig(value, 'fuzz')));
        },
      ),
      fuzzOptions,
    );
  });
});
