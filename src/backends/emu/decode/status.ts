// How the decoder reports its outcome without allocating: decode() returns one of these numbers.
// A page fault (or any other fault) raised by the fetch callback is not caught: it propagates to the caller
// unchanged, so the CPU can deliver it with its own CR2/error code.

/** Return value of decode(). The non-zero values are the exception vectors the CPU must raise. */
export const DecodeStatus = {
  /** insn is fully decoded; insn.op is a supported operation. */
  Ok: 0,
  /** #UD: undefined/unsupported opcode, invalid in this mode, LOCK on a non-lockable form, register where
   *  memory is required (Opnd.M). insn.op = Op.INVALID, insn.len = bytes examined (>= 1), map/opcode set
   *  when known so `--stats` can name it. */
  UD: 6,
  /** #GP(0): "instruction length exceeds 15 bytes" (SDM vol. 2 §2.3.11). Raised as soon as a 16th byte
   *  would be needed, before fetching it. insn.op = Op.INVALID, insn.len = 15. */
  GP: 13,
} as const;
export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];

/**
 * Byte at (instruction start + offset), offset 0..14. The decoder calls it in increasing offset order and
 * never beyond offset 14. It may throw the CPU's page-fault (or segment-limit) exception object.
 */
export type ByteFetch = (offset: number) => number;

/**
 * The decoder entry point (implemented by decoder.ts `decode`): fills every field of `insn` (no field keeps
 * a value from a previous instruction) and returns a DecodeStatus.
 */
export type DecodeFn = (fetch: ByteFetch, mode: number, insn: import('./insn.js').Insn) => DecodeStatus;
