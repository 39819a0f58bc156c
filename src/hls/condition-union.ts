/**
 * Where one condition per detector is wanted (an incident per kind, as `streamqc run` keys them), this
 * merges the events of every playlist: a detector's condition opens with the first playlist's event and
 * closes when the last one closes. The first open's details are kept, and the close says how many
 * playlists took part.
 */
import type { HlsTransition } from './hls-events.js';

interface Union {
  readonly members: Set<string>;
  playlists: number;
}

export class ConditionUnion {
  private readonly open = new Map<string, Union>();

  /** The transitions to pass on for one that came in (none, or one). */
  accept({ detector, transition }: HlsTransition): HlsTransition[] {
    const union = this.open.get(detector);
    if (transition.kind === 'open') {
      if (union) {
        union.members.add(transition.key);
        union.playlists += 1;
        return [];
      }
      this.open.set(detector, { members: new Set([transition.key]), playlists: 1 });
      return [{ detector, transition: { ...transition, key: detector } }];
    }
    if (!union?.members.delete(transition.key)) return [];
    if (union.members.size > 0) return [];
    this.open.delete(detector);
    return [
      {
        detector,
        transition: {
          kind: 'close',
          key: detector,
          endSeconds: transition.endSeconds,
          details: { ...transition.details, playlists: union.playlists },
        },
      },
    ];
  }
}
