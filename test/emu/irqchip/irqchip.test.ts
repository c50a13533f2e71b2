// The irqchip as a whole, on the paths a PC kernel uses: the PIT through the IOAPIC to a local APIC (Linux with
// an IOAPIC), the PIT through the 8259 to LINT0 in ExtINT mode (virtual wire mode, SDM vol. 3 10.5.1 and the
// MultiProcessor Specification 1.4 section 3.6.2.2), level-triggered IOAPIC pins with EOI, and QEMU's PC GSI
// routing (GSI 0 on IOAPIC pin 2, as the MADT override says).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmuIrqchip, IrqchipId } from '../../../src/backends/emu/irqchip/irqchip.js';

const APIC = 0xfee00000;
const IOAPIC = 0xfec00000;

function redirect(c: EmuIrqchip, pin: number, low: number, dest = 0): void {
  c.mmioWrite(0, IOAPIC, 4, 0x10 + 2 * pin);
  c.mmioWrite(0, IOAPIC + 0x10, 4, low);
  c.mmioWrite(0, IOAPIC, 4, 0x11 + 2 * pin);
  c.mmioWrite(0, IOAPIC + 0x10, 4, dest << 24);
}
function initPic(c: EmuIrqchip, imrMaster: number): void {
  for (const [port, v] of [
    [0x20, 0x11],
    [0x21, 0x20],
    [0x21, 0x04],
    [0x21, 0x01],
    [0xa0, 0x11],
    [0xa1, 0x28],
    [0xa1, 0x02],
    [0xa1, 0x01],
    [0x21, imrMaster],
    [0xa1, 0xff],
  ] as const)
    c.pioWrite(port, v);
}
/** PIT channel 0, mode 2, count `n`. */
function pitPeriodic(c: EmuIrqchip, n: number): void {
  c.pioWrite(0x43, 0x34);
  c.pioWrite(0x40, n & 0xff);
  c.pioWrite(0x40, n >> 8);
}

describe('emu irqchip', () => {
  it('PIT -> IOAPIC pin 2 -> local APIC: the tick arrives as the programmed vector; EOI lets the next one in', () => {
    const c = new EmuIrqchip(1);
    initPic(c, 0xff);
    c.mmioWrite(0, APIC + 0xf0, 4, 0x1ff);
    redirect(c, 2, 0x30);
    pitPeriodic(c, 1193);
    assert.equal(c.pendingMaskable(0), undefined);
    c.clock.idleToNextDeadline();
    assert.deepEqual(c.pendingMaskable(0), { kind: 'lapic' });
    assert.equal(c.acknowledge(0), 0x30);
    assert.equal(c.pendingMaskable(0), undefined);
    c.clock.idleToNextDeadline();
    assert.equal(c.pendingMaskable(0), undefined); // 0x30 is in service: same priority class
    c.mmioWrite(0, APIC + 0xb0, 4, 0);
    assert.equal(c.acknowledge(0), 0x30);
  });

  it('PIT -> 8259 IRQ0 -> LINT0 in ExtINT mode: the PIC supplies the vector (virtual wire mode)', () => {
    const c = new EmuIrqchip(1);
    initPic(c, 0xfe);
    c.mmioWrite(0, APIC + 0xf0, 4, 0x1ff);
    c.mmioWrite(0, APIC + 0x350, 4, 0x700);
    pitPeriodic(c, 100);
    c.clock.idleToNextDeadline();
    assert.deepEqual(c.pendingMaskable(0), { kind: 'extint' });
    assert.equal(c.acknowledge(0), 0x20);
    c.pioWrite(0x20, 0x20);
    // LINT0 masked: the PIC's INTR no longer reaches the CPU.
    c.mmioWrite(0, APIC + 0x350, 4, 0x10700);
    c.clock.idleToNextDeadline();
    assert.equal(c.pendingMaskable(0), undefined);
  });

  it('KVM_IRQ_LINE GSI 9 level-triggered: delivered again after EOI while the line stays high', () => {
    const c = new EmuIrqchip(2);
    c.mmioWrite(1, APIC + 0xf0, 4, 0x1ff);
    redirect(c, 9, 0x8000 | 0x49, 1);
    c.setIrqLine(9, true);
    assert.equal(c.acknowledge(1), 0x49);
    c.mmioWrite(1, APIC + 0xb0, 4, 0);
    assert.deepEqual(c.pendingMaskable(1), { kind: 'lapic' });
    c.setIrqLine(9, false);
    assert.equal(c.acknowledge(1), 0x49);
    c.mmioWrite(1, APIC + 0xb0, 4, 0);
    assert.equal(c.pendingMaskable(1), undefined);
    assert.equal(c.pendingMaskable(0), undefined);
  });

  it('GSI 0 reaches IOAPIC pin 2, not pin 0; APIC and IOAPIC MMIO are decoded, other addresses are not', () => {
    const c = new EmuIrqchip(1);
    c.mmioWrite(0, APIC + 0xf0, 4, 0x1ff);
    redirect(c, 0, 0x50);
    redirect(c, 2, 0x52);
    c.setIrqLine(0, true);
    assert.equal(c.acknowledge(0), 0x52);
    assert.equal(c.mmioRead(0, APIC + 0x30, 4), 0x50014);
    c.mmioWrite(0, IOAPIC, 4, 1);
    assert.equal(c.mmioRead(0, IOAPIC + 0x10, 4), 0x170011);
    assert.equal(c.mmioRead(0, 0xfed00000, 4), undefined);
    assert.equal(c.pioRead(0x3f8), undefined);
  });

  it('an NMI IPI is reported apart from maskable interrupts', () => {
    const c = new EmuIrqchip(2);
    c.mmioWrite(0, APIC + 0xf0, 4, 0x1ff);
    c.mmioWrite(0, APIC + 0x310, 4, 0x01000000);
    c.mmioWrite(0, APIC + 0x300, 4, 0x400);
    assert.equal(c.nmiPending(1), true);
    c.takeNmi(1);
    assert.equal(c.nmiPending(1), false);
  });

  it('KVM_GET/SET_IRQCHIP, _LAPIC, _PIT2 and the clock restore an identical machine', () => {
    const a = new EmuIrqchip(1);
    initPic(a, 0xfe);
    a.mmioWrite(0, APIC + 0xf0, 4, 0x1ff);
    redirect(a, 2, 0x30);
    pitPeriodic(a, 500);
    a.clock.retire(12345);
    const b = new EmuIrqchip(1);
    b.setClock(a.getClock());
    for (const id of [IrqchipId.PicMaster, IrqchipId.PicSlave, IrqchipId.Ioapic] as const)
      b.setIrqchip(a.getIrqchip(id));
    b.setLapic(0, a.getLapic(0));
    b.setPit2(a.getPit2());
    for (const c of [a, b]) c.clock.idleToNextDeadline();
    assert.equal(b.clock.now(), a.clock.now());
    assert.deepEqual(b.pendingMaskable(0), a.pendingMaskable(0));
    assert.equal(b.acknowledge(0), a.acknowledge(0));
    assert.equal(b.acknowledge(0), a.acknowledge(0));
  });
});
