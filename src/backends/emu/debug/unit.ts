// The emu debug unit: the guest's debug architecture (SDM vol. 3 ch. 18) and the host's KVM_SET_GUEST_DEBUG
// control over it, behind the hook points the CPU offers (../debug-hooks.ts).
//
// Who owns what, as KVM decides it (arch/x86/kvm/vmx/vmx.c handle_exception_nmi, x86.c):
//  - #BP from INT3 (0xCC) exits only under USE_SW_BP; INT 3 (CD 03) is a software interrupt and always
//    reaches the guest's IDT (VMX's exception bitmap does not apply to INT n).
//  - #DB exits to the host when it has SINGLESTEP or USE_HW_BP; otherwise the guest's handler runs with the
//    guest's DR6 updated like kvm_deliver_exception_payload() does it.
//  - Under USE_HW_BP the host's debugreg[0..3,7] are the breakpoints in effect; the guest keeps reading and
//    writing its own DR0-7 (kept in `guest`).
//  - Host single-step never touches the guest's RFLAGS: pushf and exception frames see the guest's own TF
//    (a deliberate improvement over KVM, which sets the guest's TF).
//
// The CPU calls beforeInsn()/afterInsn() only while `active` is true. `active` is one field read plus the
// guest's TF/RF bits: it is false whenever no breakpoint is enabled, no step is requested and TF = RF = 0.
import { GuestDbg, InterruptShadow } from '../../../abi/constants.js';
import { KvmError } from '../../../abi/errors.js';
import type { DebugExitArch, DebugRegs, GuestDebug } from '../../../abi/types.js';
import { CR4, RFLAGS } from '../../../x86/control-regs.js';
import { Dr7Rw } from '../../../x86/debug-regs.js';
import { Vector } from '../../../x86/vectors.js';
import { EventKind } from '../cpu/interrupts.js';
import { PendingExit } from '../cpu/mmu.js';
import { EXIT } from '../signals.js';
import { dataMatch, enabledSlots, enabledSlotsOfKind, execMatch, ioMatch, slotLen } from './match.js';
import {
  addrNumber,
  DR6_BD_BIT,
  DR6_BS_BIT,
  DR6_FIXED1,
  DR7_FIXED1,
  DR7_GD_BIT,
  DR7_WRITABLE,
  dr6WithPayload,
  drValue,
  GuestDebugRegs,
} from './regs.js';
import {
  SOFT_EXEC,
  SOFT_INDEX_SHIFT,
  SOFT_WATCH,
  SOFT_WRITE,
  SoftBreakpointSet,
  type SoftBreakpoints,
} from './soft.js';

/** The CPU as the debug unit sees it (src/backends/emu/cpu/cpu.ts Cpu satisfies it structurally). */
export interface DebugCpu {
  rip: number;
  rflags: number;
  cr4: number;
  cpl: number;
  long64: boolean;
  /** InterruptShadow bits of the instruction that just retired (MOV SS / POP SS set MovSs). */
  shadow: number;
  /** rip of the instruction being executed (rip may already point past it). */
  startRip: number;
  /** Instructions retired so far. */
  readonly retired: number;
  queuedVector: number;
  queuedErrorCode: number;
  /** PendingExit of the current run(); the unit sets PENDING_EXIT_DEBUG. */
  exitKind: number;
  /** Set while a data/I/O match of the current instruction awaits afterInsn(). */
  trapPending: boolean;
  /** Linear address of the current rip. */
  ripLinear(): number;
  /** Raise a guest exception as a fault of the current instruction (or a trap once rip has advanced). */
  raise(vector: number, errorCode?: number): never;
  flushTlb(includeGlobal: boolean): void;
}

/** The CPU's pending exit for KVM_EXIT_DEBUG: run() returns it and the Vcpu reports unit.exitArch. */
export const PENDING_EXIT_DEBUG = PendingExit.Debug;

const TF_RF = RFLAGS.TF | RFLAGS.RF;
const FILTER_MASK = 4095;
const PAGE = 4096;

function pc64(la: number): bigint {
  return BigInt.asUintN(64, BigInt(la));
}

export class EmuDebugUnit {
  /** The guest's own DR0-DR7. */
  readonly guest = new GuestDebugRegs();
  /** KVM_SET_GUEST_DEBUG control in force (0 when ENABLE was not given). */
  control = 0;
  /** Host debugreg[0..3] (as addresses) and debugreg[7] under USE_HW_BP. */
  readonly hostAddr = new Float64Array(4);
  hostDr7 = DR7_FIXED1;
  readonly soft = new SoftBreakpointSet();

