// EmuVcpu: the KVM vCPU API (Vcpu in src/abi/api.ts) over the emu CPU. Exits are built here from the CPU's
// pending-exit fields; IN and MMIO-read data the caller fills are handed back to the CPU on the next run().
import {
  type CpuidEntry,
  type DebugRegs,
  type Exit,
  ExitReason,
  type Fpu,
  type GuestDebug,
  InternalErrorSub,
  IoDirection,
  KvmError,
  type MsrEntry,
  type Regs,
  type SoftBreakpoints,
  type Sregs,
  type Translation,
  type Vcpu,
  type VcpuEvents,
  VcpuEventsFlag,
  type VcpuKicker,
} from '../../abi/index.js';
import { RFLAGS } from '../../x86/control-regs.js';
import { newWalkResult, walk } from '../../x86/paging.js';
import { Vector } from '../../x86/vectors.js';
import { EMU_CONFIG } from './config.js';
import { Cpu, type CpuParts, RunResult } from './cpu/cpu.js';
import { PendingExit } from './cpu/mmu.js';
import { rdmsr, wrmsr } from './cpu/msr.js';
import { defaultCpuid } from './cpuid.js';
import { EmuDebugUnit } from './debug/unit.js';
import { opName } from './decode/ops.js';
import { specialize } from './exec/fast.js';
import { buildHandlers } from './exec/index.js';
import { BlockCache } from './jit/cache.js';
import { regionCompiler } from './jit/compile.js';
import type { PhysMemory } from './memory.js';
import { FAULT } from './signals.js';
import { addrFromBig, getFpu, getRegs, getSregs, setFpu, setRegs, setSregs } from './vcpu-state.js';

const HANDLERS = buildHandlers();
/** What every vCPU's Cpu is built with, its own region cache aside: cpu/ sits below exec/ and jit/, so they
 *  are handed to it here, with the configuration (config.ts). */
const SHARED_PARTS: Omit<CpuParts, 'regions'> = {
  handlers: HANDLERS,
  specialize,
  compileRegion: regionCompiler(HANDLERS, EMU_CONFIG.jitDump),
  jitThreshold: EMU_CONFIG.jitThreshold,
};

export interface EmuStats {
  retired: number;
  unimplemented: Record<string, number>;
  undecodable: Record<string, number>;
  blocks: { compiled: number; invalidated: number; retired: number };
}

export class EmuVcpu implements Vcpu {
  readonly cpu: Cpu;
  readonly debug: EmuDebugUnit;
  /** The buffer handed out with the last IN / MMIO-read exit: its contents go back to the CPU on run(). */
  private pendingIn: Uint8Array | undefined;
  private pendingInKind = 0;
  private closed = false;

  constructor(
    readonly id: number,
    mem: PhysMemory,
  ) {
    let unit: EmuDebugUnit | undefined;
    this.cpu = new Cpu(
      mem,
      (cpu) => {
        unit = new EmuDebugUnit(cpu);
        return unit;
      },
      { ...SHARED_PARTS, regions: new BlockCache() },
    );
    this.debug = unit!;
    this.cpu.cpuid = defaultCpuid();
  }

  /** Called by the VM when a memory region is added. */
  memoryChanged(): void {
    this.cpu.refreshRam();
  }

  getRegs(): Regs {
    return getRegs(this.cpu);
  }
  setRegs(regs: Regs): void {
    setRegs(this.cpu, regs);
  }
  getSregs(): Sregs {
    return getSregs(this.cpu);
  }
  setSregs(sregs: Sregs): void {
    setSregs(this.cpu, sregs);
  }
  getFpu(): Fpu {
    return getFpu(this.cpu);
  }
  setFpu(fpu: Fpu): void {
    setFpu(this.cpu, fpu);
  }

  /** KVM_GET_MSRS: returns the entries read, stopping at the first MSR this CPU does not have. */
  getMsrs(indices: number[]): MsrEntry[] {
    const out: MsrEntry[] = [];
    for (const index of indices) {
      try {
        const lo = rdmsr(this.cpu, index);
        out.push({ index, data: (BigInt(this.cpu.hi) << 32n) | BigInt(lo) });
      } catch (e) {
        if (e === FAULT) break;
        throw e;
      }
    }
    return out;
  }

  /** KVM_SET_MSRS: returns how many were written (stops at the first rejected one). */
  setMsrs(entries: MsrEntry[]): number {
    let n = 0;
    for (const { index, data } of entries) {
      const v = BigInt.asUintN(64, data);
      try {
        wrmsr(this.cpu, index, Number(v & 0xffffffffn), Number(v >> 32n));
      } catch (e) {
        if (e === FAULT) break;
        throw e;
      }
      n++;
    }
    return n;
  }

