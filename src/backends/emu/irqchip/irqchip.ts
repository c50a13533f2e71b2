// The emu backend's in-kernel irqchip, shaped like KVM's (KVM_CREATE_IRQCHIP + KVM_CREATE_PIT2): the dual PIC,
// the IOAPIC, one local APIC per vCPU and the PIT on one virtual clock. KVM_IRQ_LINE is `setIrqLine`, with the
// GSI routing QEMU installs for a PC (kvm_pc_setup_irq_routing): GSI n < 16 drives PIC input n (except the
// cascade, 2) and IOAPIC pin n, but GSI 0 drives IOAPIC pin 2 (the MADT's IRQ0 -> GSI 2 override).
// KVM_GET/SET_IRQCHIP, KVM_GET/SET_LAPIC and KVM_GET/SET_PIT2 are the save/restore pairs below.
import { ApicBus } from './apic-bus.js';
import { VirtualClock, type VirtualClockState } from './clock.js';
import { Pit, type PitState } from './i8254.js';
import { CASCADE_IRQ, DualPic, type PicChipState } from './i8259.js';
import { IOAPIC_PINS, Ioapic, type IoapicState } from './ioapic.js';
import { type LapicState, LocalApic } from './lapic.js';

/** kvm_irqchip.chip_id */
export const IrqchipId = { PicMaster: 0, PicSlave: 1, Ioapic: 2 } as const;
/** The IOAPIC's MMIO window (KVM's IOAPIC_MEM_LENGTH). */
const IOAPIC_MMIO_BYTES = 0x100;
const APIC_PAGE_BYTES = 0x1000;

export type Maskable = { kind: 'extint' } | { kind: 'lapic' };

/** struct kvm_irqchip: chip_id and the chip's state. */
export type IrqchipState =
  | { chipId: typeof IrqchipId.PicMaster | typeof IrqchipId.PicSlave; pic: PicChipState }
  | { chipId: typeof IrqchipId.Ioapic; ioapic: IoapicState };

export class EmuIrqchip {
  readonly clock = new VirtualClock();
  readonly pic = new DualPic();
  readonly bus = new ApicBus();
  readonly ioapic = new Ioapic((m) => this.bus.deliver(m));
  readonly lapics: LocalApic[] = [];
  readonly pit: Pit;

  constructor(vcpus: number, tscOffset: (cpu: number) => bigint = () => 0n) {
    this.bus.onEoi((v) => this.ioapic.eoi(v));
    for (let i = 0; i < vcpus; i++) {
      const l = new LocalApic(this.clock, i, i === 0, this.bus, () => tscOffset(i));
      this.lapics.push(l);
      this.bus.addLapic(l);
    }
    this.pit = new Pit(this.clock, (level) => this.setIrqLine(0, level));
  }

  /** KVM_IRQ_LINE: drives GSI `gsi` to `level`. */
  setIrqLine(gsi: number, level: boolean): void {
    if (gsi < 16 && gsi !== CASCADE_IRQ) this.pic.setIrq(gsi, level);
    const pin = gsi === 0 ? 2 : gsi;
    if (pin < IOAPIC_PINS && gsi !== CASCADE_IRQ) this.ioapic.setIrq(pin, level);
  }

  // --- the CPU side ----------------------------------------------------------------------------------------

  /** The maskable interrupt vCPU `cpu` would take if RFLAGS.IF allowed, as KVM's kvm_cpu_has_interrupt orders
   *  them: ExtINT (the PIC through LINT0 or an IOAPIC ExtINT message) first, then the local APIC. */
  pendingMaskable(cpu: number): Maskable | undefined {
    const l = this.lapics[cpu]!;
    const lapic = l.pendingInterrupt();
    if (lapic?.kind === 'extint' || (this.pic.output() && l.acceptsPicInterrupt())) return { kind: 'extint' };
    if (lapic?.kind === 'fixed') return { kind: 'lapic' };
    return undefined;
  }

