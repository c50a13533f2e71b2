// The emu vCPU's execution loop: instruction boundary (events, interrupts, kicks), fetch+decode, dispatch to
// the family handlers (exec/), commit, debug hooks, and the conversion of guest faults into IDT delivery.
import type { CpuidEntry } from '../../../abi/index.js';
import { RFLAGS } from '../../../x86/control-regs.js';
import { Vector } from '../../../x86/vectors.js';
import type { DebugUnit } from '../debug-hooks.js';
import { decode } from '../decode/decoder.js';
import { createInsn, DecodeMode, type Insn } from '../decode/insn.js';
import { OP_COUNT } from '../decode/ops.js';
import type { PhysMemory } from '../memory.js';
import { EXIT, FAULT } from '../signals.js';
import { InsnCache } from './icache.js';
import { deliverEvent, EventKind } from './interrupts.js';
import { CpuMem, PendingExit } from './mmu.js';
import { Seg } from './state.js';

/** One execution handler per Op (exec/index.ts fills the table). */
export type ExecFn = (cpu: Cpu, insn: Insn) => void;

/** A way into a compiled region (jit/compile.ts): fn(cpu, L) runs it from basic block L, whose first
 *  instruction is at rip (RAM offset off); it returns 0 after running (cpu.rip/retired updated), -1 when the
 *  region's bytes changed. */
export interface Block {
  readonly fn: (cpu: Cpu, L: number) => number;
  readonly L: number;
  readonly off: number;
  /** Linear rip of the entry instruction, and the CS base it was compiled for (outside 64-bit mode). */
  readonly rip: number;
  readonly csBase: number;
  readonly mode: number;
}

/** Ways into compiled regions by the RAM offset of their first instruction, and the visit counts that decide
 *  when an address is hot enough to compile (jit/cache.ts). */
export interface RegionCache {
  /** The way in compiled at RAM offset `off` for this mode, rip and CS base, or undefined. */
  lookup(off: number, mode: number, rip: number, csBase: number): Block | undefined;
  /** Counts an interpreted visit of `off`; true when it has now been visited `threshold` times. */
  warm(off: number, threshold: number): boolean;
  /** `off` cannot start a region: stop counting it for a long while. */
  cool(off: number): void;
  insert(off: number, b: Block): void;
  remove(off: number): void;
}

/**
 * What the loop is built with (vcpu.ts assembles it): the handlers, the specializer and the region compiler
 * sit above cpu/ (they import it), so they come in here, and so does the configuration.
 */
export interface CpuParts {
  /** One handler per Op (exec/index.ts). */
  readonly handlers: ExecFn[];
  /** A faster handler for a decoded instruction's form, or undefined (exec/fast.ts): the instruction cache
   *  keeps it beside the instruction. */
  readonly specialize: (insn: Insn) => ExecFn | undefined;
  /** Compiles the region entered at rip, whose first byte is at RAM offset off (jit/compile.ts): its ways in,
   *  that entry first, or undefined when the instruction there cannot start a region. */
  readonly compileRegion: (cpu: Cpu, off: number, rip: number) => Block[] | undefined;
  /** This vCPU's compiled regions (jit/cache.ts). */
  readonly regions: RegionCache;
  /** Interpreted visits of an address before a region is compiled there; 0: the interpreter alone. */
  readonly jitThreshold: number;
}

/** run() results beyond PendingExit (which covers IO/MMIO/HLT/SHUTDOWN/DEBUG). */
export const RunResult = { ...PendingExit, Intr: 8, IrqWindowOpen: 9, InternalError: 10 } as const;

/** How many instructions run between two looks at the kick flag ("at least every few thousand"). */
const KICK_INTERVAL = 4096;

/** v mod 2^32 for a non-negative v (one subtraction below 2^33, the usual base + offset sum; `%` is slow). */
export function wrap32(v: number): number {
  if (v >= 0 && v < 8589934592) return v < 4294967296 ? v : v - 4294967296;
  return v % 4294967296;
}