  /** The arch block of the last KVM_EXIT_DEBUG the unit produced (valid when run() returned Debug). */
  exitArch: DebugExitArch = { exception: 0, pc: 0n, dr6: 0n, dr7: 0n };
  /** Linear address of the access that matched a soft watchpoint (last SOFT_WATCH exit). */
  softHitAddress = 0n;

  // ---- derived from the above by recompute() ----
  /** Something needs the per-instruction hooks besides the guest's TF/RF. */
  private armed = false;
  watchActive = false;
  ioActive = false;
  /** Breakpoint addresses and DR7 in effect: the host's under USE_HW_BP, else the guest's. */
  private effAddr: Float64Array = this.guest.addr;
  private effDr7 = DR7_FIXED1;
  private execEnabled = 0;
  private readonly drWatchPages = new Set<number>();
  /** Page numbers mod FILTER_MASK + 1 that some watched page (DR or soft) falls on: 0 = surely unwatched. */
  private readonly watchFilter = new Uint8Array(FILTER_MASK + 1);
  /** Pages holding an enabled DR execution breakpoint or a soft one: compiled blocks stay off them. */
  private readonly execPages = new Set<number>();
  /** Something needs beforeInsn()/afterInsn() at every instruction, wherever it is (no compiled blocks). */
  private everyInsn = false;
  private hostStep = false;
  private hostOwnsDb = false;

  // ---- per-instruction state ----
  /** B0-B3 of data / I/O conditions met during the current instruction. */
  private hits = 0;
  /** First soft watch matched during the current instruction (-1: none), and its access. */
  private softHit = -1;
  private softHitLa = 0;
  private softHitWrite = false;
  /** Host single-step: an instruction began and has not yet ended in an exit. */
  private stepOwed = false;
  /** "MOV SS / POP SS ... inhibit debug exceptions until the next instruction completes": held bits. */
  private held = 0;
  private movSsHeld = false;
  /** The held bits survive the vectoring of INT n / INT3 and are delivered at the handler's first instruction. */
  private heldAcrossInt = false;
  /** A guest #DB (DR6 bits) owed after a soft-watch exit took precedence over it. */
  private deferredDb = 0;
  /** Soft exec breakpoint just reported at this linear address: resuming there does not re-trigger. */
  private softSkipLa = Number.NaN;
  /** rip and retired count of the last #BP exit: INJECT_BP right after it re-injects "as if the int3
   *  executed" (return address + 1). */
  private bpExitRip = Number.NaN;
  private bpExitRetired = -1;

  constructor(private readonly cpu: DebugCpu) {
    this.recompute();
  }

  /** Call beforeInsn()/afterInsn() around the instruction (see the header). */
  get active(): boolean {
    return this.armed || (this.cpu.rflags & TF_RF) !== 0;
  }

  /** Whether a compiled block may run the code at linear `la` (see ../debug-hooks.ts). */
  blocksAt(la: number): boolean {
    if (this.everyInsn || (this.cpu.rflags & TF_RF) !== 0) return false;
    return this.execPages.size === 0 || !this.execPages.has(Math.floor(la / PAGE));
  }

  private needEveryInsn(): void {
    this.armed = true;
    this.everyInsn = true;
  }

  dropTraps(): void {
    this.hits = 0;
    this.softHit = -1;
    this.cpu.trapPending = false;
  }

  // ================================================================================================
  // Host control (KVM_SET_GUEST_DEBUG, KVM_GET/SET_DEBUGREGS, soft breakpoints)
  // ================================================================================================

