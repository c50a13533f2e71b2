// A local APIC (Intel SDM vol. 3 chapter 10 — chapter 11 in newer editions): the xAPIC register page at the
// APIC base, the same registers as x2APIC MSRs 0x800-0x8ff, interrupt acceptance into IRR/TMR, priority
// (TPR/PPR, classes of 16 vectors), acknowledge into ISR, EOI (broadcast to the IOAPIC for level vectors),
// LVT local interrupts, the timer (lapic-timer.ts) and the ICR. Registers live in a 1-KiB page with KVM's
// struct kvm_lapic_state layout, which is also what save() returns.
import type { DeviceClock } from '../../../abi/device-clock.js';
import { type ApicMessage, DeliveryMode } from './apic-message.js';
import {
  APIC_DEFAULT_BASE,
  APIC_VERSION,
  ApicBase,
  ApicReg,
  Esr,
  ICR_DEST_LOGICAL,
  ICR_LEVEL_ASSERT,
  ICR_LOW_WRITABLE,
  ICR_SHORTHAND_SHIFT,
  ICR_TRIGGER_LEVEL,
  LAPIC_STATE_BYTES,
  LVT_DELIVERY_MODE_SHIFT,
  LVT_LEVEL,
  LVT_MASKED,
  LVT_REGS,
  LVT_REMOTE_IRR,
  LVT_TIMER_MODE_SHIFT,
  LVT_VECTOR,
  LVT_WRITABLE,
  MSR_TSC_DEADLINE,
  Shorthand,
  SVR_ENABLE,
  SVR_WRITABLE,
  X2APIC_MSR_BASE,
  X2APIC_MSR_END,
} from './lapic-regs.js';
import { ApicTimer, type ApicTimerState } from './lapic-timer.js';

/** What a local APIC needs from the machine around it. */
export interface LapicHooks {
  /** An IPI from the ICR (or the x2APIC SELF IPI register), for the APIC bus to route. */
  sendIpi(msg: ApicMessage, shorthand: number, from: LocalApic): void;
  /** The EOI of a level-triggered vector, broadcast to the IOAPICs (SDM 10.8.5). */
  eoiBroadcast(vector: number): void;
}

export interface LapicState {
  apicBase: bigint;
  /** struct kvm_lapic_state: the first 1 KiB of the register page. */
  regs: Uint8Array;
  timer: ApicTimerState;
  /** Errors detected since the last ESR write (the ESR itself shows those before it). */
  esrPending: number;
  nmiPending: boolean;
  /** INIT and the last SIPI vector received, kept for the SMP issue (nothing acts on them yet). */
  initPending: boolean;
  sipiVector: number | undefined;
  /** An ExtINT message (IOAPIC pin in ExtINT mode): the CPU takes the vector from the PIC. */
  extIntPending: boolean;
  lint: [boolean, boolean];
}

export type ApicInterrupt = { kind: 'nmi' } | { kind: 'extint' } | { kind: 'fixed'; vector: number };

/** Index of the 32-bit register at byte offset `off` in the page. */
const at = (off: number): number => off >> 2;
/** The 8 registers of a 256-bit vector set (ISR, TMR, IRR) are 16 bytes apart. */
const bitReg = (base: number, vector: number): number => at(base + ((vector >> 5) << 4));

export class LocalApic {
  private regs = new Uint32Array(LAPIC_STATE_BYTES / 4);
  private apicBase: number;
  private esrPending = 0;
  private nmiPending = false;
  private initPending = false;
  private sipiVector: number | undefined = undefined;
  private extIntPending = false;
  private lint: [boolean, boolean] = [false, false];
  private readonly timer: ApicTimer;

  constructor(
    clock: DeviceClock,
    /** The initial APIC ID (CPUID.01H:EBX[31:24] and CPUID.0BH:EDX). */
    readonly initialId: number,
    bsp: boolean,
    private readonly hooks: LapicHooks,
    tscOffset: () => bigint = () => 0n,
  ) {
    this.timer = new ApicTimer(clock, () => this.localInterrupt(ApicReg.LvtTimer), tscOffset);
    this.apicBase = (APIC_DEFAULT_BASE | ApicBase.Enable | (bsp ? ApicBase.Bsp : 0)) >>> 0;
    this.powerUp();
  }

