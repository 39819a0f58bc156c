/**
 * Reassembles PSI/SI sections of one PID from packet payloads (ISO/IEC 13818-1 2.4.4): a packet with
 * payload_unit_start_indicator begins with a pointer_field; the bytes it skips finish the section in
 * progress, then sections follow back to back until stuffing (0xFF). Sections are copied into one buffer
 * per PID allocated once; a complete section is handed to the sink and valid only during that call.
 */
export interface SectionSink {
  onSection(pid: number, section: Uint8Array, length: number): void;
}

/** Private sections (EIT) may be 4096 bytes long; PSI sections 1024. */
const maxSectionBytes = 4096;

export class SectionAssembler {
  private readonly buffer = new Uint8Array(maxSectionBytes);
  private collected = 0;
  /** Whole section length once its 3-byte header is in, else 0. */
  private sectionBytes = 0;
  private collecting = false;

  constructor(
    readonly pid: number,
    private readonly sink: SectionSink,
  ) {}

  /** Drops a section in progress: a packet of it was lost, so it cannot be checked. */
  abort(): void {
    this.collecting = false;
  }

  push(bytes: Uint8Array, start: number, end: number, unitStart: boolean): void {
    if (start >= end) return;
    if (!unitStart) {
      if (this.collecting) this.append(bytes, start, end);
      return;
    }
    const pointer = bytes[start] ?? 0;
    let position = start + 1;
    if (this.collecting) {
      this.append(bytes, position, Math.min(position + pointer, end));
      // Complete or not, the section in progress ends where the pointer field says the next one starts.
      this.collecting = false;
    }
    position += pointer;
    while (position < end && bytes[position] !== 0xff) {
      this.collecting = true;
      this.collected = 0;
      this.sectionBytes = 0;
      const used = this.append(bytes, position, end);
      if (this.collecting || used < 0) return;
      position += used;
    }
  }

  /** Copies bytes of the section in progress; returns how many it used, or -1 when it gave up. */
  private append(bytes: Uint8Array, start: number, end: number): number {
    let position = start;
    while (position < end) {
      if (this.sectionBytes === 0) {
        this.buffer[this.collected++] = bytes[position++] ?? 0;
        if (this.collected === 3) {
          this.sectionBytes = 3 + ((((this.buffer[1] ?? 0) & 0x0f) << 8) | (this.buffer[2] ?? 0));
          if (this.sectionBytes > maxSectionBytes) {
            this.collecting = false;
            return -1;
          }
        }
        continue;
      }
      const count = Math.min(end - position, this.sectionBytes - this.collected);
      // A plain loop: subarray() would allocate a view per packet.
      for (let index = 0; index < count; index++) this.buffer[this.collected++] = bytes[position++] ?? 0;
      if (this.collected === this.sectionBytes) {
        this.collecting = false;
        this.sink.onSection(this.pid, this.buffer, this.collected);
        return position - start;
      }
    }
    return position - start;
  }
}
