// The region compiler: the hot code of one page becomes one JavaScript function (new Function), so it runs
// without the interpreter's per-instruction fetch, cache lookup and dispatch.
//
// A region is entered at a hot linear rip and holds every instruction reachable from there on the same 4 KiB
// page of the fast RAM region (up to MAX_INSNS): fall-through, both ways of a Jcc, the targets of JMP and
// CALL rel. It stops before an instruction it may not contain (anything that changes mode, segments, IF/TF or
// paging, does I/O or is a software interrupt: those run in the interpreter, see BLOCKABLE), after indirect
// transfers and RET, and at the page's end. Its basic blocks become the cases of `for (;;) switch (L)`, each
// one a way in (the cache finds the region from any of them); a block that branches to its own start loops
// in place. Inside:
// - common register, immediate and memory forms (MOV, ALU, INC/DEC/NEG/NOT, LEA, shifts, IMUL, MOVZX,
//   MOVSX/MOVSXD, SETcc, CMOVcc, NOP, 64-bit PUSH/POP/CALL/RET, Jcc/JMP) are emitted inline, with guest
//   registers and RFLAGS in JS locals;
// - flags are lazy (lazy.ts): a flag writer whose flags are observed (liveness over the region's graph) keeps
//   its operands and result in locals, a Jcc reads its condition off them, and RFLAGS is computed from them
//   only where something needs it (a way out, a fault, a handler call, a flag reader);
// - an inline memory access goes through the page its site used last, else the TLB, else the CPU's access;
//   it stores nothing first: if it throws (fault, MMIO exit), a catch writes back the locals, rip, startRip
//   and retired the interpreter would have had at that instruction;
// - every other instruction calls the interpreter's handler (exec/fast.ts's specialised one where there is
//   one) after storing that same state, so a fault, an MMIO exit or RDTSC's retired count are exact;
// - the region's bytes are compared with RAM on entry, and again after a store into its own page (or one
//   whose page is not known), so self-modifying code, code copied over compiled code and a debugger's int3
//   patch are all seen;
// - a way backwards leaves the region once it has run about REGION_INSNS instructions, so kicks still land.
// Results are bit-for-bit the interpreter's: flags come from the same ALU functions, and
// test/emu/jit/differential.test.ts and debug.test.ts run random code, faults and debug exits both ways.
import { appendFileSync } from 'node:fs';
import { CANONICAL_BOUND } from '../../../x86/paging.js';
import type { Block, Cpu, CpuParts, ExecFn } from '../cpu/cpu.js';
import { memLinear } from '../cpu/operands.js';
import { decode } from '../decode/decoder.js';
import { createInsn, DecodeMode, type Insn } from '../decode/insn.js';
import { add, aluOut, and, dec, imul2, inc, neg, or, shift, sub, xor } from '../exec/alu/index.js';
import { mulHi32 } from '../exec/alu/wide.js';
import { checkTarget } from '../exec/branch.js';
import { specialize } from '../exec/fast.js';
import { codeWords, Emitter } from './emit/region.js';
import { lazyFlags } from './lazy.js';
import { blockable, ENDS_BLOCK, Kind, maskRip, type Planned, plan, type Segment } from './plan.js';

/** Instructions per region at most (its bytes are compared with RAM on every entry). */
const MAX_INSNS = 256;

/** Compiled functions a region compiler keeps at most. */
const COMPILED_MAX = 256;

interface Compiler {
  readonly handlers: ExecFn[];
  readonly dump: string | undefined;
  /**
   * Compiled functions by their source and code bytes, for every vCPU built with this compiler: the same code
   * compiled again (another vCPU, a guest run again, code whose region was invalidated and is back) reuses
   * the function, and with it the machine code V8 has already optimised for it. Its closure holds nothing of
   * one vCPU (the cpu is an argument; F, I, SO and SW follow from the handlers, the source and the bytes).
   * The least recently compiled or reused goes first.
   */
  readonly compiled: Map<string, Block['fn']>;
}

/** Emission context: the helpers the generated code closes over. */
const HELPERS = {
  add,
  sub,
  and,
  or,
  xor,
  inc,
  dec,
  neg,
  shift,
  imul2,
  mulHi32,
  aluOut,
  checkTarget,
  memLinear,
  lazyFlags,
};
const HELPER_NAMES = Object.keys(HELPERS);
const HELPER_VALUES = Object.values(HELPERS);

/**
 * The region compiler a CPU is built with (CpuParts.compileRegion): what a region does not emit inline calls
 * `handlers` (or exec/fast.ts's specialised handler), and when `dump` names a file (GUESTDBG_EMU_JIT_DUMP)
 * every region's JavaScript is appended to it.
 */
export function regionCompiler(handlers: ExecFn[], dump: string | undefined): CpuParts['compileRegion'] {
  const c: Compiler = { handlers, dump, compiled: new Map() };
  return (cpu, off, rip) => compileBlock(c, cpu, off, rip);
}

/**
 * Compiles the region entered at `rip`, whose first byte is at RAM offset `off`, for the cpu's current mode.
 * Returns its ways in, that entry first and then every other basic block's start, or undefined when the
 * first instruction cannot start a region.
 */