/** Contributory exceptions (SDM vol. 3 table 6-4): two of them in a row make #DF. */
function contributory(v: number): boolean {
  return v === 0 || (v >= 10 && v <= 13);
}

export class Cpu extends CpuMem {
  /** The instruction being executed (a cache entry or the scratch Insn). */
  insn: Insn = createInsn();
  private readonly scratchInsn: Insn = this.insn;
  private readonly icache: InsnCache<ExecFn>;
  private readonly handlers: ExecFn[];
  private readonly specialize: CpuParts['specialize'];
  private readonly compileRegion: CpuParts['compileRegion'];
  private readonly regions: RegionCache;
  /** Interpreted visits of an address before a region is compiled there; 0: interpret only. */
  jitThreshold: number;
  /** Regions compiled, regions dropped because their bytes changed, instructions retired inside them. */
  blocksCompiled = 0;
  blocksInvalidated = 0;
  blockRetired = 0;
  /** The handler of the instruction being executed (specialised for cached register-only forms). */
  private execFn: ExecFn;
  /** Offset of the instruction after the current one (branches overwrite it). */
  nextRip = 0;
  /** rip of the instruction being executed. */
  startRip = 0;
  /** The current instruction is being re-executed after an IN/MMIO-read exit (debug hooks must not refire). */
  resumed = false;
  /** An OUT/OUTS exit returned with rip still at the instruction (KVM's PIO completion): commit on next run. */
  deferredRip = Number.NaN;
  deferredTf = false;
  /** The current instruction delivered a software interrupt (softwareInterrupt): step() ends after it. */
  private delivered = false;
  /** #UD counts of operations the executor does not implement (guestdbg run --stats), by op id. */
  readonly unimplemented = new Uint32Array(OP_COUNT);
  /** #UD counts of undecodable encodings, by map * 256 + opcode. */
  readonly undecodable = new Uint32Array(4 * 256);
  /** Instructions retired (for --stats / MIPS). */
  retired = 0;
  /** Set when the last run() ended in an internal error: what went wrong. */
  internalError = '';
  /** SharedArrayBuffer-backed kick flag: [0] = 1 asks run() to return Intr. */
  kick: Int32Array = new Int32Array(new SharedArrayBuffer(4));
  /** A HLT retired but its exit gave way to a debug exit: the next run() reports it. */
  private hltOwed = false;
  /** CPUID leaves (KVM_SET_CPUID2 replaces them). */
  cpuid: CpuidEntry[] = [];

  private readonly fetcher = (off: number): number => this.fetchByte(this.fetchBase + off);

  constructor(mem: PhysMemory, makeDebug: (cpu: Cpu) => DebugUnit, parts: CpuParts) {
    super(mem);
    // Each part in a field of its own: one property load per call, as a method would be.
    this.handlers = parts.handlers;
    this.specialize = parts.specialize;
    this.compileRegion = parts.compileRegion;
    this.regions = parts.regions;
    this.jitThreshold = parts.jitThreshold;
    this.icache = new InsnCache(this.handlers[0]!);
    this.execFn = this.handlers[0]!;
    this.dbg = makeDebug(this);
    this.resetSegments();
    this.updateMode();
  }

  /** Mask an instruction-pointer value to the current code size. */
  maskIp(v: number, size: number): number {
    if (size === 8) return v;
    return size === 4 ? v >>> 0 : v & 0xffff;
  }

  /** Linear address of the current rip. */
  ripLinear(): number {
    return this.long64 ? this.rip : (this.segBase[Seg.CS]! + this.rip) % 4294967296;
  }

