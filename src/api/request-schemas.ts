/**
 * What request bodies may hold, as zod schemas: checked at the boundary (every problem named with its path)
 * and turned into the OpenAPI document's request schemas, so the two cannot disagree.
 */
import { z } from 'zod';
import { detectors } from '../detectors/registry.js';
import type { ChannelSpec } from '../service/model.js';
import type { ChannelInput } from '../service/monitor-api.js';
import { badRequest } from './api-error.js';

const detectorIds = detectors.map((detector) => detector.id) as [string, ...string[]];
const detectorId = z.enum(detectorIds);

/** A partial record's values are typed `T | undefined`; parsed JSON never holds undefined. */
function definedEntries<Value>(record: Partial<Record<string, Value>>): Record<string, Value> {
  const entries: [string, Value][] = [];
  for (const [key, value] of Object.entries(record)) if (value !== undefined) entries.push([key, value]);
  return Object.fromEntries(entries);
}

const channelFields = {
  name: z.string().min(1).max(200).describe('Display name (default: the id).'),
  url: z
    .string()
    .min(1)
    .max(4096)
    .describe('Input URL or file path. May hold credentials: answers show it redacted.'),
  loop: z.boolean().describe('Play a file in a loop at real-time speed (demos, tests).'),
  detectors: z.array(detectorId).max(64).describe('Detector ids to run (empty: every detector).'),
  detectorConfig: z
    .partialRecord(detectorId, z.record(z.string(), z.unknown()))
    .describe('Per-detector settings, keyed by detector id; the monitor checks each value.')
    .transform(definedEntries),
  tags: z.array(z.string().min(1).max(100)).max(50),
  enabled: z.boolean(),
};

export const channelInputSchema = z
  .strictObject({
    // Ids appear in URL paths and metric labels: keep them to characters that need no escaping.
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-"')
      .describe('Stable channel id.'),
    url: channelFields.url,
    name: channelFields.name.optional(),
    loop: channelFields.loop.optional(),
    detectors: channelFields.detectors.optional(),
    detectorConfig: channelFields.detectorConfig.optional(),
    tags: channelFields.tags.optional(),
    enabled: channelFields.enabled.optional(),
  })
  .describe('A channel to add; every field but id and url has a default.');

export const channelPatchSchema = z
  .strictObject({
    url: channelFields.url.optional(),
    name: channelFields.name.optional(),
    loop: channelFields.loop.optional(),
    detectors: channelFields.detectors.optional(),
    detectorConfig: channelFields.detectorConfig.optional(),
    tags: channelFields.tags.optional(),
    enabled: channelFields.enabled.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'expected at least one field to change')
  .describe('Fields to change on a channel (the id cannot change).');

export const acknowledgeSchema = z
  .strictObject({
    by: z.string().min(1).max(200).optional().describe('Who acknowledges (default "api").'),
  })
  .describe('Acknowledgement of an incident.');

type Defined<T> = { [Key in keyof T]: Exclude<T[Key], undefined> };

/** zod types optional fields as `T | undefined`; JSON never holds undefined, so dropping it is exact. */
function withoutUndefined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Defined<T>;
}

function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown, what: string): z.output<Schema> {
  if (body === undefined) throw badRequest(`${what}: expected a JSON object in the request body`);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw badRequest(`${what}: ${problems.join('; ')}`);
}

export function parseChannelInput(body: unknown): ChannelInput {
  return withoutUndefined(parseBody(channelInputSchema, body, 'invalid channel'));
}

export function parseChannelPatch(body: unknown): Partial<Omit<ChannelSpec, 'id'>> {
  if (typeof body === 'object' && body !== null && 'id' in body) {
    throw badRequest('invalid channel change: id cannot be changed (remove and add the channel instead)');
  }
  return withoutUndefined(parseBody(channelPatchSchema, body, 'invalid channel change'));
}

/** The body is optional: an empty body acknowledges as "api". */
export function parseAcknowledge(body: unknown): { by: string } {
  if (body === undefined) return { by: 'api' };
  return { by: parseBody(acknowledgeSchema, body, 'invalid acknowledgement').by ?? 'api' };
}
