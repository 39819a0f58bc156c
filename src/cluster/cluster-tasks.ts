/**
 * What a lease is for: a channel, or a channel x detector group when `cluster.detectorGroups` splits the
 * detectors across workers (each group of a channel is then its own task, `channel#group`).
 */
import type { ChannelSpec } from '../service/model.js';

/** Group name -> detector ids. Empty: one task per channel with every detector. */
export type DetectorGroups = Readonly<Record<string, readonly string[]>>;

export interface ClusterTask {
  readonly taskId: string;
  readonly channelId: string;
  /** The detectors this task runs on the channel. */
  readonly detectorIds: readonly string[];
}

const groupSeparator = '#';

/** The channel's detectors: its own list, or every registered one when the list is empty. */
function channelDetectors(spec: ChannelSpec, allDetectorIds: readonly string[]): readonly string[] {
  return spec.detectors.length > 0 ? spec.detectors : allDetectorIds;
}

/** The tasks of one channel; a group none of whose detectors the channel runs gives no task. */
export function tasksOf(
  spec: ChannelSpec,
  groups: DetectorGroups,
  allDetectorIds: readonly string[],
): ClusterTask[] {
  const detectors = channelDetectors(spec, allDetectorIds);
  const entries = Object.entries(groups);
  if (entries.length === 0) return [{ taskId: spec.id, channelId: spec.id, detectorIds: detectors }];
  return entries
    .map(([group, ids]) => ({
      taskId: `${spec.id}${groupSeparator}${group}`,
      channelId: spec.id,
      detectorIds: detectors.filter((id) => ids.includes(id)),
    }))
    .filter((task) => task.detectorIds.length > 0);
}