  /**
   * KVM_RUN: execute until an exit. Returns a RunResult; the exit's details are in the exit* fields.
   */
  run(): number {
    this.exitKind = PendingExit.None;
    if (this.kick[0] !== 0) {
      this.kick[0] = 0;
      return RunResult.Intr;
    }
    if (this.hltOwed) {
      this.hltOwed = false;
      return RunResult.Hlt;
    }
    if (!Number.isNaN(this.deferredRip)) {
      // Completion of an OUT: the instruction retires now (its traps come after it, as on KVM).
      this.rip = this.deferredRip;
      this.deferredRip = Number.NaN;
      const tf = this.deferredTf;
      try {
        if (tf || this.dbg.active) this.dbg.afterInsn(tf);
      } catch (e) {
        const r = this.onSignal(e);
        if (r !== RunResult.None) return r;
      }
      // afterInsn() reports a debug exit by setting exitKind without throwing (a throw per step is costly).
      if (this.exitKind !== PendingExit.None) return this.exitKind;
    }
    let budget = KICK_INTERVAL;
    for (;;) {
      try {
        for (;;) {
          if (budget <= 0) {
            budget = KICK_INTERVAL;
            if (this.kick[0] !== 0) {
              this.kick[0] = 0;
              return RunResult.Intr;
            }
          }
          if (this.queuedVector >= 0 || this.pendingIrq >= 0 || this.nmiPending || this.requestIrqWindow) {
            const r = this.boundaryEvents();
            if (r !== RunResult.None) return r;
          }
          // A compiled region when one applies: no interrupt shadow, not the re-run of an instruction an exit
          // interrupted (its MMIO/IN data is waiting for the interpreter), the debug unit agrees (runBlock).
          const before = this.retired;
          if (this.jitThreshold > 0 && this.shadow === 0 && !this.resumed && this.runBlock()) {
            const n = this.retired - before;
            budget -= n;
            this.blockRetired += n;
            // A data breakpoint matched in the region's last instruction: its trap now.
            if (this.trapPending) this.dbg.afterInsn(false);
          } else {
            this.step();
            budget--;
          }
          if (this.exitKind !== PendingExit.None) return this.exitKind;
        }
      } catch (e) {
        const r = this.onSignal(e);
        if (r !== RunResult.None) return r;
      }
    }
  }

  /** Runs the compiled region that has a way in at rip, compiling it once the address is hot. False: interpret
   *  instead. */
  private runBlock(): boolean {
    const rip = this.rip;
    const csBase = this.long64 ? 0 : this.segBase[Seg.CS]!;
    const la = this.long64 ? rip : wrap32(csBase + rip);
    let po = la - this.fetchLa;
    if (!(po >= 0 && po < 4096)) {
      // Another page (a region's way out, a call or return): in 64-bit mode (no CS limit to check) its
      // translation may come from the TLB, so the next region starts without an interpreted instruction.
      if (!this.long64 || !this.fetchPageFromTlb(la)) return false;
      po = la - this.fetchLa;
    }
    if (this.dbg.active && !this.dbg.blocksAt(la)) return false;
    const off = this.fetchOff + po;
    let b = this.regions.lookup(off, this.mode, rip, csBase);
    if (b === undefined) {
      if (!this.regions.warm(off, this.jitThreshold)) return false;
      const ways = this.compileRegion(this, off, rip);
      if (ways === undefined) {
        this.regions.cool(off);
        return false;
      }
      // Its other basic blocks are ways in too (an exit to one of them finds it).
      for (const w of ways) this.regions.insert(w.off, w);
      b = ways[0]!;
      this.blocksCompiled++;
    }
    if (b.fn(this, b.L) < 0) {
      // Its bytes changed: compile afresh when the new code is hot in turn.
      this.regions.remove(off);
      this.blocksInvalidated++;
      return false;
    }
    return true;
  }