  /** INTA on vCPU `cpu`: the vector to deliver (a spurious one if the request went away). */
  acknowledge(cpu: number): number {
    const l = this.lapics[cpu]!;
    if (this.pendingMaskable(cpu)?.kind === 'extint') {
      l.takeExtInt();
      return this.pic.acknowledge();
    }
    return l.acknowledge();
  }

  /** An NMI waits (IPI, LVT in NMI mode); NMI blocking is the CPU's. */
  nmiPending(cpu: number): boolean {
    return this.lapics[cpu]!.pendingInterrupt()?.kind === 'nmi';
  }

  takeNmi(cpu: number): void {
    this.lapics[cpu]!.takeNmi();
  }

  // --- the bus side ----------------------------------------------------------------------------------------

  /** Port I/O the irqchip owns (PIC, ELCR, PIT, port 0x61); undefined for other ports. */
  pioRead(port: number): number | undefined {
    if (this.pic.handles(port)) return this.pic.read(port);
    if (this.pit.handles(port)) return this.pit.read(port);
    return undefined;
  }

  /** Returns false for a port the irqchip does not own. */
  pioWrite(port: number, value: number): boolean {
    if (this.pic.handles(port)) this.pic.write(port, value);
    else if (this.pit.handles(port)) this.pit.write(port, value);
    else return false;
    return true;
  }

  /** MMIO read by vCPU `cpu` (its own APIC page, the IOAPIC); undefined when the address is not ours. */
  mmioRead(cpu: number, gpa: number, size: number): number | undefined {
    const l = this.lapics[cpu]!;
    const apic = l.mmioBase;
    if (apic !== undefined && gpa >= apic && gpa < apic + APIC_PAGE_BYTES) return l.mmioRead(gpa - apic, size);
    const io = this.ioapic.baseAddress;
    if (gpa >= io && gpa < io + IOAPIC_MMIO_BYTES) return this.ioapic.read(gpa - io);
    return undefined;
  }

  mmioWrite(cpu: number, gpa: number, size: number, value: number): boolean {
    const l = this.lapics[cpu]!;
    const apic = l.mmioBase;
    if (apic !== undefined && gpa >= apic && gpa < apic + APIC_PAGE_BYTES) l.mmioWrite(gpa - apic, size, value);
    else if (gpa >= this.ioapic.baseAddress && gpa < this.ioapic.baseAddress + IOAPIC_MMIO_BYTES)
      this.ioapic.write(gpa - this.ioapic.baseAddress, value);
    else return false;
    return true;
  }

  // --- snapshots (KVM_GET/SET_IRQCHIP, KVM_GET/SET_LAPIC, KVM_GET/SET_PIT2) ---------------------------------

  getIrqchip(chipId: IrqchipState['chipId']): IrqchipState {
    if (chipId === IrqchipId.Ioapic) return { chipId, ioapic: this.ioapic.save() };
    const pic = this.pic.save();
    return { chipId, pic: chipId === IrqchipId.PicMaster ? pic.master : pic.slave };
  }

  setIrqchip(s: IrqchipState): void {
    if (s.chipId === IrqchipId.Ioapic) {
      this.ioapic.restore(s.ioapic);
      return;
    }
    const pic = this.pic.save();
    this.pic.restore(s.chipId === IrqchipId.PicMaster ? { ...pic, master: s.pic } : { ...pic, slave: s.pic });
  }

  /** The virtual clock (KVM_GET_CLOCK's counterpart): restore it before the devices, which re-arm on it. */
  getClock(): VirtualClockState {
    return this.clock.save();
  }

  setClock(s: VirtualClockState): void {
    this.clock.restore(s);
  }

  getLapic(cpu: number): LapicState {
    return this.lapics[cpu]!.save();
  }

  setLapic(cpu: number, s: LapicState): void {
    this.lapics[cpu]!.restore(s);
  }

  getPit2(): PitState {
    return this.pit.save();
  }

  setPit2(s: PitState): void {
    this.pit.restore(s);
  }
}