  /** KVM_SET_GUEST_DEBUG (x86.c kvm_arch_vcpu_ioctl_set_guest_debug). */
  setGuestDebug(dbg: GuestDebug): void {
    // x86 KVM checks no control bits (only arm64 and loongarch return EINVAL outside the valid mask): bits it
    // does not know are accepted and do nothing; Linux 6.1 took 0x5, 0x200001 and 0x80000001.
    const c = dbg.control >>> 0;
    if ((c & (GuestDbg.InjectDb | GuestDbg.InjectBp)) !== 0) {
      // "r = -EBUSY; if (kvm_is_exception_pending(vcpu)) goto out;"
      if (this.cpu.queuedVector >= 0)
        throw new KvmError('KVM_SET_GUEST_DEBUG', 'EBUSY', 'an exception is already pending; run the vCPU first');
      const v = (c & GuestDbg.InjectDb) !== 0 ? Vector.DB : Vector.BP;
      if (v === Vector.BP && this.cpu.rip === this.bpExitRip && this.cpu.retired === this.bpExitRetired) {
        // KVM injects #BP as a soft exception with the exiting int3's length: the guest's handler sees the
        // return address after the int3, as if it had executed natively.
        this.cpu.rip += 1;
      }
      this.cpu.queuedVector = v;
      this.cpu.queuedErrorCode = -1;
    }
    // "if (!(vcpu->guest_debug & KVM_GUESTDBG_ENABLE)) vcpu->guest_debug = 0;"
    this.control = (c & GuestDbg.Enable) !== 0 ? c : 0;
    if ((this.control & GuestDbg.UseHwBp) !== 0) {
      for (let i = 0; i < 4; i++) this.hostAddr[i] = addrNumber(dbg.debugreg[i] ?? 0n);
      const d7 = Number(BigInt.asUintN(32, dbg.debugreg[7] ?? 0n));
      this.hostDr7 = ((d7 & DR7_WRITABLE) | DR7_FIXED1) >>> 0;
    }
    this.stepOwed = false;
    this.recompute();
  }

  getDebugRegs(): DebugRegs {
    return this.guest.get();
  }

  setDebugRegs(regs: DebugRegs): void {
    this.guest.set(regs);
    this.recompute();
  }

  /** guestdbg's own (Cap.GuestdbgSoftExecBp / GuestdbgSoftWatch): see soft.ts for the exit encoding. */
  setSoftBreakpoints(bp: SoftBreakpoints): void {
    this.soft.set(bp);
    this.softSkipLa = Number.NaN;
    this.recompute();
  }

  /** Apply a #DB payload (KVM_VCPUEVENT_VALID_PAYLOAD of a queued #DB) to the guest's DR6. */
  applyDbPayload(payload: number): void {
    this.guest.dr6 = dr6WithPayload(this.guest.dr6, payload);
  }

  private recompute(): void {
    const c = this.control;
    const hw = (c & GuestDbg.UseHwBp) !== 0;
    this.effAddr = hw ? this.hostAddr : this.guest.addr;
    this.effDr7 = hw ? this.hostDr7 : this.guest.dr7;
    this.hostStep = (c & GuestDbg.SingleStep) !== 0;
    this.hostOwnsDb = (c & (GuestDbg.SingleStep | GuestDbg.UseHwBp)) !== 0;
    const d7 = this.effDr7;
    this.execEnabled = enabledSlotsOfKind(d7, Dr7Rw.Exec);
    const dataSlots = enabledSlotsOfKind(d7, Dr7Rw.Write) | enabledSlotsOfKind(d7, Dr7Rw.ReadWrite);
    const wasWatching = this.watchActive || this.drWatchPages.size > 0;
    this.drWatchPages.clear();
    for (let i = 0; i < 4; i++) {
      if ((dataSlots & (1 << i)) === 0) continue;
      const a = this.effAddr[i]!;
      if (Number.isNaN(a)) continue;
      const len = slotLen(d7, i);
      this.drWatchPages.add(Math.floor(a / PAGE));
      this.drWatchPages.add(Math.floor((a + len - 1) / PAGE));
    }
    this.execPages.clear();
    for (let i = 0; i < 4; i++) {
      const a = this.effAddr[i]!;
      if ((this.execEnabled & (1 << i)) !== 0 && !Number.isNaN(a)) this.execPages.add(Math.floor(a / PAGE));
    }
    for (const la of this.soft.exec.keys()) this.execPages.add(Math.floor(la / PAGE));
    this.everyInsn = this.hostStep || this.movSsHeld || this.heldAcrossInt || this.deferredDb !== 0;
    this.watchActive = dataSlots !== 0 || this.soft.hasWatch;
    this.watchFilter.fill(0);
    for (const vpn of this.drWatchPages) this.watchFilter[vpn & FILTER_MASK] = 1;
    for (const vpn of this.soft.watchPages) this.watchFilter[vpn & FILTER_MASK] = 1;
    this.ioActive = enabledSlotsOfKind(d7, Dr7Rw.Io) !== 0;
    this.armed =
      this.execEnabled !== 0 ||
      this.watchActive ||
      this.ioActive ||
      this.hostStep ||
      this.soft.hasExec ||
      this.movSsHeld ||
      this.heldAcrossInt ||
      this.deferredDb !== 0;
    // Watched pages must never sit in the CPU's TLB (its fast path skips dataAccess()).
    if (wasWatching || this.watchActive) this.cpu.flushTlb(true);
  }

