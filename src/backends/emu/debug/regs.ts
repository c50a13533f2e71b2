// The guest's own debug registers DR0-DR7 as MOV DR and KVM_GET/SET_DEBUGREGS see them (SDM vol. 3 §18.2).
// Values for matching are kept as signed doubles (the CPU's linear-address form); the API side is bigint.
import { KvmError } from '../../../abi/errors.js';
import type { DebugRegs } from '../../../abi/types.js';

/** DR6 reads as 0xffff0ff0 | status: bits 4-11 and 16-31 are reserved-1 (bit 16, RTM, reads 1 without RTM). */
export const DR6_FIXED1 = 0xffff0ff0;
/** DR6 status bits software and #DB may set: B0-B3 (0-3), BD (13), BS (14), BT (15). Bit 12 reads 0. */
export const DR6_STATUS = 0x0000e00f;
/** B0-B3: "certain debug exceptions may clear bits 0-3" — every #DB rewrites them; BD/BS/BT are sticky. */
export const DR6_TRAP_BITS = 0xf;
export const DR6_BD_BIT = 1 << 13;
export const DR6_BS_BIT = 1 << 14;
/** DR7 bit 10 reads 1. */
export const DR7_FIXED1 = 0x400;
/** DR7 bits that keep what is written: L0-G3 (0-7), LE/GE (8, 9), GD (13), R/W and LEN (16-31).
 *  Bits 11 (RTM, no RTM here), 12, 14 and 15 read 0. */
export const DR7_WRITABLE = 0xffff23ff;
export const DR7_GD_BIT = 1 << 13;
/** L<i>|G<i> for i = 0..3. */
export const DR7_ENABLE_BITS = 0xff;

const TWO32 = 4294967296;
const MAX_EXACT = 2 ** 53;

/** A 64-bit DR0-3 value as the CPU's signed double; NaN when the value is not exactly representable
 *  (such an address is not canonical and can match no linear address). */
export function addrNumber(v: bigint): number {
  const s = BigInt.asIntN(64, v);
  const n = Number(s);
  return Math.abs(n) < MAX_EXACT ? n : Number.NaN;
}

/** The canonical DR0-3 value of a (lo, hi) MOV source: hi is the upper 32 bits (ignored outside 64-bit mode). */
export function drValue(lo: number, hi: number, long64: boolean): bigint {
  const lo64 = BigInt(lo >>> 0);
  return long64 ? (BigInt(hi >>> 0) << 32n) | lo64 : lo64;
}

/** Merge the status bits of a #DB delivered to the guest into its DR6 (KVM kvm_deliver_exception_payload):
 *  B0-B3 are replaced, BD/BS/BT only ever get set, the fixed bits stay. */
export function dr6WithPayload(dr6: number, payload: number): number {
  return ((((dr6 & ~DR6_TRAP_BITS) | (payload & DR6_STATUS)) & ~0x1000) | DR6_FIXED1) >>> 0;
}

export class GuestDebugRegs {
  /** DR0-DR3 exactly as written (64-bit). */
  readonly db: [bigint, bigint, bigint, bigint] = [0n, 0n, 0n, 0n];
  /** DR0-DR3 as signed doubles for matching (NaN: never matches). */
  readonly addr = new Float64Array(4);
  /** DR6 as the guest reads it (always includes DR6_FIXED1). */
  dr6 = DR6_FIXED1;
  /** DR7 as the guest reads it (always includes DR7_FIXED1). */
  dr7 = DR7_FIXED1;

  setDb(i: number, v: bigint): void {
    this.db[i] = BigInt.asUintN(64, v);
    this.addr[i] = addrNumber(v);
  }

  /** MOV to DR6: "the upper 32 bits of DR6 are reserved and must be written with zeros" (else #GP, checked by the caller). */
  writeDr6(lo: number): void {
    this.dr6 = ((lo & DR6_STATUS) | DR6_FIXED1) >>> 0;
  }

  writeDr7(lo: number): void {
    this.dr7 = ((lo & DR7_WRITABLE) | DR7_FIXED1) >>> 0;
  }

  /** KVM_GET_DEBUGREGS */
  get(): DebugRegs {
    return {
      db: [this.db[0], this.db[1], this.db[2], this.db[3]],
      dr6: BigInt(this.dr6),
      dr7: BigInt(this.dr7),
      flags: 0,
    };
  }

  /** KVM_SET_DEBUGREGS: EINVAL for flags != 0 or DR6/DR7 with bits 32-63 set (kvm_dr6_valid/kvm_dr7_valid). */
  set(regs: DebugRegs): void {
    if (regs.flags !== 0) throw new KvmError('KVM_SET_DEBUGREGS', 'EINVAL', `flags must be 0, got ${regs.flags}`);
    if (regs.dr6 >> 32n !== 0n || regs.dr6 < 0n)
      throw new KvmError('KVM_SET_DEBUGREGS', 'EINVAL', 'dr6 bits 63:32 are reserved and must be 0');
    if (regs.dr7 >> 32n !== 0n || regs.dr7 < 0n)
      throw new KvmError('KVM_SET_DEBUGREGS', 'EINVAL', 'dr7 bits 63:32 are reserved and must be 0');
    for (let i = 0; i < 4; i++) this.setDb(i, regs.db[i]!);
    this.writeDr6(Number(regs.dr6));
    this.writeDr7(Number(regs.dr7));
  }

  /** The value MOV from DRn yields as (lo, hi) halves; n is already de-aliased (0-3, 6, 7). */
  read(n: number, long64: boolean): [number, number] {
    if (n < 4) {
      const v = this.db[n]!;
      return [Number(v & 0xffffffffn), long64 ? Number(v >> 32n) : 0];
    }
    return [n === 6 ? this.dr6 : this.dr7, 0];
  }
}

/** Split a signed double address into unsigned (lo, hi) halves. */
export function splitAddr(v: number): [number, number] {
  return [v >>> 0, Math.floor(v / TWO32) >>> 0];
}
