/** Fixed numbers of ISO/IEC 13818-1 transport streams that the analyser's files share. */

export const packetBytes = 188;
export const syncByte = 0x47;
/** PIDs are 13 bits: per-PID state lives in typed arrays of this length, indexed by PID. */
export const pidCount = 8192;
export const patPid = 0x0000;
export const nullPid = 0x1fff;

/** The PCR counts a 27 MHz clock: 33-bit base in 90 kHz units times 300, plus a 9-bit extension. */
export const pcrTicksPerSecond = 27_000_000;
/** The PCR wraps when its 33-bit base does (about 26.5 hours). */
export const pcrWrap27MHz = 2 ** 33 * 300;

/**
 * PIDs whose sections carry a CRC that TR 101 290 2.2 checks besides PMTs (CAT, NIT, SDT/BAT, EIT,
 * TDT/TOT). PID 0x0000 (PAT) is handled on its own because it also drives check 1.3.
 */
export const fixedSectionPids: readonly number[] = [0x0001, 0x0010, 0x0011, 0x0012, 0x0014];

/** Float rounding of times built from 27 MHz ticks must not turn an interval of exactly a limit into an error. */
export const timeToleranceSeconds = 1e-9;
