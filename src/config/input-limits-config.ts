/**
 * The hardening part of the `streamqc run` configuration: what an input may open (`inputs`) and the
 * largest stream a channel may carry (`limits`). Parsed values are the media layer's `InputPolicy` and
 * `StreamLimits` as they are.
 */
import { z } from 'zod';
import { isStreamqcError } from '../errors/streamqc-error.js';
import {
  checkInputUrl,
  defaultInputProtocols,
  inputProtocols,
  type InputPolicy,
} from '../media/input-policy.js';
import { defaultStreamLimits } from '../media/stream-limits.js';

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