  // ================================================================================================
  // Exits and guest deliveries
  // ================================================================================================

  private setExit(exception: number, pc: number, dr6: bigint): void {
    this.exitArch = { exception, pc: pc64(pc), dr6, dr7: BigInt(this.effDr7) };
    this.cpu.exitKind = PENDING_EXIT_DEBUG;
    this.stepOwed = false;
  }

  /** Raise #DB in the guest with DR6 status `bits` (a fault before rip advanced, a trap after). */
  private guestDb(bits: number): never {
    this.guest.dr6 = dr6WithPayload(this.guest.dr6, bits);
    this.cpu.raise(Vector.DB);
  }

  // ================================================================================================
  // CPU hooks (../debug-hooks.ts)
  // ================================================================================================

  beforeInsn(la: number, resumed: boolean): void {
    // Re-execution after an IN/MMIO-read exit: this instruction's breakpoints were already checked.
    if (resumed) return;
    const cpu = this.cpu;
    // Conditions recorded by an instruction that then faulted are dropped with it.
    this.dropTraps();
    if (this.deferredDb !== 0) {
      const bits = this.deferredDb;
      this.deferredDb = 0;
      this.recompute();
      this.guestDb(bits);
    }
    if (this.heldAcrossInt) {
      // MOV SS; INT n: the held traps are delivered once the interrupt has vectored (at the handler's entry).
      const bits = this.held;
      this.held = 0;
      this.heldAcrossInt = false;
      this.movSsHeld = false;
      this.recompute();
      if ((bits & (this.execEnabled | enabledSlots(this.effDr7) | DR6_BS_BIT)) !== 0) this.deliverTrap(bits, la, false);
    }
    if (this.stepOwed && !this.movSsHeld) {
      // The stepped instruction did not retire through afterInsn(): an exception was delivered instead.
      // The step ends at the first instruction of the handler (QEMU's gdbstub stops there too).
      this.setExit(Vector.DB, la, BigInt((DR6_FIXED1 | DR6_BS_BIT) >>> 0));
      throw EXIT;
    }
    if (this.soft.hasExec) {
      // Soft breakpoints first, so that an exit here leaves RF and the DR breakpoints for the resumed run.
      const skip = this.softSkipLa;
      this.softSkipLa = Number.NaN;
      if (la !== skip) {
        const idx = this.soft.exec.get(la);
        if (idx !== undefined) {
          this.softSkipLa = la;
          this.setExit(Vector.DB, la, BigInt(DR6_FIXED1) | SOFT_EXEC | (BigInt(idx) << SOFT_INDEX_SHIFT));
          throw EXIT;
        }
      }
    }
    if (this.hostStep) this.stepOwed = true;
    // "RF: when set, instruction breakpoints are not reported for the next instruction"; the processor
    // clears it after that instruction completes (IRET may set it again from its image).
    if ((cpu.rflags & RFLAGS.RF) !== 0) {
      cpu.rflags &= ~RFLAGS.RF;
    } else if (this.execEnabled !== 0 && (cpu.shadow & InterruptShadow.MovSs) === 0) {
      // Instruction breakpoints are faults, checked before the instruction; MOV SS blocking suppresses them.
      const bits = execMatch(this.effAddr, this.effDr7, la);
      if ((bits & this.execEnabled) !== 0) {
        if (this.hostOwnsDb) {
          this.setExit(Vector.DB, la, BigInt((DR6_FIXED1 | bits) >>> 0));
          throw EXIT;
        }
        this.stepOwed = false;
        this.guestDb(bits);
      }
    }
  }