  setCpuid(entries: CpuidEntry[]): void {
    this.cpu.cpuid = entries.map((e) => ({ ...e }));
  }

  getDebugRegs(): DebugRegs {
    return this.debug.getDebugRegs();
  }
  setDebugRegs(regs: DebugRegs): void {
    this.debug.setDebugRegs(regs);
  }

  getVcpuEvents(): VcpuEvents {
    const c = this.cpu;
    const pending = c.queuedVector >= 0;
    return {
      exception: {
        injected: 0,
        nr: pending ? c.queuedVector : 0,
        hasErrorCode: pending && c.queuedErrorCode >= 0 ? 1 : 0,
        pending: pending ? 1 : 0,
        errorCode: pending && c.queuedErrorCode >= 0 ? c.queuedErrorCode : 0,
      },
      interrupt: { injected: c.pendingIrq >= 0 ? 1 : 0, nr: Math.max(c.pendingIrq, 0), soft: 0, shadow: c.shadow },
      nmi: { injected: 0, pending: c.nmiPending ? 1 : 0, masked: c.nmiMasked ? 1 : 0 },
      sipiVector: 0,
      flags: VcpuEventsFlag.ValidNmiPending | VcpuEventsFlag.ValidShadow | VcpuEventsFlag.ValidPayload,
      exceptionHasPayload: c.queuedPayload >= 0 ? 1 : 0,
      exceptionPayload: BigInt.asUintN(64, BigInt(Math.max(c.queuedPayload, 0))),
    };
  }

  /** KVM_SET_VCPU_EVENTS: an injected or pending exception is delivered before the next instruction; a #DB
   *  payload goes to DR6 and a #PF payload to CR2, as kvm_deliver_exception_payload() does. */
  setVcpuEvents(ev: VcpuEvents): void {
    const c = this.cpu;
    if (ev.exception.injected || ev.exception.pending) {
      c.queuedVector = ev.exception.nr;
      c.queuedErrorCode = ev.exception.hasErrorCode ? ev.exception.errorCode >>> 0 : -1;
      if (ev.exceptionHasPayload && (ev.flags & VcpuEventsFlag.ValidPayload) !== 0) {
        const p = ev.exceptionPayload;
        if (ev.exception.nr === Vector.DB) this.debug.applyDbPayload(Number(BigInt.asUintN(32, p)));
        else if (ev.exception.nr === Vector.PF) c.cr2 = addrFromBig(p);
      }
    } else {
      c.queuedVector = -1;
      c.queuedErrorCode = -1;
    }
    c.pendingIrq = ev.interrupt.injected ? ev.interrupt.nr : -1;
    if ((ev.flags & VcpuEventsFlag.ValidShadow) !== 0) c.shadow = ev.interrupt.shadow;
    if ((ev.flags & VcpuEventsFlag.ValidNmiPending) !== 0) c.nmiPending = ev.nmi.pending !== 0;
    c.nmiMasked = ev.nmi.masked !== 0;
  }

  setGuestDebug(dbg: GuestDebug): void {
    this.debug.setGuestDebug(dbg);
  }

  /**
   * guestdbg's own, beyond KVM (Cap.GuestdbgSoftExecBp / Cap.GuestdbgSoftWatch): replaces the set of
   * execution breakpoints and watchpoints (kind 'r' | 'w' | 'rw', any length) on linear addresses. They use
   * no DR slot and patch no guest memory; a hit ends run() with KVM_EXIT_DEBUG, exception 1, and the dr6
   * encoding of abi/constants.ts SOFT_* (bit 32 exec, bit 33 watch, bit 34 write, index in bits 48-63).
   */
  setSoftBreakpoints(bp: SoftBreakpoints): void {
    this.debug.setSoftBreakpoints(bp);
  }

  /** Linear address of the access that matched a soft watchpoint (the last SOFT_WATCH exit). */
  softHitAddress(): bigint {
    return this.debug.softHitAddress;
  }

  /** KVM_TRANSLATE: the page walk without side effects. */
  translate(linearAddress: bigint): Translation {
    const la = addrFromBig(linearAddress);
    const w = newWalkResult();
    const ok = walk(this.cpu.mem, this.cpu, la, 0, false, w);
    return {
      linearAddress,
      physicalAddress: ok ? BigInt(w.gpa) : 0n,
      valid: ok,
      writeable: ok && w.writable,
      usermode: ok && w.user,
    };
  }

