// The ways out of instructions and basic blocks: exits from the region (through its epilogue), edges to
// another basic block, and the points where an instruction may fault (the interpreter's state for the catch).
import type { Planned } from '../plan.js';
import type { Emission } from './context.js';

/** A region that loops runs about this many instructions per call at most (the run loop checks for kicks
 *  between calls): ~0.1 ms of compiled code, while each entry's code comparison and register loads cost
 *  ~8 % of compute.elf's time at 4096. */
const REGION_INSNS = 65536;

/** Code that leaves the region with rip and retired as after instruction p (through the epilogue). */
export function exitCode(e: Emission, p: Planned, rip: string): string {
  return `${e.flags.pkCode()} X = ${rip}; n = base + ${p.pos + 1}; break out;`;
}

/**
 * Code that goes from the end of p's basic block to instruction j's (a block start): pk says what is pending
 * when the flags are live there, the retired base moves on, a way backwards leaves the region once it has
 * run its share of instructions, and control goes to j's case (falls into it when it comes next and this is
 * the basic block's last way out, `last`).
 */
export function edgeCode(e: Emission, p: Planned, k: number, j: number, last: boolean): string {
  const q = e.planned[j]!;
  const parts: string[] = [];
  if (e.liveIn[j] !== 0) parts.push(e.flags.pkCode());
  parts.push(`base += ${p.pos + 1};`);
  if (j <= k) parts.push(`if (base >= ${REGION_INSNS}) { ${e.flags.pkCode()} X = ${q.rip}; n = base; break out; }`);
  if (j === e.selfLoop) parts.push('continue;');
  else if (!last || j !== k + 1) parts.push(`L = ${q.bb}; continue out;`);
  return parts.join(' ');
}

/** After p, the last of its basic block and not a branch: on to the instruction it falls to, or out. */
export function fallOut(e: Emission, p: Planned, k: number): void {
  e.reloadAll();
  e.emit(p.fall >= 0 ? edgeCode(e, p, k, p.fall, true) : exitCode(e, p, `${p.next}`));
}

/** The interpreter's view before instruction k may fault: state stored, rip/startRip/retired at k. */
export function sync(e: Emission, p: Planned): void {
  e.flush();
  e.emit(`pc = -1; cpu.rip = cpu.startRip = ${p.rip}; cpu.retired = r0 + base + ${p.pos};`);
}

/** Before an inline memory access: deferred where the address comes from the locals (64-bit addressing in
 *  64-bit mode, 32-bit addressing elsewhere), else the full sync (memLinear() reads the registers). */
export function accessPoint(e: Emission, p: Planned, k: number): void {
  if ((e.long64 && p.insn.asize === 8) || (!e.long64 && p.insn.asize === 4)) faultPoint(e, p, k);
  else sync(e, p);
}

/** Before an inline memory access of instruction k: nothing is stored unless it throws (then the catch
 *  stores what sync() would have, see Emitter.source()). */
export function faultPoint(e: Emission, p: Planned, k: number): void {
  e.emit(`pc = ${k};`);
  e.deopt[k] = `${e.flags.pkCode()} X = ${p.rip}; n = base + ${p.pos};`;
}

/** After an instruction with an inline load: a data breakpoint it matched ends the region (its trap is
 *  taken after the instruction). */
export function trapCheck(e: Emission, p: Planned): void {
  e.emit(`if (tp) { ${exitCode(e, p, `${p.next}`)} }`);
}
