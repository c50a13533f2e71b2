// Condition codes of Jcc/SETcc/CMOVcc (SDM vol. 1 table B-1), cc = opcode & 0xF: the pair cc >> 1 names a
// condition on RFLAGS and an odd cc is its negation. One rule per pair drives both the interpreter
// (condition()) and the compiled code (conditionSource()).
import { RFLAGS } from '../../../x86/control-regs.js';

const { CF, PF, ZF, SF, OF } = RFLAGS;

/** The conditions by pair (cc >> 1). */
export enum Cc {
  O,
  B,
  E,
  BE,
  S,
  P,
  L,
  LE,
}

/** A condition holds when any of the flags `any` is set, or (with `lt`) when SF != OF. */
interface Rule {
  any: number;
  lt: boolean;
}

const RULES: Record<Cc, Rule> = {
  [Cc.O]: { any: OF, lt: false },
  [Cc.B]: { any: CF, lt: false },
  [Cc.E]: { any: ZF, lt: false },
  [Cc.BE]: { any: CF | ZF, lt: false },
  [Cc.S]: { any: SF, lt: false },
  [Cc.P]: { any: PF, lt: false },
  [Cc.L]: { any: 0, lt: true },
  [Cc.LE]: { any: ZF, lt: true },
};

/** Bit positions of SF and OF. */
const SF_BIT = 31 - Math.clz32(SF);
const OF_BIT = 31 - Math.clz32(OF);

/** Per cc: its rule's flags, whether SF != OF also makes it hold, whether it is negated (typed arrays: the
 *  interpreter's Jcc/SETcc/CMOVcc read them on every instruction). */
const ANY = Int32Array.from({ length: 16 }, (_, cc) => RULES[(cc >> 1) as Cc].any);
const LT = Uint8Array.from({ length: 16 }, (_, cc) => (RULES[(cc >> 1) as Cc].lt ? 1 : 0));

/** The flags condition `cc` reads: its rule's, plus SF and OF where SF != OF decides. */
export function conditionReads(cc: number): number {
  const rule = RULES[(cc >> 1) as Cc];
  return rule.any | (rule.lt ? SF | OF : 0);
}

/** Whether condition `cc` holds for RFLAGS `f`. */
export function condition(f: number, cc: number): boolean {
  const r = (f & ANY[cc]!) !== 0 || (LT[cc] === 1 && ((f >>> SF_BIT) & 1) !== ((f >>> OF_BIT) & 1));
  return r !== ((cc & 1) === 1);
}

/** A flag mask as a literal: small ones in decimal, the others in hex. */
function mask(m: number): string {
  return m < 10 ? `${m}` : `0x${m.toString(16)}`;
}

/** The JavaScript expression of condition(f, cc) for the flags expression `f`. */
export function conditionSource(cc: number, f: string): string {
  const rule = RULES[(cc >> 1) as Cc];
  const parts: string[] = [];
  if (rule.any !== 0) parts.push(`(${f} & ${mask(rule.any)}) !== 0`);
  if (rule.lt) parts.push(`((${f} >>> ${SF_BIT}) & 1) !== ((${f} >>> ${OF_BIT}) & 1)`);
  const e = parts.join(' || ');
  return (cc & 1) !== 0 ? `!(${e})` : e;
}