  /** Power-up/reset state (SDM 10.4.7.1): IRR, ISR, TMR, ICR, LDR, TPR, timer counts and divide 0; DFR all
   *  ones; every LVT masked; SVR 0xff (APIC software-disabled); ID the initial APIC ID. */
  private powerUp(): void {
    this.regs.fill(0);
    this.regs[at(ApicReg.Id)] = (this.initialId << 24) >>> 0;
    this.regs[at(ApicReg.Version)] = APIC_VERSION;
    this.regs[at(ApicReg.Dfr)] = 0xffffffff;
    this.regs[at(ApicReg.Svr)] = 0xff;
    for (const r of LVT_REGS) this.regs[at(r)] = LVT_MASKED;
    this.esrPending = 0;
    this.timer.reset();
    if (this.x2apic) this.regs[at(ApicReg.Ldr)] = this.x2apicLdr();
  }

  get hardwareEnabled(): boolean {
    return (this.apicBase & ApicBase.Enable) !== 0;
  }

  get x2apic(): boolean {
    return (this.apicBase & ApicBase.Extd) !== 0;
  }

  private get softwareEnabled(): boolean {
    return (this.regs[at(ApicReg.Svr)]! & SVR_ENABLE) !== 0;
  }

  /** The xAPIC page is decoded only while the APIC is enabled in xAPIC mode (SDM 10.12.2). */
  get mmioBase(): number | undefined {
    return this.hardwareEnabled && !this.x2apic ? (this.apicBase & ~0xfff) >>> 0 : undefined;
  }

  /** The APIC ID used for physical destinations: 8 bits in xAPIC mode, the 32-bit x2APIC ID otherwise. */
  get id(): number {
    return this.x2apic ? this.initialId : this.regs[at(ApicReg.Id)]! >>> 24;
  }

  // --- IA32_APIC_BASE ---------------------------------------------------------------------------------------

  readApicBase(): bigint {
    return BigInt(this.apicBase >>> 0);
  }

  /** Returns false for a write that raises #GP: reserved bits, or an invalid mode transition (SDM 10.12.5:
   *  x2APIC -> xAPIC and disabled -> x2APIC are invalid, as is EXTD without EN). */
  writeApicBase(value: bigint): boolean {
    const reserved = 0xff | (1 << 9);
    if (value >> 32n !== 0n || Number(value & BigInt(reserved)) !== 0) return false;
    const v = Number(value);
    const en = (v & ApicBase.Enable) !== 0;
    const extd = (v & ApicBase.Extd) !== 0;
    if (extd && !en) return false;
    if (this.x2apic && en && !extd) return false;
    if (!this.hardwareEnabled && extd) return false;
    const wasEnabled = this.hardwareEnabled;
    const enteringX2apic = extd && !this.x2apic;
    this.apicBase = ((v & ~ApicBase.Bsp) | (this.apicBase & ApicBase.Bsp)) >>> 0;
    // Disabled -> enabled comes back in the power-up state (SDM 10.4.3: once disabled, the APIC's state must be
    // re-initialised; KVM and this model reset it).
    if (!wasEnabled && en) this.powerUp();
    // Entering x2APIC mode: the ID is the x2APIC ID and LDR is derived from it (SDM 10.12.10.2).
    if (enteringX2apic) this.regs[at(ApicReg.Ldr)] = this.x2apicLdr();
    return true;
  }

  /** x2APIC logical ID: cluster = ID[19:4] in bits 31:16, bit ID[3:0] set in bits 15:0 (SDM 10.12.10.2). */
  private x2apicLdr(): number {
    return (((this.initialId & 0xffff0) << 12) | (1 << (this.initialId & 0xf))) >>> 0;
  }

  // --- interrupt acceptance and priority -------------------------------------------------------------------

  private testBit(base: number, v: number): boolean {
    return (this.regs[bitReg(base, v)]! & (1 << (v & 31))) !== 0;
  }

  private setBit(base: number, v: number, on: boolean): void {
    const i = bitReg(base, v);
    this.regs[i] = on ? this.regs[i]! | (1 << (v & 31)) : this.regs[i]! & ~(1 << (v & 31));
  }

