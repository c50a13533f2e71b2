// The dual 8259A PIC of the PC (Intel 8259A datasheet, order 231468; ELCR per the PIIX/PIIX4 datasheets):
// master at 0x20/0x21 with the slave cascaded on its IR2, slave at 0xa0/0xa1, ELCR at 0x4d0/0x4d1. Its state
// has the fields of KVM's struct kvm_pic_state (KVM_GET_IRQCHIP), plus singleMode.

export const PIC_MASTER_PORT = 0x20;
export const PIC_SLAVE_PORT = 0xa0;
export const ELCR_PORT = 0x4d0;
/** The master input the slave's INT drives. */
export const CASCADE_IRQ = 2;

/** struct kvm_pic_state, camel-cased. */
export interface PicChipState {
  lastIrr: number;
  irr: number;
  imr: number;
  isr: number;
  priorityAdd: number;
  irqBase: number;
  readRegSelect: number;
  poll: number;
  specialMask: number;
  initState: number;
  autoEoi: number;
  rotateOnAutoEoi: number;
  specialFullyNestedMode: number;
  init4: number;
  elcr: number;
  elcrMask: number;
  singleMode: number;
}

export interface PicState {
  master: PicChipState;
  slave: PicChipState;
}

const ICW1 = 0x10;
const ICW1_IC4 = 0x01;
const ICW1_SNGL = 0x02;
const OCW3 = 0x08;
const OCW3_RIS = 0x01;
const OCW3_RR = 0x02;
const OCW3_POLL = 0x04;
const OCW3_SMM = 0x20;
const OCW3_ESMM = 0x40;
const ICW4_AEOI = 0x02;
const ICW4_SFNM = 0x10;
/** Poll word: bit 7 = an interrupt is requesting, bits 2-0 its level (8259A "Poll Command"). */
const POLL_INT = 0x80;
/** PIIX4 ELCR: IRQ0, 1, 2 (master) and 8, 13 (slave) are edge-only; their ELCR bits read 0 and ignore writes. */
const ELCR_MASK_MASTER = 0xf8;
const ELCR_MASK_SLAVE = 0xde;

function resetChip(elcrMask: number): PicChipState {
  return {
    lastIrr: 0,
    irr: 0,
    imr: 0,
    isr: 0,
    priorityAdd: 0,
    irqBase: 0,
    readRegSelect: 0,
    poll: 0,
    specialMask: 0,
    initState: 0,
    autoEoi: 0,
    rotateOnAutoEoi: 0,
    specialFullyNestedMode: 0,
    init4: 0,
    elcr: 0,
    elcrMask,
    singleMode: 0,
  };
}

/** Highest-priority set bit of `bits` given the rotation (level `priorityAdd` is the highest), or 8 if none. */
function priorityOf(bits: number, priorityAdd: number): number {
  if (bits === 0) return 8;
  let p = 0;
  while ((bits & (1 << ((p + priorityAdd) & 7))) === 0) p++;
  return p;
}

class Chip {
  s: PicChipState;

  constructor(
    elcrMask: number,
    private readonly isMaster: boolean,
  ) {
    this.s = resetChip(elcrMask);
  }

  /** One IR input. Edge mode: a low-to-high transition sets IRR; level mode: IRR follows the line
   *  (8259A "Edge and Level Triggered Modes"; the ELCR bit selects the mode per line on PIIX). */
  setIrq(irq: number, level: boolean): void {
    const s = this.s;
    const bit = 1 << irq;
    if (s.elcr & bit) {
      if (level) {
        s.irr |= bit;
        s.lastIrr |= bit;
      } else {
        s.irr &= ~bit;
        s.lastIrr &= ~bit;
      }
    } else if (level) {
      if ((s.lastIrr & bit) === 0) s.irr |= bit;
      s.lastIrr |= bit;
    } else {
      s.lastIrr &= ~bit;
    }
  }

