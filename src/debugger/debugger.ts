// The debugger core: one breakpoint table per VM, rebuilt into a full KVM_SET_GUEST_DEBUG for every vCPU on
// every resume (so stepping never wipes hardware breakpoints), int3 patching with step-over, and the ownership
// decision of docs/guest-debug.md ("Who owns a #DB or #BP"): a #DB/#BP that is not ours is re-injected.
// vCPUs run on the calling thread in slices (a watchdog thread kicks them), so Ctrl-C is seen between slices.
import {
  type Exit,
  ExitReason,
  type Fpu,
  GuestDbg,
  type Regs,
  SOFT_EXEC,
  SOFT_INDEX_SHIFT,
  SOFT_WATCH,
  type SoftWatch,
  type Sregs,
  type Vcpu,
  type Vm,
} from '../abi/index.js';
import type { IoBus } from '../machine/devices/io-bus.js';
import { describeEnd, type GuestEnd } from '../machine/guest-end.js';
import { GuestMemory, UnmappedAddressError } from '../machine/guest-memory.js';
import { handleExit } from '../machine/threads/run-to-end.js';
import { Watchdog } from '../machine/threads/watchdog.js';
import { MSR } from '../x86/control-regs.js';
import { DR6_BS, DR6_VOLATILE } from '../x86/debug-regs.js';
import { Vector } from '../x86/vectors.js';
import { BreakpointTable, INT3, slotHits } from './breakpoints.js';
import {
  BreakType,
  type DebugTarget,
  DebugTargetError,
  type ResumeAction,
  type StopEvent,
  type StopReason,
  type SystemRegs,
} from './target.js';

/** What the host really supports (the kvm probe's findings; everything on emu). */
export interface DebugFeatures {
  /** int3 interception (USE_SW_BP) works: Z0 patches memory. Otherwise Z0 takes a debug register. */
  swBreakpoints: boolean;
  /** Write/access watchpoints through debug registers fire. */
  dataWatchpoints: boolean;
  /**
   * The backend has guestdbg's soft breakpoints (emu): Z0/Z1 and Z2-Z4 then patch no memory, take no debug
   * register, have no count limit, and read-only watchpoints (Z3) work.
   */
  soft: boolean;
}

export interface DebuggerGuest {
  vm: Vm;
  vcpus: Vcpu[];
  bus: IoBus;
}

export interface DebuggerOptions {
  /** How long a vCPU runs before the event loop gets a turn (bounds Ctrl-C latency). */
  sliceMs?: number;
  /** Called once when the guest ends (exit, triple fault, ...) or is killed. */
  onEnd?(end: StopEvent): void;
}

const DEFAULT_SLICE_MS = 10;
/** ICEBP / INT1. */
const ICEBP = 0xf1;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Guest memory errors reach front ends as DebugTargetError('unmapped') (gdb: E0e). */
function unmappedAsTargetError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UnmappedAddressError) throw new DebugTargetError('unmapped', e.message);
    throw e;
  }
}

function endEvent(end: GuestEnd): StopEvent {
  return end.kind === 'debug-exit'
    ? { kind: 'exited', status: end.status }
    : { kind: 'terminated', message: describeEnd(end) };
}

export class Debugger implements DebugTarget {
  readonly vcpuIds: readonly number[];
  private readonly table = new BreakpointTable();
  private readonly memory: GuestMemory;
  private readonly watchdog = new Watchdog();
  private readonly sliceMs: number;
  private interruptRequested = false;
  private running: Promise<StopEvent> | undefined;
  private end: StopEvent | undefined;
  /** After detach the guest runs on with no debugger until it ends or a debugger attaches again. */
  private freeRun: Promise<StopEvent> | undefined;
  /** Soft execution breakpoints (address -> the Z type gdb used) and watchpoints, when features.soft. */
  private readonly softExec = new Map<bigint, BreakType>();
  private readonly softWatch: { type: BreakType; watch: SoftWatch }[] = [];
  /** Per vCPU: the soft set last handed to it, as a key, so unchanged sets are not sent again. */
  private readonly softSent = new Map<number, string>();
  /** While stepping off a breakpoint: breakpoints at this address are left out (hardware ones re-trigger). */
  private suppress: bigint | undefined;
  /** How the guest ended, once it has (undefined while it can still run, and after a kill). */
  guestEnd: GuestEnd | undefined;