  /** Highest set vector of a 256-bit set, or -1. */
  private highest(base: number): number {
    for (let w = 7; w >= 0; w--) {
      const bits = this.regs[at(base + (w << 4))]!;
      if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits);
    }
    return -1;
  }

  /** A fixed interrupt arrives: IRR set, TMR = trigger mode (SDM 10.8.4). Vectors 0-15 are refused with
   *  "Receive Illegal Vector" (SDM 10.5.3). A software-disabled APIC discards fixed interrupts (KVM). */
  private acceptFixed(vector: number, level: boolean): void {
    if (!this.hardwareEnabled || !this.softwareEnabled) return;
    if (vector < 16) {
      this.error(Esr.ReceiveIllegalVector);
      return;
    }
    this.setBit(ApicReg.Irr, vector, true);
    this.setBit(ApicReg.Tmr, vector, level);
  }

  /** A message from the APIC bus that selected this APIC. */
  accept(msg: ApicMessage): void {
    // A globally disabled APIC takes nothing from the bus (SDM 10.4.3).
    if (!this.hardwareEnabled) return;
    switch (msg.deliveryMode) {
      case DeliveryMode.Fixed:
      case DeliveryMode.LowestPriority:
        this.acceptFixed(msg.vector, msg.level);
        return;
      case DeliveryMode.Nmi:
        this.nmiPending = true;
        return;
      case DeliveryMode.Init:
        this.initPending = true;
        return;
      case DeliveryMode.StartUp:
        this.sipiVector = msg.vector;
        return;
      case DeliveryMode.ExtInt:
        this.extIntPending = true;
        return;
      default: // SMI: there is no SMM
        return;
    }
  }

  /** PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4 (SDM 10.8.3.1). */
  ppr(): number {
    const tpr = this.regs[at(ApicReg.Tpr)]! & 0xff;
    const isrv = Math.max(this.highest(ApicReg.Isr), 0);
    return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr : isrv & 0xf0;
  }

  /** The vector the APIC would present to the CPU: the highest IRR vector whose priority class exceeds
   *  PPR[7:4] (SDM 10.8.3.1), or -1. */
  pendingVector(): number {
    if (!this.hardwareEnabled) return -1;
    const v = this.highest(ApicReg.Irr);
    return v >= 0 && v >> 4 > this.ppr() >> 4 ? v : -1;
  }

  /** What the CPU should take next, NMI first; ExtINT (from the IOAPIC) before fixed vectors, as KVM orders
   *  them. The PIC on LINT0 is separate: see `acceptsPicInterrupt`. */
  pendingInterrupt(): ApicInterrupt | undefined {
    if (this.nmiPending) return { kind: 'nmi' };
    if (this.extIntPending) return { kind: 'extint' };
    const v = this.pendingVector();
    return v < 0 ? undefined : { kind: 'fixed', vector: v };
  }

  takeNmi(): void {
    this.nmiPending = false;
  }

  takeExtInt(): void {
    this.extIntPending = false;
  }

  /** INTA: the highest deliverable IRR vector moves to ISR and is returned; if priority rose since it was
   *  presented, the spurious vector is returned and nothing changes (SDM 10.9). */
  acknowledge(): number {
    const v = this.pendingVector();
    if (v < 0) return this.regs[at(ApicReg.Svr)]! & 0xff;
    this.setBit(ApicReg.Irr, v, false);
    this.setBit(ApicReg.Isr, v, true);
    return v;
  }

  /** EOI: clears the highest ISR bit; a level-triggered vector (TMR set) is broadcast to the IOAPICs (SDM
   *  10.8.5); a LINT level interrupt's remote IRR clears. */
  eoi(): void {
    const v = this.highest(ApicReg.Isr);
    if (v < 0) return;
    this.setBit(ApicReg.Isr, v, false);
    if (!this.testBit(ApicReg.Tmr, v)) return;
    for (const reg of [ApicReg.LvtLint0, ApicReg.LvtLint1]) {
      const lvt = this.regs[at(reg)]!;
      if ((lvt & LVT_VECTOR) === v) this.regs[at(reg)] = lvt & ~LVT_REMOTE_IRR;
    }
    this.hooks.eoiBroadcast(v);
  }

  /** CR8 is TPR[7:4] (SDM 10.8.6.1). */
  getCr8(): number {
    return (this.regs[at(ApicReg.Tpr)]! >> 4) & 0xf;
  }

  setCr8(v: number): void {
    this.regs[at(ApicReg.Tpr)] = (v & 0xf) << 4;
  }

  /** The PIC's INTR reaches the CPU when the APIC is globally disabled (LINT0 is then the INTR pin, SDM 10.4.3)
   *  or when LVT LINT0 is unmasked in ExtINT mode (SDM 10.5.1) — KVM's kvm_apic_accept_pic_intr. */
  acceptsPicInterrupt(): boolean {
    if (!this.hardwareEnabled) return true;
    const lvt = this.regs[at(ApicReg.LvtLint0)]!;
    return (lvt & LVT_MASKED) === 0 && ((lvt >> LVT_DELIVERY_MODE_SHIFT) & 7) === DeliveryMode.ExtInt;
  }

  /** LINT0/LINT1 input level. Edge-triggered LVTs act on the rising edge; a level-triggered fixed LVT is
   *  accepted while high and its remote IRR is clear (SDM 10.5.1 figure 10-8). ExtINT is read through
   *  acceptsPicInterrupt. */
  setLint(pin: 0 | 1, level: boolean): void {
    const rising = level && !this.lint[pin];
    this.lint[pin] = level;
    const reg = pin === 0 ? ApicReg.LvtLint0 : ApicReg.LvtLint1;
    const lvt = this.regs[at(reg)]!;
    if (!this.hardwareEnabled || lvt & LVT_MASKED) return;
    const mode = (lvt >> LVT_DELIVERY_MODE_SHIFT) & 7;
    if (mode === DeliveryMode.Fixed && lvt & LVT_LEVEL) {
      if (level && (lvt & LVT_REMOTE_IRR) === 0) {
        this.regs[at(reg)] = lvt | LVT_REMOTE_IRR;
        this.acceptFixed(lvt & LVT_VECTOR, true);
      }
    } else if (rising) {
      this.localInterrupt(reg);
    }
  }

  /** A local interrupt through its LVT: nothing when masked; fixed or NMI delivery (SDM 10.5.1). */
  private localInterrupt(reg: number): void {
    const lvt = this.regs[at(reg)]!;
    if (lvt & LVT_MASKED) return;
    const mode = reg === ApicReg.LvtTimer || reg === ApicReg.LvtError ? 0 : (lvt >> LVT_DELIVERY_MODE_SHIFT) & 7;
    if (mode === DeliveryMode.Nmi) this.nmiPending = true;
    else if (mode === DeliveryMode.Fixed) this.acceptFixed(lvt & LVT_VECTOR, false);
  }

  /** An error is logged in the pending ESR bits and signalled through LVT Error (SDM 10.5.3). */
  private error(bit: number): void {
    this.esrPending |= bit;
    const lvt = this.regs[at(ApicReg.LvtError)]!;
    // A vector < 16 in LVT Error would log another error forever; it is just dropped.
    if ((lvt & LVT_MASKED) === 0 && (lvt & LVT_VECTOR) >= 16) this.localInterrupt(ApicReg.LvtError);
  }

  // --- register file -------------------------------------------------------------------------------------

  /** Register read by offset; undefined for an offset that is not a readable register. */
  private readReg(off: number): number | undefined {
    switch (off) {
      case ApicReg.Ppr:
        return this.ppr();
      case ApicReg.TimerCurrent:
        return this.timer.currentCount();
      case ApicReg.TimerInitial:
        return this.timer.initialCount;
      case ApicReg.Id:
        return this.x2apic ? this.initialId : this.regs[at(off)]!;
      case ApicReg.Version:
      case ApicReg.Tpr:
      case ApicReg.Ldr:
      case ApicReg.Svr:
      case ApicReg.Esr:
      case ApicReg.IcrLow:
      case ApicReg.TimerDivide:
        return this.regs[at(off)]!;
      case ApicReg.Dfr:
      case ApicReg.IcrHigh:
        return this.x2apic ? undefined : this.regs[at(off)]!;
      case ApicReg.Apr:
      case ApicReg.Rrd:
      case ApicReg.Eoi:
        // xAPIC only: APR and RRD are not implemented and read 0; EOI is write-only and reads 0.
        return this.x2apic ? undefined : 0;
      default:
        if (off >= ApicReg.Isr && off < ApicReg.Esr && (off & 0xf) === 0) return this.regs[at(off)]!;
        if ((LVT_WRITABLE[off] ?? 0) !== 0) return this.regs[at(off)]!;
        return undefined;
    }
  }

  /** Register write; false when the offset is read-only, reserved or absent in the current mode (x2APIC: #GP). */
  private writeReg(off: number, v: number): boolean {
    v >>>= 0;
    switch (off) {
      case ApicReg.Id:
        if (this.x2apic) return false;
        this.regs[at(off)] = v & 0xff000000;
        return true;
      case ApicReg.Tpr:
        this.regs[at(off)] = v & 0xff;
        return true;
      case ApicReg.Eoi:
        this.eoi();
        return true;
      case ApicReg.Ldr:
        if (this.x2apic) return false;
        this.regs[at(off)] = v & 0xff000000;
        return true;
      case ApicReg.Dfr:
        if (this.x2apic) return false;
        this.regs[at(off)] = (v | 0x0fffffff) >>> 0;
        return true;
      case ApicReg.Svr:
        this.regs[at(off)] = v & SVR_WRITABLE;
        // Software-disabled: every LVT mask bit is set (SDM 10.4.7.2).
        if ((v & SVR_ENABLE) === 0) for (const r of LVT_REGS) this.regs[at(r)] = this.regs[at(r)]! | LVT_MASKED;
        return true;
      case ApicReg.Esr:
        // A write latches the errors detected since the previous write (SDM 10.5.3).
        this.regs[at(off)] = this.esrPending;
        this.esrPending = 0;
        return true;
      case ApicReg.IcrHigh:
        if (this.x2apic) return false;
        this.regs[at(off)] = v & 0xff000000;
        return true;
      case ApicReg.IcrLow:
        this.regs[at(off)] = v & ICR_LOW_WRITABLE;
        this.sendIcr(this.x2apic ? this.regs[at(ApicReg.IcrHigh)]! : this.regs[at(ApicReg.IcrHigh)]! >>> 24);
        return true;
      case ApicReg.TimerInitial:
        this.timer.setInitialCount(v);
        return true;
      case ApicReg.TimerDivide:
        this.regs[at(off)] = v & 0xb;
        this.timer.setDivide(v);
        return true;
      case ApicReg.SelfIpi:
        if (!this.x2apic) return false;
        this.hooks.sendIpi(
          { vector: v & 0xff, deliveryMode: DeliveryMode.Fixed, logical: false, dest: 0, level: false },
          Shorthand.Self,
          this,
        );
        return true;
      default: {
        const writable = LVT_WRITABLE[off];
        if (writable === undefined) return false;
        let lvt = (this.regs[at(off)]! & ~writable) | (v & writable);
        // While software-disabled the mask bits cannot be cleared (SDM 10.4.7.2).
        if (!this.softwareEnabled) lvt |= LVT_MASKED;
        this.regs[at(off)] = lvt >>> 0;
        if (off === ApicReg.LvtTimer) this.timer.setMode((lvt >> LVT_TIMER_MODE_SHIFT) & 3);
        return true;
      }
    }
  }

  /** An ICR write sends an IPI (SDM 10.6.1). A fixed IPI with a vector below 16 is not sent: "Send Illegal
   *  Vector" (SDM 10.5.3). INIT level de-assert is a bus synchronisation without effect on modern APICs. */
  private sendIcr(dest: number): void {
    const lo = this.regs[at(ApicReg.IcrLow)]!;
    const mode = (lo >> 8) & 7;
    const level = (lo & ICR_TRIGGER_LEVEL) !== 0;
    if (mode === DeliveryMode.Init && level && (lo & ICR_LEVEL_ASSERT) === 0) return;
    if ((mode === DeliveryMode.Fixed || mode === DeliveryMode.LowestPriority) && (lo & 0xff) < 16) {
      this.error(Esr.SendIllegalVector);
      return;
    }
    const msg: ApicMessage = {
      vector: lo & 0xff,
      deliveryMode: mode,
      logical: (lo & ICR_DEST_LOGICAL) !== 0,
      dest,
      level,
    };
    this.hooks.sendIpi(msg, (lo >> ICR_SHORTHAND_SHIFT) & 3, this);
  }

  /** xAPIC MMIO read at `offset` in the page, 1, 2 or 4 bytes within a register's first dword. A reserved
   *  offset reads 0 and logs "Illegal Register Address" (SDM 10.5.3). */
  mmioRead(offset: number, size: number): number {
    const reg = offset & 0xff0;
    const v = (offset & 0xf) + size <= 4 ? this.readReg(reg) : undefined;
    if (v === undefined) {
      this.error(Esr.IllegalRegister);
      return 0;
    }
    const shift = (offset & 3) * 8;
    return size === 4 ? v >>> 0 : (v >>> shift) & ((1 << (size * 8)) - 1);
  }

  /** xAPIC MMIO write: dword writes at a register's offset (SDM 10.4.1: "must be accessed as 32-bit");
   *  read-only registers ignore writes, reserved ones log "Illegal Register Address". */
  mmioWrite(offset: number, size: number, value: number): void {
    if (size !== 4 || (offset & 0xf) !== 0) return;
    const off = offset & 0xff0;
    if (!this.writeReg(off, value) && this.readReg(off) === undefined) this.error(Esr.IllegalRegister);
  }

  /** x2APIC RDMSR (and IA32_TSC_DEADLINE); undefined means #GP: not in x2APIC mode, or a write-only or
   *  missing register (SDM 10.12.1.2 table 10-6). */
  readMsr(index: number): bigint | undefined {
    if (index === MSR_TSC_DEADLINE) return this.timer.tscDeadline;
    if (index < X2APIC_MSR_BASE || index > X2APIC_MSR_END || !this.x2apic) return undefined;
    const off = (index - X2APIC_MSR_BASE) << 4;
    if (off === ApicReg.IcrLow)
      return (BigInt(this.regs[at(ApicReg.IcrHigh)]!) << 32n) | BigInt(this.regs[at(ApicReg.IcrLow)]!);
    const v = this.readReg(off);
    return v === undefined ? undefined : BigInt(v >>> 0);
  }

  /** x2APIC WRMSR (and IA32_TSC_DEADLINE); false means #GP: not x2APIC mode, a read-only or missing register,
   *  a non-zero EOI or ESR write, or high bits set outside the ICR (SDM 10.12.1.2, 10.12.9). */
  writeMsr(index: number, value: bigint): boolean {
    if (index === MSR_TSC_DEADLINE) {
      this.timer.setTscDeadline(value);
      return true;
    }
    if (index < X2APIC_MSR_BASE || index > X2APIC_MSR_END || !this.x2apic) return false;
    const off = (index - X2APIC_MSR_BASE) << 4;
    if (off === ApicReg.IcrLow) {
      this.regs[at(ApicReg.IcrHigh)] = Number(value >> 32n);
      return this.writeReg(off, Number(value & 0xffffffffn));
    }
    if (value >> 32n !== 0n) return false;
    if ((off === ApicReg.Eoi || off === ApicReg.Esr) && value !== 0n) return false;
    return this.writeReg(off, Number(value));
  }

  // --- physical and logical destinations (SDM 10.6.2) ----------------------------------------------------

  /** Whether a message with destination `dest` (mode `logical`) selects this APIC. */
  matches(dest: number, logical: boolean): boolean {
    if (!this.hardwareEnabled) return false;
    const broadcast = this.x2apic ? 0xffffffff : 0xff;
    if (dest >>> 0 === broadcast) return true;
    if (!logical) return this.id === dest >>> 0;
    const ldr = this.regs[at(ApicReg.Ldr)]!;
    if (this.x2apic) return ldr >>> 16 === dest >>> 16 && (ldr & dest & 0xffff) !== 0;
    const logicalId = ldr >>> 24;
    // DFR model 1111 = flat: a bitmap of 8 APICs; 0000 = cluster: dest[7:4] cluster, dest[3:0] bitmap.
    if (this.regs[at(ApicReg.Dfr)]! >>> 28 === 0xf) return (logicalId & dest) !== 0;
    return logicalId >> 4 === dest >> 4 && (logicalId & dest & 0xf) !== 0;
  }

  // --- snapshot ------------------------------------------------------------------------------------------

  save(): LapicState {
    return {
      apicBase: this.readApicBase(),
      regs: new Uint8Array(this.regs.buffer.slice(0)),
      timer: this.timer.save(),
      esrPending: this.esrPending,
      nmiPending: this.nmiPending,
      initPending: this.initPending,
      sipiVector: this.sipiVector,
      extIntPending: this.extIntPending,
      lint: [...this.lint],
    };
  }

  restore(s: LapicState): void {
    this.apicBase = Number(s.apicBase);
    this.regs = new Uint32Array(s.regs.slice(0).buffer);
    this.timer.restore(s.timer);
    this.esrPending = s.esrPending;
    this.nmiPending = s.nmiPending;
    this.initPending = s.initPending;
    this.sipiVector = s.sipiVector;
    this.extIntPending = s.extIntPending;
    this.lint = [...s.lint];
  }

  /** INIT and SIPI received so far, for the SMP issue to act on; reading clears them. */
  takeStartupRequests(): { init: boolean; sipiVector: number | undefined } {
    const out = { init: this.initPending, sipiVector: this.sipiVector };
    this.initPending = false;
    this.sipiVector = undefined;
    return out;
  }
}