  afterInsn(tfBefore: boolean): void {
    const cpu = this.cpu;
    // "TF: the processor generates a single-step #DB (BS) after the instruction" that began with TF = 1.
    let bits = this.hits | (tfBefore ? DR6_BS_BIT : 0);
    this.hits = 0;
    cpu.trapPending = false;
    if ((cpu.shadow & InterruptShadow.MovSs) !== 0 && !this.movSsHeld) {
      // "MOV SS / POP SS inhibit ... debug exceptions ... until the instruction boundary following the
      // next instruction": the traps of this instruction are merged into those of the next one.
      this.held |= bits;
      this.movSsHeld = true;
      this.needEveryInsn();
      return;
    }
    if (this.movSsHeld) {
      bits |= this.held;
      this.held = 0;
      this.movSsHeld = false;
      this.recompute();
    }
    this.deliverTrap(bits, cpu.ripLinear(), true);
  }

  /** Trap-class #DB with `bits` at linear `la` (the next instruction), host step exit, soft watch exit. */
  private deliverTrap(bits: number, la: number, fromStep: boolean): void {
    const stepped = fromStep && this.stepOwed;
    if (fromStep) this.stepOwed = false;
    const raises = (bits & (enabledSlots(this.effDr7) | DR6_BS_BIT)) !== 0;
    if (this.softHit >= 0) {
      const i = this.softHit;
      this.softHit = -1;
      if (raises && !this.hostOwnsDb) {
        this.deferredDb = bits;
        this.needEveryInsn();
      }
      this.softHitAddress = pc64(this.softHitLa);
      this.setExit(
        Vector.DB,
        la,
        BigInt(DR6_FIXED1) | SOFT_WATCH | (this.softHitWrite ? SOFT_WRITE : 0n) | (BigInt(i) << SOFT_INDEX_SHIFT),
      );
      if (!fromStep) throw EXIT;
      return;
    }
    if (this.hostOwnsDb) {
      if (stepped || raises) {
        this.setExit(Vector.DB, la, BigInt((DR6_FIXED1 | bits | (stepped ? DR6_BS_BIT : 0)) >>> 0));
        // After the instruction the CPU returns on exitKind; before one (fromStep = false) it must not run.
        if (!fromStep) throw EXIT;
      }
      return;
    }
    if (raises) this.guestDb(bits);
  }

  dataAccess(la: number, size: number, write: boolean): void {
    // All four slots are compared (B0-B3 for disabled matches too), on the pages of the enabled ones: the
    // CPU reports accesses only there, so a disabled slot on another page is not seen.
    if (this.drWatchPages.size > 0) this.hits |= dataMatch(this.effAddr, this.effDr7, la, size, write);
    if (this.softHit < 0 && this.soft.hasWatch) {
      const i = this.soft.matchAccess(la, size, write);
      if (i >= 0) {
        this.softHit = i;
        this.softHitLa = la;
        this.softHitWrite = write;
      }
    }
    if (this.hits !== 0 || this.softHit >= 0) this.cpu.trapPending = true;
  }

  watchesPage(la: number): boolean {
    const vpn = Math.floor(la / PAGE);
    // Most pages are not watched: one byte of the filter says so without a Set lookup.
    if (this.watchFilter[vpn & FILTER_MASK] === 0) return false;
    return this.drWatchPages.has(vpn) || this.soft.watchesPage(la);
  }

  ioAccess(port: number, size: number): void {
    // R/W = 10 means I/O only "when CR4.DE = 1" (otherwise undefined: never matched here).
    if ((this.cpu.cr4 & CR4.DE) !== 0) this.hits |= ioMatch(this.effAddr, this.effDr7, port, size);
    if (this.hits !== 0) this.cpu.trapPending = true;
  }

  /** MOV DR checks shared by reads and writes; returns the architectural register number (0-3, 6, 7). */
  private movDrCheck(n: number): number {
    const cpu = this.cpu;
    // "#GP(0) if the current privilege level is not 0."
    if (cpu.cpl !== 0) cpu.raise(Vector.GP, 0);
    // DR8-DR15 (REX.R) do not exist: #UD.
    if (n > 7) cpu.raise(Vector.UD);
    if (n === 4 || n === 5) {
      // "DR4/DR5 are aliases of DR6/DR7 when CR4.DE = 0; with CR4.DE = 1, referencing them raises #UD."
      if ((cpu.cr4 & CR4.DE) !== 0) cpu.raise(Vector.UD);
      n += 2;
    }
    if ((this.effDr7 & DR7_GD_BIT) !== 0) {
      // "GD: a debug exception (BD) is raised before any MOV to or from a debug register" — a fault.
      if ((this.control & GuestDbg.UseHwBp) !== 0) {
        // vmx.c handle_dr: under USE_HW_BP the exit reports BD with the host's DR7 and rip at the MOV.
        this.setExit(Vector.DB, cpu.ripLinear(), BigInt((DR6_FIXED1 | DR6_BD_BIT) >>> 0));
        throw EXIT;
      }
      // MOV SS blocking does not suppress general detect; pending single-step traps are lost with it.
      this.held = 0;
      this.movSsHeld = false;
      this.stepOwed = false;
      this.guestDb(DR6_BD_BIT);
    }
    return n;
  }