  /** Execute one instruction (no boundary events). Throws FAULT/EXIT. */
  step(): void {
    const rip = this.rip;
    this.startRip = rip;
    const la = this.long64 ? rip : wrap32(this.segBase[Seg.CS]! + rip);
    this.fetchBase = la;
    // --- DEBUG hook: instruction breakpoints / host single-step (one boolean when nothing is armed) ---
    if (this.dbg.active) this.dbg.beforeInsn(la, this.resumed);
    this.resumed = false;
    // The cache hit inline; fetchDecoded() handles page changes, misses and decoding.
    const po = la - this.fetchLa;
    let insn =
      po >= 0 && po < 4096 ? this.icache.lookup(this.ram, this.ramView, this.fetchOff + po, this.mode) : undefined;
    if (insn === undefined) insn = this.fetchDecoded(la);
    else {
      this.insn = insn;
      this.execFn = this.icache.fn;
    }
    const tf = (this.rflags & RFLAGS.TF) !== 0;
    this.shadow = 0;
    const next = rip + insn.len;
    this.nextRip = this.long64 ? next : this.mode === DecodeMode.Prot32 ? next >>> 0 : next & 0xffff;
    this.execFn(this, insn);
    if (this.delivered) {
      // A software interrupt was delivered (softwareInterrupt): rip is its handler's.
      this.delivered = false;
      return;
    }
    this.retireMmioReads();
    if (this.exitKind === PendingExit.IoOut) {
      // KVM leaves rip at the OUT until the next KVM_RUN completes it.
      this.deferredRip = this.nextRip;
      this.deferredTf = tf;
      return;
    }
    this.rip = this.nextRip;
    this.retired++;
    // --- DEBUG hook: trap-class #DB after the instruction (TF/BS, data/IO breakpoints, host single-step) ---
    if (tf || this.dbg.active) {
      const hlt = this.exitKind === PendingExit.Hlt;
      this.dbg.afterInsn(tf);
      // A debug exit after HLT (host single-step, a host watchpoint): KVM reports it first and the vCPU is
      // halted when it runs again (kvm_emulate_halt: the step exit, then the halt).
      if (hlt && this.exitKind !== PendingExit.Hlt) this.hltOwed = true;
    }
  }

  /** The decoded instruction at linear `la`: from the cache when its bytes are unchanged, else decoded
   *  (and cached when it lies within one fast-RAM page). Raises #UD/#GP for undecodable bytes. */
  private fetchDecoded(la: number): Insn {
    // Translate the first byte when it is not on the current fetch page (fills fetchLa/fetchOff for RAM
    // pages; may raise #PF like the fetch would).
    let po = la - this.fetchLa;
    if (!(po >= 0 && po < 4096)) {
      this.fetchByte(la);
      po = la - this.fetchLa;
    }
    let insn: Insn;
    let off = -1;
    if (po >= 0 && po < 4096) {
      off = this.fetchOff + po;
      const hit = this.icache.lookup(this.ram, this.ramView, off, this.mode);
      if (hit !== undefined) {
        this.insn = hit;
        this.execFn = this.icache.fn;
        return hit;
      }
      insn = this.icache.slotFor(off);
    } else insn = this.scratchInsn;
    this.insn = insn;
    const st = decode(this.fetcher, this.mode, insn);
    if (st !== 0) {
      if (insn.op === 0) this.undecodable[((insn.map & 3) << 8) | (insn.opcode & 0xff)]!++;
      this.raise(st, st === Vector.GP ? 0 : -1);
    }
    const generic = this.handlers[insn.op]!;
    if (off >= 0 && (la & 0xfff) + insn.len <= 4096) {
      const fn = this.specialize(insn) ?? generic;
      this.icache.commit(this.ram, off, this.mode, fn);
      this.execFn = fn;
    } else this.execFn = generic;
    return insn;
  }

  /** Pending events at an instruction boundary: queued exceptions, NMI, external interrupts, irq window. */
  private boundaryEvents(): number {
    if (this.queuedVector >= 0) {
      const v = this.queuedVector;
      const code = this.queuedErrorCode;
      this.queuedVector = -1;
      this.queuedErrorCode = -1;
      this.faultVector = v;
      this.faultCode = code;
      this.faultKind = EventKind.Exception;
      throw FAULT;
    }
    const canIrq = this.shadow === 0 && !this.dbg.blockIrq();
    if (this.nmiPending && canIrq && !this.nmiMasked) {
      this.nmiPending = false;
      this.nmiMasked = true;
      this.halted = false;
      deliverEvent(this, Vector.NMI, -1, EventKind.Nmi);
      return RunResult.None;
    }
    const ifSet = (this.rflags & RFLAGS.IF) !== 0;
    if (this.pendingIrq >= 0 && ifSet && canIrq) {
      const v = this.pendingIrq;
      this.pendingIrq = -1;
      this.halted = false;
      deliverEvent(this, v, -1, EventKind.External);
      return RunResult.None;
    }
    if (this.requestIrqWindow && this.pendingIrq < 0 && ifSet && canIrq) return RunResult.IrqWindowOpen;
    return RunResult.None;
  }