  /** The IR level to acknowledge next, or -1: the highest-priority unmasked request that outranks every
   *  in-service level. Special mask mode: masked ISR bits do not block lower levels (OCW3 SMM). Special fully
   *  nested mode: the master lets the slave's higher-priority requests through although IR2 is in service. */
  pending(): number {
    const s = this.s;
    const p = priorityOf(s.irr & ~s.imr, s.priorityAdd);
    if (p === 8) return -1;
    let inService = s.isr;
    if (s.specialMask) inService &= ~s.imr;
    if (s.specialFullyNestedMode && this.isMaster) inService &= ~(1 << CASCADE_IRQ);
    const q = priorityOf(inService, s.priorityAdd);
    return p < q ? (p + s.priorityAdd) & 7 : -1;
  }

  /** INTA for level `irq`: set ISR (unless auto-EOI, which rotates if asked), clear IRR for edge lines;
   *  a level line's IRR keeps following its input. */
  ack(irq: number): void {
    const s = this.s;
    const bit = 1 << irq;
    if (s.autoEoi) {
      if (s.rotateOnAutoEoi) s.priorityAdd = (irq + 1) & 7;
    } else {
      s.isr |= bit;
    }
    if ((s.elcr & bit) === 0) s.irr &= ~bit;
  }

  writeCommand(v: number): void {
    const s = this.s;
    if (v & ICW1) {
      // ICW1: IMR cleared, IR7 lowest priority, special mask cleared, read IRR next (8259A "Initialization
      // Command Words"); like KVM and QEMU we also drop IRR/ISR and the edge memory. LTIM is ignored: on
      // PIIX the ELCR alone selects edge/level.
      const elcr = s.elcr;
      const elcrMask = s.elcrMask;
      this.s = { ...resetChip(elcrMask), elcr, init4: v & ICW1_IC4, singleMode: (v & ICW1_SNGL) >> 1, initState: 1 };
      return;
    }
    if (v & OCW3) {
      if (v & OCW3_POLL) s.poll = 1;
      if (v & OCW3_RR) s.readRegSelect = v & OCW3_RIS;
      if (v & OCW3_ESMM) s.specialMask = (v & OCW3_SMM) >> 5;
      return;
    }
    // OCW2: bits 7-5 = R, SL, EOI; bits 2-0 = level.
    const level = v & 7;
    switch (v >> 5) {
      case 0: // rotate in auto-EOI mode: clear
      case 4: // rotate in auto-EOI mode: set
        s.rotateOnAutoEoi = v >> 7;
        return;
      case 1: // non-specific EOI: clear the highest-priority ISR bit
      case 5: {
        // rotate on non-specific EOI: that level becomes the lowest
        const p = priorityOf(s.isr, s.priorityAdd);
        if (p === 8) return;
        const irq = (p + s.priorityAdd) & 7;
        s.isr &= ~(1 << irq);
        if (v >> 5 === 5) s.priorityAdd = (irq + 1) & 7;
        return;
      }
      case 3: // specific EOI
        s.isr &= ~(1 << level);
        return;
      case 7: // rotate on specific EOI
        s.isr &= ~(1 << level);
        s.priorityAdd = (level + 1) & 7;
        return;
      case 6: // set priority: `level` becomes the lowest
        s.priorityAdd = (level + 1) & 7;
        return;
      default: // 2: no operation
        return;
    }
  }

  writeData(v: number): void {
    const s = this.s;
    switch (s.initState) {
      case 1: // ICW2: T7-T3 of the vector (8086 mode)
        s.irqBase = v & 0xf8;
        s.initState = s.singleMode ? (s.init4 ? 3 : 0) : 2;
        return;
      case 2: // ICW3: cascade wiring, fixed on the PC
        s.initState = s.init4 ? 3 : 0;
        return;
      case 3: // ICW4
        s.autoEoi = (v & ICW4_AEOI) >> 1;
        s.specialFullyNestedMode = (v & ICW4_SFNM) >> 4;
        s.initState = 0;
        return;
      default: // OCW1
        s.imr = v;
    }
  }

