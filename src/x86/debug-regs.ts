// Debug-register fields (SDM vol. 3 §18.2).

/** DR6 reads as 0xffff0ff0 | status bits: bits 4-11 and 16-31 are reserved-1 (RTM bit 16 reads 1 when RTM is off). */
export const DR6_FIXED_1 = 0xffff0ff0n;
/** DR6.B0-B3: breakpoint condition i was met. */
export const DR6_B = (i: number): bigint => 1n << BigInt(i);
export const DR6_BD = 1n << 13n;
export const DR6_BS = 1n << 14n;
export const DR6_BT = 1n << 15n;
/** Only these DR6 bits are writable/status. */
export const DR6_VOLATILE = 0x0000e00fn;

/** DR7 bit 10 reads as 1; bits 11, 12, 14, 15 read as 0. */
export const DR7_FIXED_1 = 0x400n;
export const DR7_GD = 1n << 13n;
export const DR7_LE = 1n << 8n;
export const DR7_GE = 1n << 9n;
/** Writable DR7 bits: L0-3/G0-3 (0-7), LE/GE (8,9), RTM (11), GD (13), RW/LEN (16-31). */
export const DR7_VOLATILE = 0xffff2bffn;

export const Dr7Rw = { Exec: 0, Write: 1, Io: 2, ReadWrite: 3 } as const;

/** L<i> | G<i>: breakpoint i enabled (locally or globally). */
export function dr7Enabled(dr7: number, i: number): boolean {
  return ((dr7 >>> (i * 2)) & 3) !== 0;
}
/** R/W<i> field, bits 16+4i..17+4i. */
export function dr7Rw(dr7: number, i: number): number {
  return (dr7 >>> (16 + i * 4)) & 3;
}
/** LEN<i> field decoded to bytes: 00=1, 01=2, 11=4, 10=8. */
export function dr7Len(dr7: number, i: number): 1 | 2 | 4 | 8 {
  const len = (dr7 >>> (18 + i * 4)) & 3;
  return len === 0 ? 1 : len === 1 ? 2 : len === 3 ? 4 : 8;
}
/** Build the DR7 bits that enable slot i globally with a kind and length (inverse of the decoders above). */
export function dr7Slot(i: number, rw: number, len: 1 | 2 | 4 | 8): number {
  const lenBits = len === 1 ? 0 : len === 2 ? 1 : len === 4 ? 3 : 2;
  return ((2 << (i * 2)) | (rw << (16 + i * 4)) | (lenBits << (18 + i * 4))) >>> 0;
}
