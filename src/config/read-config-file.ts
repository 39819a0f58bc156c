/** Reads a YAML (or JSON, which is YAML) configuration file; failures are one-line BAD_CONFIG errors. */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { StreamqcError } from '../errors/streamqc-error.js';

export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new StreamqcError('BAD_CONFIG', `cannot read config file '${path}'`);
  }
  try {
    return parseYaml(text);
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : 'parse error';
    throw new StreamqcError('BAD_CONFIG', `config file '${path}' is not valid YAML or JSON: ${reason}`);
  }
}