  readData(): number {
    return this.s.imr;
  }

  readRegister(): number {
    return this.s.readRegSelect ? this.s.isr : this.s.irr;
  }
}

export class DualPic {
  private readonly master = new Chip(ELCR_MASK_MASTER, true);
  private readonly slave = new Chip(ELCR_MASK_SLAVE, false);

  /** Drives ISA IRQ `irq` (0-15) to `level`. */
  setIrq(irq: number, level: boolean): void {
    if (irq >= 8) {
      this.slave.setIrq(irq - 8, level);
      this.updateCascade();
    } else {
      this.master.setIrq(irq, level);
    }
  }

  /** The slave's INT output is the master's IR2 input; as KVM does, a pending slave request pulses IR2 so the
   *  master latches it again after each acknowledge while the slave still requests. */
  private updateCascade(): void {
    if (this.slave.pending() < 0) return;
    this.master.setIrq(CASCADE_IRQ, true);
    this.master.setIrq(CASCADE_IRQ, false);
  }

  /** The master's INT output: the CPU's INTR line (or LINT0 in ExtINT mode). */
  output(): boolean {
    return this.master.pending() >= 0;
  }

  /** The INTA cycle: returns the vector and moves the request into service. With no request left (it went
   *  away since INT was raised) the 8259A answers with IR7's vector, the slave with IR15's, and sets no ISR bit
   *  (8259A "Interrupt Sequence", spurious interrupts). */
  acknowledge(): number {
    const m = this.master;
    const irq = m.pending();
    if (irq < 0) return m.s.irqBase | 7;
    m.ack(irq);
    if (irq !== CASCADE_IRQ) return m.s.irqBase | irq;
    const sl = this.slave;
    const sirq = sl.pending();
    let vector: number;
    if (sirq < 0) {
      vector = sl.s.irqBase | 7;
    } else {
      sl.ack(sirq);
      vector = sl.s.irqBase | sirq;
    }
    this.updateCascade();
    return vector;
  }

  /** A read in poll mode acknowledges the highest request as INTA would and returns the poll word. */
  private pollRead(chip: Chip): number {
    chip.s.poll = 0;
    const irq = chip.pending();
    if (irq < 0) return 0;
    chip.ack(irq);
    if (chip === this.slave) this.updateCascade();
    return POLL_INT | irq;
  }

  handles(port: number): boolean {
    const base = port & ~1;
    return base === PIC_MASTER_PORT || base === PIC_SLAVE_PORT || base === ELCR_PORT;
  }

  private chipAt(port: number): Chip {
    return (port & ~1) === PIC_SLAVE_PORT ? this.slave : this.master;
  }

  read(port: number): number {
    if ((port & ~1) === ELCR_PORT) return this.chipAtElcr(port).s.elcr;
    const chip = this.chipAt(port);
    if (chip.s.poll) return this.pollRead(chip);
    return port & 1 ? chip.readData() : chip.readRegister();
  }

  write(port: number, value: number): void {
    value &= 0xff;
    if ((port & ~1) === ELCR_PORT) {
      const chip = this.chipAtElcr(port);
      chip.s.elcr = value & chip.s.elcrMask;
    } else {
      const chip = this.chipAt(port);
      if (port & 1) chip.writeData(value);
      else chip.writeCommand(value);
    }
    this.updateCascade();
  }

  private chipAtElcr(port: number): Chip {
    return port === ELCR_PORT ? this.master : this.slave;
  }

  save(): PicState {
    return { master: { ...this.master.s }, slave: { ...this.slave.s } };
  }

  restore(s: PicState): void {
    this.master.s = { ...s.master };
    this.slave.s = { ...s.slave };
  }
}