  /** KVM_INTERRUPT: "-EEXIST if an interrupt is already queued". */
  interrupt(vector: number): void {
    if (vector < 0 || vector > 255) throw new KvmError('KVM_INTERRUPT', 'EINVAL', `vector ${vector} is not 0..255`);
    if (this.cpu.pendingIrq >= 0) throw new KvmError('KVM_INTERRUPT', 'EEXIST', 'an interrupt is already queued');
    this.cpu.pendingIrq = vector;
  }

  setRequestInterruptWindow(on: boolean): void {
    this.cpu.requestIrqWindow = on;
  }

  readyForInterruptInjection(): boolean {
    const c = this.cpu;
    return (c.rflags & RFLAGS.IF) !== 0 && c.shadow === 0 && c.pendingIrq < 0;
  }

  run(): Exit {
    if (this.closed) throw new KvmError('KVM_RUN', 'EBADF', 'the vCPU was closed');
    const c = this.cpu;
    if (this.pendingIn !== undefined) {
      if (this.pendingInKind === PendingExit.IoIn) {
        c.replayData.fill(0);
        c.replayData.set(this.pendingIn.subarray(0, 8));
        c.replayValid = true;
        c.replayPort = c.exitPort;
      } else c.logMmioRead(c.exitGpa, this.pendingIn);
      this.pendingIn = undefined;
    }
    const r = c.run();
    switch (r) {
      case PendingExit.IoOut:
        return {
          reason: ExitReason.Io,
          io: {
            direction: IoDirection.Out,
            size: c.exitSize as 1 | 2 | 4,
            port: c.exitPort,
            count: 1,
            data: c.exitData.slice(0, c.exitSize),
          },
        };
      case PendingExit.IoIn: {
        const data = new Uint8Array(c.exitSize);
        this.pendingIn = data;
        this.pendingInKind = r;
        return {
          reason: ExitReason.Io,
          io: { direction: IoDirection.In, size: c.exitSize as 1 | 2 | 4, port: c.exitPort, count: 1, data },
        };
      }
      case PendingExit.MmioRead: {
        const data = new Uint8Array(c.exitSize);
        this.pendingIn = data;
        this.pendingInKind = r;
        return { reason: ExitReason.Mmio, mmio: { physAddr: BigInt(c.exitGpa), data, isWrite: false } };
      }
      case PendingExit.MmioWrite:
        return {
          reason: ExitReason.Mmio,
          mmio: { physAddr: BigInt(c.exitGpa), data: c.exitData.slice(0, c.exitSize), isWrite: true },
        };
      case PendingExit.Hlt:
        return { reason: ExitReason.Hlt };
      case PendingExit.Shutdown:
        return { reason: ExitReason.Shutdown };
      case PendingExit.Debug:
        return { reason: ExitReason.Debug, debug: { ...this.debug.exitArch } };
      case RunResult.Intr:
        return { reason: ExitReason.Intr };
      case RunResult.IrqWindowOpen:
        return { reason: ExitReason.IrqWindowOpen };
      default:
        return {
          reason: ExitReason.InternalError,
          suberror: InternalErrorSub.Emulation,
          data: [BigInt.asUintN(64, BigInt(c.rip))],
        };
    }
  }

  /** Counters for `guestdbg run --stats`: instructions retired, and the #UD the guest got because this CPU
   *  does not implement an operation (by op name) or could not decode the bytes (by "map/opcode"). */
  stats(): EmuStats {
    const c = this.cpu;
    const unimplemented: Record<string, number> = {};
    c.unimplemented.forEach((n, op) => {
      if (n > 0) unimplemented[opName(op)] = n;
    });
    const undecodable: Record<string, number> = {};
    const maps = ['', '0f ', '0f 38 ', '0f 3a '];
    c.undecodable.forEach((n, i) => {
      if (n > 0) undecodable[`${maps[i >>> 8]}${(i & 0xff).toString(16).padStart(2, '0')}`] = n;
    });
    const blocks = { compiled: c.blocksCompiled, invalidated: c.blocksInvalidated, retired: c.blockRetired };
    return { retired: c.retired, unimplemented, undecodable, blocks };
  }

  /** What the last InternalError exit was about (a host-side exception in the emulator). */
  internalError(): string {
    return this.cpu.internalError;
  }

  kicker(): VcpuKicker {
    return { backend: 'emu', flag: this.cpu.kick.buffer as SharedArrayBuffer };
  }

  close(): void {
    this.closed = true;
  }
}
