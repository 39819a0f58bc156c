/** Bitrate of downloaded segments over the last `windowSeconds` of their media duration. */
export class BitrateWindow {
  private readonly segments: { readonly bits: number; readonly seconds: number }[] = [];
  private bits = 0;
  private seconds = 0;

  constructor(private readonly windowSeconds: number) {}

  push(bytes: number, durationSeconds: number): void {
    if (!(durationSeconds > 0)) return;
    this.segments.push({ bits: bytes * 8, seconds: durationSeconds });
    this.bits += bytes * 8;
    this.seconds += durationSeconds;
    for (;;) {
      const first = this.segments[0];
      if (!first || this.seconds - first.seconds < this.windowSeconds) break;
      this.segments.shift();
      this.bits -= first.bits;
      this.seconds -= first.seconds;
    }
  }

  /** Media seconds the window holds. */
  get mediaSeconds(): number {
    return this.seconds;
  }

  /** Null while empty. */
  get bitrateBps(): number | null {
    return this.seconds > 0 ? Math.round(this.bits / this.seconds) : null;
  }

  clear(): void {
    this.segments.length = 0;
    this.bits = 0;
    this.seconds = 0;
  }
}