  constructor(
    private readonly guest: DebuggerGuest,
    private readonly features: DebugFeatures,
    private readonly opts: DebuggerOptions = {},
  ) {
    this.vcpuIds = guest.vcpus.map((_, i) => i);
    this.memory = new GuestMemory(guest.vm);
    this.sliceMs = opts.sliceMs ?? DEFAULT_SLICE_MS;
  }

  private vcpu(i: number): Vcpu {
    const v = this.guest.vcpus[i];
    if (!v) throw new DebugTargetError('bad-argument', `no vCPU ${i}`);
    return v;
  }

  // ---- registers -------------------------------------------------------------------------------------------
  async getRegs(i: number): Promise<Regs> {
    return this.vcpu(i).getRegs();
  }
  async setRegs(i: number, regs: Regs): Promise<void> {
    this.vcpu(i).setRegs(regs);
  }
  async getSregs(i: number): Promise<Sregs> {
    return this.vcpu(i).getSregs();
  }
  async setSregs(i: number, sregs: Sregs): Promise<void> {
    this.vcpu(i).setSregs(sregs);
  }
  async getFpu(i: number): Promise<Fpu> {
    return this.vcpu(i).getFpu();
  }
  async setFpu(i: number, fpu: Fpu): Promise<void> {
    this.vcpu(i).setFpu(fpu);
  }
  async getSystemRegs(i: number): Promise<SystemRegs> {
    const msrs = this.vcpu(i).getMsrs([MSR.FS_BASE, MSR.GS_BASE, MSR.KERNEL_GS_BASE]);
    const get = (index: number) => msrs.find((m) => m.index === index)?.data ?? 0n;
    return { fsBase: get(MSR.FS_BASE), gsBase: get(MSR.GS_BASE), kernelGsBase: get(MSR.KERNEL_GS_BASE) };
  }

  // ---- memory (our int3 bytes are hidden from reads and preserved across writes) ------------------------------
  async readMemory(i: number, addr: bigint, length: number): Promise<Uint8Array> {
    const data = unmappedAsTargetError(() => this.memory.read(this.vcpu(i), addr, length));
    for (const bp of this.table.sw.values()) {
      const off = bp.addr - addr;
      if (off >= 0n && off < BigInt(length)) data[Number(off)] = bp.orig;
    }
    return data;
  }

  async writeMemory(i: number, addr: bigint, data: Uint8Array): Promise<void> {
    unmappedAsTargetError(() => this.memory.write(this.vcpu(i), addr, data));
    for (const bp of this.table.sw.values()) {
      const off = bp.addr - addr;
      if (off >= 0n && off < BigInt(data.length)) {
        bp.orig = data[Number(off)];
        this.poke(bp.gpa, INT3);
      }
    }
  }

  private poke(gpa: bigint, value: number): void {
    const bytes = this.memory.phys(gpa, 1);
    if (bytes) bytes[0] = value;
  }

  private peek(gpa: bigint): number | undefined {
    return this.memory.phys(gpa, 1)?.[0];
  }

  // ---- breakpoints -------------------------------------------------------------------------------------------
  async insertBreakpoint(type: BreakType, addr: bigint, length: number): Promise<void> {
    if (this.features.soft) return this.insertSoft(type, addr, length);
    if (type === BreakType.Software && this.features.swBreakpoints) {
      if (this.table.sw.has(addr)) return;
      const gpa = unmappedAsTargetError(() => this.memory.translate(this.vcpu(0), addr));
      const orig = this.peek(gpa);
      if (orig === undefined) throw new DebugTargetError('unmapped', `0x${addr.toString(16)} is not in guest RAM`);
      this.table.sw.set(addr, { addr, gpa, orig });
      this.poke(gpa, INT3);
      return;
    }
    if (type === BreakType.Read) {
      throw new DebugTargetError('unsupported', 'x86 debug registers cannot watch reads alone (use awatch)');
    }
    if ((type === BreakType.Write || type === BreakType.Access) && !this.features.dataWatchpoints) {
      throw new DebugTargetError('unsupported', 'data watchpoints do not work on this host (see guestdbg caps)');
    }
    const exec = type === BreakType.Software || type === BreakType.Hardware;
    this.table.claimSlot({ type, addr, len: exec ? 1 : (length as 1 | 2 | 4 | 8) });
  }