  /** A thrown signal: deliver a guest fault (with #DF/triple-fault escalation) or report an exit. */
  private onSignal(e: unknown): number {
    if (e === EXIT) {
      // The instruction was aborted for the VMM (IN / MMIO read): rip stays on it and it runs again.
      if (this.exitKind === PendingExit.IoIn || this.exitKind === PendingExit.MmioRead) {
        this.resumed = true;
        this.rip = this.startRip;
      }
      return this.exitKind;
    }
    if (e !== FAULT) {
      this.internalError = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
      return RunResult.InternalError;
    }
    const kind = this.faultKind;
    this.faultKind = EventKind.Exception;
    return this.deliverFault(this.faultVector, this.faultCode, kind);
  }

  /**
   * INT n, INT3, INTO, INT1 (exec/interrupt.ts): a trap of the current instruction, delivered without a throw
   * (V8 spends ~1.5 us on one). rip becomes the return address (the next instruction), the event is delivered
   * as a thrown fault would be, and step() ends there (the instruction is not counted as retired, and no trap
   * of its own follows). A result other than None (a debug exit, a triple fault, an MMIO exit while pushing)
   * ends run().
   */
  softwareInterrupt(vector: number, kind: number): void {
    this.rip = this.nextRip;
    const r = this.deliverFault(vector, -1, kind);
    this.delivered = true;
    if (r !== RunResult.None) this.exitKind = r;
  }

  /** Delivers a fault or trap (with #DF/triple-fault escalation), or reports the exit it leads to. */
  private deliverFault(vector: number, code: number, kind: number): number {
    this.exitKind = PendingExit.None;
    if (this.trapPending) this.dbg.dropTraps();
    for (;;) {
      try {
        // --- DEBUG hook: #DB/#BP the host intercepts (KVM_EXIT_DEBUG) instead of delivering ---
        if ((vector === Vector.DB || vector === Vector.BP) && this.dbg.interceptException(vector, kind)) {
          this.retireMmioReads();
          return this.exitKind === PendingExit.None ? RunResult.Debug : this.exitKind;
        }
        deliverEvent(this, vector, code, kind);
        this.retireMmioReads();
        return RunResult.None;
      } catch (e2) {
        // An MMIO read while delivering (a gate, a stack in non-RAM): the instruction runs again with the log of
        // answers it has so far, its event included.
        if (e2 === EXIT) return this.onSignal(e2);
        if (e2 !== FAULT) return this.onSignal(e2);
        const second = this.faultVector;
        // A fault while vectoring INT n/INT3/INTO/INT1 is a fault of that instruction (rip back on it).
        if (kind !== EventKind.Exception && kind !== EventKind.External && kind !== EventKind.Nmi) {
          this.rip = this.startRip;
          vector = second;
          code = this.faultCode;
          kind = EventKind.Exception;
          continue;
        }
        // "If a second exception occurs while the processor is attempting to call the handler for a #DF,
        // the processor enters shutdown mode" (triple fault).
        if (vector === Vector.DF) {
          this.retireMmioReads();
          return RunResult.Shutdown;
        }
        if (
          (contributory(vector) && contributory(second)) ||
          (vector === Vector.PF && (contributory(second) || second === Vector.PF))
        ) {
          vector = Vector.DF;
          code = 0;
        } else {
          vector = second;
          code = this.faultCode;
        }
        kind = EventKind.Exception;
      }
    }
  }
}

export { RFLAGS };
