// glibc's x86-64 struct sigaction and sigset_t (<signal.h>), the user-space ABI that sigaction(3) takes.
import { LE, layout, viewOf } from './layout.js';

export const SIGACTION = layout('struct sigaction', 152, {
  sa_handler: 0,
  sa_mask: 8,
  sa_flags: 136,
  sa_restorer: 144,
});
export const SIGSET = layout('sigset_t', 128, {});

/** A struct sigaction with this handler, an empty sa_mask and these flags (glibc fills sa_restorer). */
export function encodeSigaction(handler: bigint, flags: number): Buffer {
  const buf = Buffer.alloc(SIGACTION.size);
  const dv = viewOf(buf);
  dv.setBigUint64(SIGACTION.offsets.sa_handler, handler, LE);
  dv.setInt32(SIGACTION.offsets.sa_flags, flags, LE);
  return buf;
}

/** A sigset_t holding one signal: "signal n is bit n-1 of an array of unsigned long". */
export function sigsetOf(signal: number): Buffer {
  const buf = Buffer.alloc(SIGSET.size);
  const bit = signal - 1;
  buf[bit >> 3] |= 1 << (bit & 7);
  return buf;
}