  private insertSoft(type: BreakType, addr: bigint, length: number): void {
    if (type === BreakType.Software || type === BreakType.Hardware) {
      this.softExec.set(addr, type);
      return;
    }
    if (!Number.isInteger(length) || length < 1) {
      throw new DebugTargetError('bad-argument', `watchpoint length ${length} is not a positive byte count`);
    }
    if (this.softWatch.some((w) => w.type === type && w.watch.addr === addr && w.watch.len === length)) return;
    const kind = type === BreakType.Read ? 'r' : type === BreakType.Write ? 'w' : 'rw';
    this.softWatch.push({ type, watch: { addr, len: length, kind } });
  }

  private removeSoft(type: BreakType, addr: bigint, length: number): void {
    if (type === BreakType.Software || type === BreakType.Hardware) {
      if (this.softExec.get(addr) === type) this.softExec.delete(addr);
      return;
    }
    const i = this.softWatch.findIndex((w) => w.type === type && w.watch.addr === addr && w.watch.len === length);
    if (i >= 0) this.softWatch.splice(i, 1);
  }

  async removeBreakpoint(type: BreakType, addr: bigint, length: number): Promise<void> {
    if (this.features.soft) return this.removeSoft(type, addr, length);
    const bp = type === BreakType.Software ? this.table.sw.get(addr) : undefined;
    if (bp) {
      // If the guest rewrote the byte since, it is the guest's now: leave it alone.
      if (this.peek(bp.gpa) === INT3) this.poke(bp.gpa, bp.orig);
      this.table.sw.delete(addr);
      return;
    }
    this.table.releaseSlot(type, addr, length);
  }

  private removeAll(): void {
    for (const bp of [...this.table.sw.values()]) void this.removeBreakpoint(BreakType.Software, bp.addr, 1);
    this.table.slots.fill(undefined);
    this.softExec.clear();
    this.softWatch.length = 0;
  }

  // ---- running -----------------------------------------------------------------------------------------------
  private control(step: boolean, inject = 0): number {
    let c = inject;
    if (this.table.sw.size > 0) c |= GuestDbg.UseSwBp;
    if (this.table.slotsInUse) c |= GuestDbg.UseHwBp;
    if (step) c |= GuestDbg.SingleStep | GuestDbg.BlockIrq;
    return c === 0 ? 0 : c | GuestDbg.Enable;
  }

  private applyDebug(i: number, step: boolean, inject = 0): void {
    const vcpu = this.vcpu(i);
    vcpu.setGuestDebug({ control: this.control(step, inject), debugreg: this.table.debugreg(this.suppress) });
    if (vcpu.setSoftBreakpoints) {
      const exec = [...this.softExec.keys()].filter((a) => a !== this.suppress);
      const watch = this.softWatch.map((w) => w.watch);
      const key = `${exec.join(',')}|${watch.map((w) => `${w.addr}:${w.len}:${w.kind}`).join(',')}`;
      if (this.softSent.get(i) !== key) {
        vcpu.setSoftBreakpoints({ exec, watch });
        this.softSent.set(i, key);
      }
    }
  }

  interrupt(): void {
    if (this.running || this.freeRun) this.interruptRequested = true;
  }

