/** Query string values: times as epoch milliseconds or ISO 8601, bounded limits, closed sets. */
import { badRequest } from './api-error.js';

const isoDatePattern = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A time given as epoch milliseconds (digits only) or an ISO 8601 date; undefined when absent. */
export function timeParamMs(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (/^\d{1,16}$/.test(raw)) return Number(raw);
  const parsedMs = isoDatePattern.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(parsedMs)) {
    throw badRequest(`${name}: expected epoch milliseconds or an ISO 8601 date, got ${JSON.stringify(raw)}`);
  }
  return parsedMs;
}

export function limitParam(query: URLSearchParams, defaultLimit: number, maxLimit: number): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return defaultLimit;
  const limit = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= maxLimit)) {
    throw badRequest(`limit: expected an integer from 1 to ${maxLimit}, got ${JSON.stringify(raw)}`);
  }
  return limit;
}

export function choiceParam<Choice extends string>(
  query: URLSearchParams,
  name: string,
  choices: readonly Choice[],
): Choice | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const choice = choices.find((candidate) => candidate === raw);
  if (choice === undefined) {
    throw badRequest(`${name}: expected one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return choice;
}

export function stringParam(query: URLSearchParams, name: string): string | undefined {
  const raw = query.get(name);
  return raw === null || raw === '' ? undefined : raw;
}

/** A time window; `from` after `to` is a client mistake worth naming rather than an empty answer. */
export function timeWindowMs(
  query: URLSearchParams,
  nowMs: number,
  defaultSpanMs: number,
): { fromMs: number; toMs: number } {
  const toMs = timeParamMs(query, 'to') ?? nowMs;
  const fromMs = timeParamMs(query, 'from') ?? toMs - defaultSpanMs;
  if (fromMs > toMs) throw badRequest(`from (${fromMs}) is after to (${toMs})`);
  return { fromMs, toMs };
}
