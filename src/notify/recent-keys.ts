/**
 * The idempotency keys a target has already received. Bounded, oldest forgotten first, so a monitor that
 * runs for months does not grow: a duplicate arrives within seconds of the original, not weeks later.
 */
export interface RecentKeys {
  has(key: string): boolean;
  add(key: string): void;
}

export function createRecentKeys(capacity: number): RecentKeys {
  // A Set iterates in insertion order, so its first value is the oldest key.
  const keys = new Set<string>();
  return {
    has: (key) => keys.has(key),
    add(key) {
      keys.delete(key);
      keys.add(key);
      while (keys.size > capacity) {
        const oldest = keys.values().next();
        if (oldest.done === true) break;
        keys.delete(oldest.value);
      }
    },
  };
}