  readDr(n: number): number {
    const r = this.movDrCheck(n);
    const long64 = this.cpu.long64;
    if (r < 4) {
      const v = this.guest.db[r]!;
      return long64 ? Number(BigInt.asIntN(64, v)) : Number(v & 0xffffffffn);
    }
    return r === 6 ? this.guest.dr6 : this.guest.dr7;
  }

  writeDr(n: number, lo: number, hi: number): void {
    const r = this.movDrCheck(n);
    const cpu = this.cpu;
    if (r < 4) {
      this.guest.setDb(r, drValue(lo, hi, cpu.long64));
    } else {
      // "#GP(0) in 64-bit mode if an attempt is made to write a 1 to any of bits 63:32 of DR6/DR7."
      if (cpu.long64 && hi >>> 0 !== 0) cpu.raise(Vector.GP, 0);
      if (r === 6) this.guest.writeDr6(lo);
      else this.guest.writeDr7(lo);
    }
    this.recompute();
  }

  breakpoint(intN: boolean): void {
    // Only INT3 (0xCC) is a software exception VMX intercepts through the exception bitmap.
    if (intN || (this.control & GuestDbg.UseSwBp) === 0) return;
    const cpu = this.cpu;
    this.bpExitRip = cpu.rip;
    this.bpExitRetired = cpu.retired;
    // pc = the linear address of the int3 itself; rip stays on it (userspace skips it with rip += 1).
    // KVM leaves dr6/dr7 of a #BP exit unwritten; emu reports the fixed DR6 value and the DR7 in effect.
    this.setExit(Vector.BP, cpu.ripLinear(), BigInt(DR6_FIXED1));
    throw EXIT;
  }

  interceptException(vector: number, kind: number): boolean {
    const cpu = this.cpu;
    if (kind === EventKind.Software) {
      // INT n, INT3, INTO are software interrupts: VMX's exception bitmap never sees them (the USE_SW_BP exit
      // of INT3 happened in breakpoint()), DR6 is untouched, and traps a MOV SS held survive the vectoring:
      // they are delivered at the handler's first instruction (kvm-unit-tests "MOV SS + watchpoint + INT n").
      if (this.movSsHeld) {
        this.heldAcrossInt = true;
        this.needEveryInsn();
      }
      return false;
    }
    // #BP raised as an exception (INJECT_BP, KVM_SET_VCPU_EVENTS) goes to the guest.
    if (vector === Vector.BP) return false;
    if (vector !== Vector.DB) return false;
    if (kind === EventKind.Icebp) {
      // ICEBP (INT1): a trap-like #DB with no DR6 status bit (B0-B3 cleared); traps held by a MOV SS shadow
      // are dropped with it ("single-step + ICEBP #DB w/ MOVSS blocking": DR6 = base only).
      this.held = 0;
      this.movSsHeld = false;
      if (this.hostOwnsDb) {
        // vmx.c: the ICEBP #DB exit "occurs on the ICEBP itself": pc and rip are the ICEBP's.
        cpu.rip = cpu.startRip;
        this.setExit(Vector.DB, cpu.ripLinear(), BigInt(DR6_FIXED1));
        this.recompute();
        return true;
      }
      this.guest.dr6 = dr6WithPayload(this.guest.dr6, 0);
    }
    // Otherwise the unit raised it (DR6 already updated), or it is INJECT_DB / a #DB queued by
    // KVM_SET_VCPU_EVENTS, delivered as is (a payload was applied when queued), never intercepted.
    // "The processor clears the GD flag upon entering the debug exception handler."
    if ((this.guest.dr7 & DR7_GD_BIT) !== 0) this.guest.dr7 &= ~DR7_GD_BIT;
    this.recompute();
    return false;
  }

  blockIrq(): boolean {
    // KVM_GUESTDBG_BLOCKIRQ: "avoid injecting interrupts/NMI/SMI" while debugging is enabled.
    return (this.control & GuestDbg.BlockIrq) !== 0;
  }
}