  async resume(actions: ReadonlyMap<number, ResumeAction>, others: ResumeAction | 'stay'): Promise<StopEvent> {
    if (this.end) return this.end;
    await this.stopFreeRun();
    const plan = this.vcpuIds
      .map((i) => ({ i, action: actions.get(i) ?? (others === 'stay' ? undefined : others) }))
      .filter((p): p is { i: number; action: ResumeAction } => p.action !== undefined);
    if (plan.length === 0) throw new DebugTargetError('bad-argument', 'nothing to resume');
    this.interruptRequested = false;
    this.running = this.drive(plan);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async drive(plan: { i: number; action: ResumeAction }[]): Promise<StopEvent> {
    for (;;) {
      for (const { i, action } of plan) {
        const ev = action === 'step' ? this.stepOne(i) : this.runSlice(i);
        if (ev) return this.settle(ev);
      }
      await yieldToEventLoop();
      if (this.interruptRequested) {
        this.interruptRequested = false;
        return { kind: 'stopped', vcpu: plan[0].i, reason: { kind: 'interrupt' } };
      }
    }
  }

  private settle(ev: StopEvent): StopEvent {
    if (ev.kind !== 'stopped' && !this.end) {
      this.end = ev;
      this.opts.onEnd?.(ev);
    }
    return ev;
  }

  private linearPc(i: number): bigint {
    const v = this.vcpu(i);
    return BigInt.asUintN(64, v.getSregs().cs.base + v.getRegs().rip);
  }

  /** One instruction (stepping over our own int3 at pc). Returns the stop it causes. */
  private stepOne(i: number): StopEvent {
    for (;;) {
      const ev = this.stepOver(i, true) ?? this.runStep(i);
      if (ev !== 'continue') return ev;
    }
  }

  /**
   * If pc sits on one of our execution breakpoints, step off it first: an int3 gets the guest's byte back, and
   * hardware/soft ones are left out for that one step (they would re-trigger at once: no RF for the host's
   * breakpoints). Returns the stop the step produced when the caller wanted a step (or something else stopped
   * us), undefined to go on running.
   */
  private stepOver(i: number, wantStep: boolean): StopEvent | 'continue' | undefined {
    const pc = this.linearPc(i);
    const bp = this.table.sw.get(pc);
    const held =
      bp !== undefined || this.softExec.has(pc) || this.table.slots.some((s) => s?.addr === pc && s.type <= 1);
    if (!held) return undefined;
    if (bp) this.poke(bp.gpa, bp.orig);
    this.suppress = pc;
    try {
      const ev = this.runStep(i);
      if (ev !== 'continue' && ev.kind === 'stopped' && ev.reason.kind === 'step' && !wantStep) return undefined;
      return ev;
    } finally {
      this.suppress = undefined;
      if (bp && this.table.sw.get(bp.addr) === bp) this.poke(bp.gpa, INT3);
    }
  }

  /** Runs until the single-step completes (device exits in between are handled). */
  private runStep(i: number): StopEvent | 'continue' {
    this.applyDebug(i, true);
    for (;;) {
      const ev = this.classify(i, this.vcpu(i).run(), true);
      if (ev) return ev;
    }
  }

  /** Runs vCPU i for one slice; undefined when the slice ended with nothing to report. */
  private runSlice(i: number): StopEvent | undefined {
    const over = this.stepOver(i, false);
    if (over && over !== 'continue') return over;
    this.applyDebug(i, false);
    const vcpu = this.vcpu(i);
    this.watchdog.arm(vcpu.kicker(), this.sliceMs);
    try {
      for (;;) {
        const exit = vcpu.run();
        if (exit.reason === ExitReason.Intr) return undefined;
        const ev = this.classify(i, exit, false);
        if (ev && ev !== 'continue') return ev;
      }
    } finally {
      this.watchdog.disarm();
    }
  }

  /**
   * What an exit means: a stop to report, 'continue' after re-injecting a guest-owned exception, or undefined
   * when the run simply goes on (device I/O).
   */
  private classify(i: number, exit: Exit, stepping: boolean): StopEvent | 'continue' | undefined {
    if (exit.reason !== ExitReason.Debug) {
      if (exit.reason === ExitReason.Intr) return undefined;
      const end = handleExit(this.vcpu(i), this.guest.bus, exit);
      if (!end) return undefined;
      this.guestEnd ??= end;
      return endEvent(end);
    }
    const { exception, pc, dr6 } = exit.debug;
    const stop = (reason: StopReason): StopEvent => ({ kind: 'stopped', vcpu: i, reason });
    if (exception === Vector.BP) {
      if (this.table.sw.has(pc)) return stop({ kind: 'swbreak' });
      // Not ours: the guest's own int3 goes to its own #BP handler (INJECT_BP).
      this.applyDebug(i, stepping, GuestDbg.InjectBp);
      return 'continue';
    }
    if ((dr6 & SOFT_EXEC) !== 0n) {
      return stop({ kind: this.softExec.get(pc) === BreakType.Software ? 'swbreak' : 'hwbreak' });
    }
    if ((dr6 & SOFT_WATCH) !== 0n) {
      const w = this.softWatch[Number(dr6 >> SOFT_INDEX_SHIFT)];
      if (w) {
        const kind = w.type === BreakType.Read ? 'rwatch' : w.type === BreakType.Write ? 'watch' : 'awatch';
        return stop({ kind, addr: w.watch.addr });
      }
    }
    const hit = slotHits(this.table, dr6)[0];
    if (hit) {
      const { type, addr } = hit.use;
      if (type === BreakType.Software) return stop({ kind: 'swbreak' });
      if (type === BreakType.Hardware) return stop({ kind: 'hwbreak' });
      return stop({ kind: type === BreakType.Write ? 'watch' : 'awatch', addr });
    }
    if (stepping && (dr6 & DR6_BS) !== 0n) return stop({ kind: 'step' });
    // The guest's own #DB (its TF, its own DR7 breakpoints, ICEBP): deliver it with the guest's DR6 updated.
    const vcpu = this.vcpu(i);
    this.skipIcebp(vcpu, pc, dr6);
    const dregs = vcpu.getDebugRegs();
    vcpu.setDebugRegs({ ...dregs, dr6: dregs.dr6 | (dr6 & DR6_VOLATILE) });
    this.applyDebug(i, stepping, GuestDbg.InjectDb);
    return 'continue';
  }

  /**
   * ICEBP (INT1, 0xF1) raises a trap-like #DB, but an exit for it happens on the ICEBP itself (it is an
   * instruction intercept). KVM skips the instruction when it delivers such a #DB to the guest; userspace must do
   * the same when it re-injects one, or the guest's handler returns to the ICEBP forever.
   */
  private skipIcebp(vcpu: Vcpu, pc: bigint, dr6: bigint): void {
    if ((dr6 & (DR6_BS | 0xfn)) !== 0n) return;
    let byte: number | undefined;
    try {
      byte = this.memory.read(vcpu, pc, 1)[0];
    } catch (e) {
      if (e instanceof UnmappedAddressError) return;
      throw e;
    }
    if (byte !== ICEBP) return;
    const regs = vcpu.getRegs();
    if (BigInt.asUintN(64, vcpu.getSregs().cs.base + regs.rip) !== pc) return;
    vcpu.setRegs({ ...regs, rip: regs.rip + 1n });
  }

  // ---- attach / detach ---------------------------------------------------------------------------------------
  async detach(): Promise<void> {
    this.removeAll();
    for (const i of this.vcpuIds) this.vcpu(i).setGuestDebug({ control: 0, debugreg: new Array(8).fill(0n) });
    if (this.end) return;
    this.interruptRequested = false;
    this.freeRun = this.drive(this.vcpuIds.map((i) => ({ i, action: 'continue' as const })));
  }

  /** Stops a detached, free-running guest (a debugger attaches again); resolves with the stop. */
  attach(): Promise<StopEvent> {
    return this.stopFreeRun();
  }

  /** Interrupts the free run if there is one; resolves with where the guest now stands. */
  private async stopFreeRun(): Promise<StopEvent> {
    const run = this.freeRun;
    if (!run) return this.end ?? { kind: 'stopped', vcpu: 0, reason: { kind: 'interrupt' } };
    this.interruptRequested = true;
    try {
      return await run;
    } finally {
      this.freeRun = undefined;
    }
  }

  /** A debugger went away without detaching: stay paused, with none of its breakpoints left in the guest. */
  async disconnected(): Promise<void> {
    if (this.running) this.interruptRequested = true;
    await this.running?.catch(() => undefined);
    this.removeAll();
  }

  /** When the guest is free-running after a detach: resolves when it ends. */
  async waitForEnd(): Promise<StopEvent> {
    return this.end ?? (await this.freeRun) ?? { kind: 'terminated', message: 'not running' };
  }

  async kill(): Promise<void> {
    if (this.running || this.freeRun) this.interruptRequested = true;
    this.settle({ kind: 'terminated', message: 'killed by the debugger' });
  }

  async close(): Promise<void> {
    await this.watchdog.close();
  }
}
