/**
 * RFC 8216 4.2 attribute lists (`NAME=value,NAME="quoted, with commas"`), read without exceptions: a
 * malformed list gives the attributes read before the fault and one problem.
 */

export interface AttributeList {
  readonly values: ReadonlyMap<string, string>;
  /** Whether each value was quoted (quotes removed in `values`). */
  readonly quoted: ReadonlySet<string>;
  readonly problem: string | null;
}

const namePattern = /^[A-Z0-9-]+$/;

export function parseAttributeList(text: string): AttributeList {
  const values = new Map<string, string>();
  const quoted = new Set<string>();
  let at = 0;
  while (at < text.length) {
    const equals = text.indexOf('=', at);
    if (equals < 0) return { values, quoted, problem: `attribute without a value at '${clip(text, at)}'` };
    const name = text.slice(at, equals).trim();
    if (!namePattern.test(name)) return { values, quoted, problem: `bad attribute name '${clip(name, 0)}'` };
    let value: string;
    let next: number;
    if (text[equals + 1] === '"') {
      const close = text.indexOf('"', equals + 2);
      if (close < 0) return { values, quoted, problem: `unterminated quoted value of ${clip(name, 0)}` };
      value = text.slice(equals + 2, close);
      quoted.add(name);
      next = close + 1;
      if (next < text.length && text[next] !== ',')
        return { values, quoted, problem: `text after the quoted value of ${clip(name, 0)}` };
    } else {
      const comma = text.indexOf(',', equals + 1);
      next = comma < 0 ? text.length : comma;
      value = text.slice(equals + 1, next).trim();
    }
    if (values.has(name)) return { values, quoted, problem: `attribute ${clip(name, 0)} given twice` };
    values.set(name, value);
    at = next + 1;
  }
  return { values, quoted, problem: null };
}

/** A decimal-integer within JavaScript's safe integers, or null. */
export function decimalInteger(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,16}$/.test(value)) return null;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : null;
}

/** A non-negative decimal-floating-point, or null. */
export function decimalFloat(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,16}(\.\d{0,16})?$/.test(value)) return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

/** `WIDTHxHEIGHT`, or null. */
export function decimalResolution(
  value: string | undefined,
): { readonly width: number; readonly height: number } | null {
  const match = value === undefined ? null : /^(\d{1,6})x(\d{1,6})$/.exec(value);
  if (!match) return null;
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** A short, printable piece of hostile text for a problem message. */
export function clip(text: string, from: number): string {
  const piece = text.slice(from, from + 40).replace(/[^\x20-\x7e]/g, '?');
  return text.length - from > 40 ? `${piece}...` : piece;
}