function compileBlock(c: Compiler, cpu: Cpu, off: number, rip: number): Block[] | undefined {
  const ram = cpu.ram;
  const mode = cpu.mode;
  const long64 = cpu.long64;
  const pageStart = off - (off % 4096);
  const pageEnd = pageStart + 4096;
  const ripSize = long64 ? 8 : mode === DecodeMode.Prot32 ? 4 : 2;
  // The instructions reachable from the entry on this page, breadth first: fall-through, both ways of a Jcc,
  // the targets of JMP and CALL rel. An offset that cannot join (undecodable, crossing the page, not
  // blockable, past an IP wrap) is left out: the ways to it leave the region.
  const byOff = new Map<number, Planned>();
  const refused = new Set<number>();
  // The RAM offsets each instruction's ways inside the page lead to (branch target, fall-through).
  const takenOff = new Map<Planned, number>();
  const fallOff = new Map<Planned, number>();
  const queue = [off];
  for (let qi = 0; qi < queue.length && byOff.size < MAX_INSNS; qi++) {
    const at = queue[qi]!;
    if (byOff.has(at) || refused.has(at)) continue;
    const curRip = rip + (at - off);
    if (maskRip(curRip, ripSize) !== curRip) {
      refused.add(at);
      continue;
    }
    let crossed = false;
    const insn = createInsn();
    const st = decode(
      (k: number) => {
        if (at + k >= pageEnd) {
          crossed = true;
          return 0;
        }
        return ram[at + k]!;
      },
      mode,
      insn,
    );
    if (st !== 0 || crossed || !blockable(insn)) {
      refused.add(at);
      continue;
    }
    const next = maskRip(curRip + insn.len, ripSize);
    const p = plan(insn, at, curRip, next, long64);
    byOff.set(at, p);
    if (p.kind === Kind.Jcc || p.kind === Kind.Jmp || p.kind === Kind.CallRel) {
      // The target as the interpreter computes it; a non-canonical one (64-bit) goes through the handler.
      const target = maskRip(next + insn.imm, insn.osize);
      if (long64 && (target < -CANONICAL_BOUND || target >= CANONICAL_BOUND)) p.kind = Kind.Call;
      else {
        // On this page and not reached by IP wrap-around: a way inside the region.
        const to = at + insn.len + insn.imm;
        if (target === next + insn.imm && to >= pageStart && to < pageEnd) {
          takenOff.set(p, to);
          queue.push(to);
        }
      }
    }
    const ends = p.kind === Kind.Jmp || p.kind === Kind.CallRel || p.kind === Kind.Ret || ENDS_BLOCK[insn.op] === 1;
    if ((!ends || p.kind === Kind.Jcc) && next === curRip + insn.len && at + insn.len < pageEnd) {
      fallOff.set(p, at + insn.len);
      queue.push(at + insn.len);
    }
  }
  if (!byOff.has(off)) return undefined;

  // In address order, with the ways between them as indices; basic blocks start at the entry, at branch
  // targets and after branches, and wherever the previous instruction does not fall into the next.
  const planned = [...byOff.values()].sort((a, b) => a.off - b.off);
  const index = new Map(planned.map((p, k) => [p.off, k]));
  const isTarget = new Uint8Array(planned.length);
  for (const p of planned) {
    const t = takenOff.get(p);
    const f = fallOff.get(p);
    p.taken = t === undefined ? -1 : (index.get(t) ?? -1);
    p.fall = f === undefined ? -1 : (index.get(f) ?? -1);
    if (p.taken >= 0) isTarget[p.taken] = 1;
  }
  // A fall-through to anything but the next instruction in address order (overlapping code) is a way in.
  planned.forEach((p, k) => {
    if (p.fall >= 0 && p.fall !== k + 1) isTarget[p.fall] = 1;
  });
  const entry = index.get(off)!;
  let bb = -1;
  for (let k = 0; k < planned.length; k++) {
    const p = planned[k]!;
    const prev = planned[k - 1];
    if (k === 0 || k === entry || isTarget[k] === 1 || prev!.fall !== k || prev!.kind === Kind.Jcc) {
      bb++;
      p.pos = 0;
    } else p.pos = prev!.pos + 1;
    p.bb = bb;
  }
  // The region's bytes as runs of contiguous bytes (checked against RAM on entry).
  const segs: Segment[] = [];
  for (const p of planned) {
    const last = segs[segs.length - 1];
    if (last !== undefined && p.off <= last.end) last.end = Math.max(last.end, p.off + p.insn.len);
    else segs.push({ start: p.off, end: p.off + p.insn.len });
  }

  const src = new Emitter(planned, pageStart, long64).source();
  if (c.dump !== undefined) appendFileSync(c.dump, `// region entered at rip 0x${rip.toString(16)}\n${src}\n`);
  const code = codeWords(ram, segs);
  const key = `${code.offs.join()}\n${code.words.join()}\n${src}`;
  let fn = c.compiled.get(key);
  if (fn !== undefined) c.compiled.delete(key);
  else {
    const fns: ExecFn[] = planned.map((p) => specialize(p.insn) ?? c.handlers[p.insn.op]!);
    const insns: Insn[] = planned.map((p) => p.insn);
    const factory = new Function('F', 'I', 'SO', 'SW', ...HELPER_NAMES, src) as (...a: unknown[]) => Block['fn'];
    fn = factory(fns, insns, code.offs, code.words, ...HELPER_VALUES);
    if (c.compiled.size >= COMPILED_MAX) c.compiled.delete(c.compiled.keys().next().value!);
  }
  c.compiled.set(key, fn);
  const csBase = long64 ? 0 : cpu.segBase[1]!;
  const way = (p: Planned): Block => ({ fn, L: p.bb, off: p.off, rip: p.rip, csBase, mode });
  return [way(planned[entry]!), ...planned.filter((p, k) => p.pos === 0 && k !== entry).map(way)];
}
