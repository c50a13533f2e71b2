// Instructions that end their basic block with their own ways out: Jcc/JMP rel, CALL rel, RET, and a
// handler call (anything not emitted inline) that may leave the region. Each returns whether it did.
import { Vector } from '../../../../x86/vectors.js';
import { ENDS_BLOCK, Kind, maskRip, type Planned, writesMemory } from '../plan.js';
import { condition } from './conditional.js';
import type { Emission } from './context.js';
import { accessPoint, edgeCode, exitCode, faultPoint, sync } from './exits.js';
import { address64, canonical, load } from './memory.js';
import { push, stackSlot, stackTop } from './stack.js';

/** Anything not emitted inline: the interpreter's handler F[k], after the state is stored; the locals are
 *  loaded again after it. An instruction that may change rip leaves the region after it. */
export function handlerCall(e: Emission, p: Planned, k: number): boolean {
  sync(e, p);
  e.emit(`cpu.nextRip = ${p.next};`);
  e.emit(`F[${k}](cpu, I[${k}]);`);
  e.invalidate();
  if (ENDS_BLOCK[p.insn.op] === 1) {
    e.emit(`cpu.rip = cpu.nextRip; cpu.retired = r0 + base + ${p.pos + 1}; return 0;`);
    return true;
  }
  // An MMIO write or a data breakpoint ends the region after the instruction; so does a store into
  // the region's code.
  const stale = writesMemory(p.insn) ? ' || stale(v)' : '';
  e.emit(
    `if (cpu.exitKind !== 0 || cpu.trapPending${stale}) { cpu.rip = ${p.next}; cpu.retired = r0 + base + ${p.pos + 1}; return 0; }`,
  );
  e.reloadAll();
  return false;
}

/** CALL rel: the return address pushed, then on to the target in the region or out to it. */
export function callRel(e: Emission, p: Planned, k: number): boolean {
  push(e, p, k, `${p.next >>> 0}`, `${Math.floor(p.next / 4294967296) >>> 0}`);
  e.reloadAll();
  e.emit(p.taken >= 0 ? edgeCode(e, p, k, p.taken, true) : exitCode(e, p, `${p.next + p.insn.imm}`));
  return true;
}

/** RET: pop the return address; "#GP(0) if the return instruction pointer is non-canonical" (before RSP
 *  moves); the region is left there. */
export function ret(e: Emission, p: Planned, k: number): boolean {
  accessPoint(e, p, k);
  stackTop(e);
  e.emit('let v0 = 0, v1 = 0;');
  load(e, k, 'la', 8, 'v0', 'v1');
  e.emit(`const rt = ${address64('v1', 'v0')};`);
  e.emit(canonical('rt', Vector.GP));
  stackSlot(e, 8);
  e.emit(`${e.reg(8)} = sl; ${e.reg(9)} = sh;`);
  e.markDirty(8);
  e.markDirty(9);
  e.emit(`${exitCode(e, p, 'rt')} }`);
  return true;
}

/** Jcc/JMP rel, the last of its basic block: each way goes on in the region or leaves it. */
export function branch(e: Emission, p: Planned, k: number): boolean {
  const insn = p.insn;
  const t = maskRip(p.next + insn.imm, insn.osize);
  e.reloadAll();
  const cond = p.kind === Kind.Jmp ? 'true' : condition(e, p);
  // Outside 64-bit mode a taken target is checked against the CS limit: it may #GP at this instruction
  // (the catch then stores the state, as for an access).
  let check = '';
  if (!e.long64) {
    faultPoint(e, p, k);
    check = `${e.code.pop()} checkTarget(cpu, ${t});`;
  }
  const taken = p.taken >= 0 ? edgeCode(e, p, k, p.taken, p.kind === Kind.Jmp) : exitCode(e, p, `${t}`);
  if (p.kind === Kind.Jmp) {
    e.emit(`${check} ${taken}`);
    return true;
  }
  e.emit(`if (${cond}) { ${check} ${taken} }`);
  if (e.selfLoop >= 0) e.emit('break; }');
  e.emit(p.fall >= 0 ? edgeCode(e, p, k, p.fall, true) : exitCode(e, p, `${p.next}`));
  return true;
}
