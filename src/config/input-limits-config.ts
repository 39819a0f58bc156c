/**
 * The hardening part of the `streamqc run` configuration: what an input may open (`inputs`) and the
 * largest stream a channel may carry (`limits`). Parsed values are the media layer's `InputPolicy` and
 * `StreamLimits` as they are.
 *
 * A channel may set its own `limits`, each value at most the deployment's: the deployment's `limits` are the
 * ceiling every channel lives under (a channel can be stricter, never looser), so whoever may add channels
 * through the API cannot lift what the operator set. To allow one larger channel, raise the deployment's
 * limits and set stricter ones on the others.
 */
import { z } from 'zod';
import { isStreamqcError } from '../errors/streamqc-error.js';
import {
  checkInputUrl,
  defaultInputProtocols,
  inputProtocols,
  type InputPolicy,
} from '../media/input-policy.js';
import { defaultStreamLimits, type StreamLimits } from '../media/stream-limits.js';

export const inputsConfigSchema = z
  .object({
    /** Protocols channel URLs may use; FFmpeg gets them (and what they run over) as its protocol whitelist. */
    allowedProtocols: z.array(z.enum(inputProtocols)).default([...defaultInputProtocols]),
    /** Local files may be read only inside these directories (relative to the config file); none by default. */
    localDirectories: z.array(z.string().min(1)).default([]),
    /** Redirects followed for a channel's own HTTP URL. */
    maxRedirects: z.number().int().min(0).max(20).default(5),
  })
  .strict();

export const limitsConfigSchema = z
  .object({
    maxWidth: z.number().int().positive().default(defaultStreamLimits.maxWidth),
    maxHeight: z.number().int().positive().default(defaultStreamLimits.maxHeight),
    maxFramesPerSecond: z.number().positive().default(defaultStreamLimits.maxFramesPerSecond),
    maxBitsPerSecond: z.number().positive().default(defaultStreamLimits.maxBitsPerSecond),
  })
  .strict();

/** A channel's own limits: any subset, each positive; checked against the deployment's by `channelLimitProblems`. */
export const channelLimitsSchema = z
  .object({
    maxWidth: z.number().int().positive(),
    maxHeight: z.number().int().positive(),
    maxFramesPerSecond: z.number().positive(),
    maxBitsPerSecond: z.number().positive(),
  })
  .partial()
  .strict();

export type ChannelLimits = z.output<typeof channelLimitsSchema>;

const limitNames = ['maxWidth', 'maxHeight', 'maxFramesPerSecond', 'maxBitsPerSecond'] as const;

/** Every channel limit above the deployment's, as `channels.N.limits.NAME: reason`. */
export function channelLimitProblems(
  channels: readonly { readonly limits?: ChannelLimits | undefined }[],
  deployment: StreamLimits,
): string[] {
  const problems: string[] = [];
  channels.forEach((channel, index) => {
    for (const name of limitNames) {
      const value = channel.limits?.[name];
      if (value !== undefined && value > deployment[name])
        problems.push(
          `channels.${index}.limits.${name}: ${value} is above the deployment's limits.${name} (${deployment[name]}); a channel may only be stricter`,
        );
    }
  });
  return problems;
}

/** The limits a channel's worker enforces: the deployment's, with the channel's stricter values. */
export function effectiveStreamLimits(
  deployment: StreamLimits,
  channel: ChannelLimits | undefined,
): StreamLimits {
  const pick = (name: (typeof limitNames)[number]) => Math.min(deployment[name], channel?.[name] ?? Infinity);
  return {
    maxWidth: pick('maxWidth'),
    maxHeight: pick('maxHeight'),
    maxFramesPerSecond: pick('maxFramesPerSecond'),
    maxBitsPerSecond: pick('maxBitsPerSecond'),
  };
}

/** Every channel URL the input policy refuses, as `channels.N.url: reason` (the URL itself is not echoed). */
export function channelUrlProblems(
  channels: readonly { readonly url: string }[],
  policy: InputPolicy,
): string[] {
  const problems: string[] = [];
  channels.forEach((channel, index) => {
    try {
      checkInputUrl(channel.url, policy);
    } catch (error) {
      if (!isStreamqcError(error)) throw error;
      problems.push(`channels.${index}.url: ${error.message}`);
    }
  });
  return problems;
}
