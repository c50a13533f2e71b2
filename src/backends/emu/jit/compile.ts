// The block compiler: a run of hot instructions on one code page becomes one JavaScript function (new
// Function), so it runs without the interpreter's per-instruction fetch, cache lookup and dispatch.
//
// A block starts at a linear rip and lies within one 4 KiB page of the fast RAM region. It goes on past a
// Jcc (the taken side leaves the block, or loops back when it targets the block's start) and into the target
// of a JMP or CALL on the same page; it ends after any other control transfer, before an instruction it may
// not contain (anything that changes mode, segments, IF/TF or paging, does I/O or is a software interrupt:
// those run in the interpreter, see BLOCKABLE), at the page's end, or after MAX_INSNS instructions. Inside:
// - common register, immediate and memory forms (MOV, ALU, INC/DEC/NEG/NOT, LEA, shifts, IMUL, MOVZX, 64-bit
//   PUSH/POP/CALL/RET, Jcc/JMP) are emitted inline, with guest registers and RFLAGS in JS locals;
// - flags are lazy: a flag writer whose flags are observed (liveness over the block and its loop) keeps its
//   operands and result in locals, a Jcc reads its condition off them, and RFLAGS is computed from them only
//   where something needs it (an exit, a fault, a handler call, a flag reader);
// - an inline memory access stores nothing first: if it throws (fault, MMIO exit), a catch writes back the
//   locals, rip, startRip and retired the interpreter would have had at that instruction;
// - every other instruction calls the interpreter's handler (exec/fast.ts's specialised one where there is
//   one) after storing that same state, so a fault, an MMIO exit or RDTSC's retired count are exact;
// - the block's bytes are compared with RAM on entry (and, in a loop with stores, on every turn; after a store
//   the rest of the block is checked), so self-modifying code, code copied over compiled code and a
//   debugger's int3 patch are all seen.
// Results are bit-for-bit the interpreter's: flags come from the same ALU functions, and
// test/emu/jit-differential.test.ts and jit-debug.test.ts run random code, faults and debug exits both ways.

import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { memLinear } from '../cpu/operands.js';
import { decode } from '../decode/decoder.js';
import { createInsn, DecodeMode, type Insn } from '../decode/insn.js';
import { add, aluOut, and, dec, imul2, inc, neg, or, shift, sub, xor } from '../exec/alu.js';
import { mulHi32 } from '../exec/alu-wide.js';
import { checkTarget } from '../exec/branch.js';
import { specialize } from '../exec/fast.js';
import { Emitter } from './emit.js';
import { blockable, CANON, ENDS_BLOCK, flagLiveness, Kind, maskRip, type Planned, plan, type Segment } from './plan.js';

/** A compiled block. fn returns 0 after running (cpu.rip/retired updated), -1 when its bytes changed. */
export interface Block {
  readonly fn: (cpu: Cpu) => number;
  /** Linear rip of the first instruction, and the CS base it was compiled for (outside 64-bit mode). */
  readonly rip: number;
  readonly csBase: number;
  readonly mode: number;
  /** Number of instructions. */
  readonly count: number;
}

const MAX_INSNS = 64;

/** Emission context: the helpers the generated code closes over. */
const HELPERS = { add, sub, and, or, xor, inc, dec, neg, shift, imul2, mulHi32, aluOut, checkTarget, memLinear };
const HELPER_NAMES = Object.keys(HELPERS);
const HELPER_VALUES = Object.values(HELPERS);

/**
 * Compiles the block at linear `la` (= rip + CS base), whose first byte is at RAM offset `off`, for the
 * cpu's current mode. Returns undefined when the first instruction cannot start a block.
 */
export function compileBlock(cpu: Cpu, handlers: ExecFn[], off: number, rip: number): Block | undefined {
  const ram = cpu.ram;
  const mode = cpu.mode;
  const long64 = cpu.long64;
  const pageEnd = off - (off % 4096) + 4096;
  const ripSize = long64 ? 8 : mode === DecodeMode.Prot32 ? 4 : 2;
  const planned: Planned[] = [];
  // The block's code as runs of contiguous bytes: it goes on past a Jcc (the taken side leaves the block) and
  // follows a JMP within the page, so a loop with branches inside becomes one function.
  const segs: Segment[] = [{ start: off, end: off }];
  const seen = new Set<number>();
  let at = off;
  let curRip = rip;
  let crossed = false;
  while (planned.length < MAX_INSNS && at < pageEnd && !seen.has(at)) {
    const start = at;
    crossed = false;
    const insn = createInsn();
    const st = decode(
      (k: number) => {
        if (start + k >= pageEnd) {
          crossed = true;
          return 0;
        }
        return ram[start + k]!;
      },
      mode,
      insn,
    );
    if (st !== 0 || crossed || !blockable(insn)) break;
    const next = maskRip(curRip + insn.len, ripSize);
    const p = plan(insn, start, curRip, next, long64);
    p.seg = segs.length - 1;
    let target = Number.NaN;
    if (p.kind === Kind.Jcc || p.kind === Kind.Jmp || p.kind === Kind.CallRel) {
      // The target as the interpreter computes it; a non-canonical one (64-bit) goes through the handler.
      target = maskRip(next + insn.imm, insn.osize);
      if (long64 && (target < -CANON || target >= CANON)) p.kind = Kind.Call;
    }
    seen.add(start);
    planned.push(p);
    at += insn.len;
    segs[segs.length - 1]!.end = at;
    curRip = next;
    // The back edge of a loop on the block's start ends the block: what follows is the loop's exit.
    if (p.kind === Kind.Jcc && target !== rip) continue;
    if (p.kind === Kind.Jmp || p.kind === Kind.CallRel) {
      const to = at + (target - next);
      // Follow it when the target is on this page, not yet in the block and not reached by IP wrap-around.
      if (target !== next + insn.imm || to < pageEnd - 4096 || to >= pageEnd || seen.has(to) || target === rip) break;
      p.follow = true;
      segs.push({ start: to, end: to });
      at = to;
      curRip = target;
      continue;
    }
    if (ENDS_BLOCK[insn.op] === 1) break;
  }
  if (planned.length === 0) return undefined;
  const lastP = planned[planned.length - 1]!;
  // A JMP followed to code that could not join the block is its exit after all.
  lastP.follow = false;

  const loops = planned.some(
    (p) => (p.kind === Kind.Jcc || p.kind === Kind.Jmp) && maskRip(p.next + p.insn.imm, p.insn.osize) === rip,
  );
  const backEdgeLive = flagLiveness(planned, rip, loops);
  const fns: ExecFn[] = planned.map((p) => specialize(p.insn) ?? handlers[p.insn.op]!);
  const insns: Insn[] = planned.map((p) => p.insn);
  const e = new Emitter(planned, ram, segs, rip, loops, backEdgeLive, long64);
  const factory = new Function('F', 'I', ...HELPER_NAMES, e.source()) as (...a: unknown[]) => Block['fn'];
  const fn = factory(fns, insns, ...HELPER_VALUES);
  return { fn, rip, csBase: long64 ? 0 : cpu.segBase[1]!, mode, count: planned.length };
}
