/** The notification outbox of the memory store (notification-outbox.ts has the contract). */
import {
  outboxRowsInOrder,
  type NotificationOutboxStore,
  type OutboxEntry,
  type OutboxRow,
} from './notification-outbox.js';

interface MemoryOutboxRow extends OutboxRow {
  readonly claimedBy: string | null;
  readonly claimedUntilMs: number | null;
}

export interface MemoryOutbox extends NotificationOutboxStore {
  /** Adds rows whose (transition key, target) is not there yet. */
  add(entries: readonly OutboxEntry[]): void;
}

const rowKey = (transitionKey: string, targetId: string): string => `${transitionKey}\u0000${targetId}`;

function publicRow(row: MemoryOutboxRow): OutboxRow {
  return {
    seq: row.seq,
    transitionKey: row.transitionKey,
    targetId: row.targetId,
    incidentId: row.incidentId,
    payload: row.payload,
    createdAtMs: row.createdAtMs,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAtMs: row.nextAttemptAtMs,
    settledAtMs: row.settledAtMs,
    lastError: row.lastError,
  };
}

export function createMemoryOutbox(): MemoryOutbox {
  const rows = new Map<string, MemoryOutboxRow>();
  let nextSeq = 1;
  return {
    add(entries) {
      for (const entry of entries) {
        const key = rowKey(entry.transitionKey, entry.targetId);
        if (rows.has(key)) continue;
        rows.set(key, {
          ...entry,
          seq: nextSeq++,
          state: 'pending',
          attempts: 0,
          nextAttemptAtMs: entry.createdAtMs,
          settledAtMs: null,
          lastError: null,
          claimedBy: null,
          claimedUntilMs: null,
        });
      }
    },
    async claimNotifications(claim) {
      const pending = [...rows.values()].filter(
        (row) => row.state === 'pending' && row.targetId === claim.targetId,
      );
      const firstPendingSeq = new Map<string, number>();
      for (const row of pending) {
        firstPendingSeq.set(
          row.incidentId,
          Math.min(row.seq, firstPendingSeq.get(row.incidentId) ?? row.seq),
        );
      }
      const claimed = outboxRowsInOrder(pending)
        .filter(
          (row) =>
            row.nextAttemptAtMs <= claim.nowMs &&
            (row.claimedUntilMs === null || row.claimedUntilMs <= claim.nowMs) &&
            firstPendingSeq.get(row.incidentId) === row.seq,
        )
        .slice(0, claim.limit);
      for (const row of claimed) {
        rows.set(rowKey(row.transitionKey, row.targetId), {
          ...row,
          claimedBy: claim.claimer,
          claimedUntilMs: claim.nowMs + claim.leaseMs,
        });
      }
      return claimed.map(publicRow);
    },
    async settleNotification(settlement) {
      const key = rowKey(settlement.transitionKey, settlement.targetId);
      const row = rows.get(key);
      if (row?.claimedBy !== settlement.claimer) return false;
      rows.set(key, {
        ...row,
        state: settlement.state,
        attempts: settlement.attempts,
        nextAttemptAtMs: settlement.nextAttemptAtMs,
        lastError: settlement.lastError,
        settledAtMs: settlement.state === 'pending' ? null : settlement.nowMs,
        claimedBy: null,
        claimedUntilMs: null,
      });
      return true;
    },
    async releaseNotifications(claimer) {
      let released = 0;
      for (const [key, row] of rows) {
        if (row.state !== 'pending' || row.claimedBy !== claimer) continue;
        rows.set(key, { ...row, claimedBy: null, claimedUntilMs: null });
        released += 1;
      }
      return released;
    },
    async listNotifications(incidentId) {
      return outboxRowsInOrder([...rows.values()].filter((row) => row.incidentId === incidentId)).map((row) =>
        publicRow(row as MemoryOutboxRow),
      );
    },
    async pruneNotifications(olderThanMs) {
      let removed = 0;
      for (const [key, row] of rows) {
        const settledOld = row.settledAtMs !== null && row.settledAtMs < olderThanMs;
        const pendingOld = row.state === 'pending' && row.createdAtMs < olderThanMs;
        if (!settledOld && !pendingOld) continue;
        rows.delete(key);
        removed += 1;
      }
      return removed;
    },
  };
}
