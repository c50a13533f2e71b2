// The local APIC: each expectation cites the Intel SDM vol. 3 chapter 10 ("Advanced Programmable Interrupt
// Controller"; chapter 11 in editions from 2023) section it follows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApicBus } from '../../../src/backends/emu/irqchip/apic-bus.js';
import { VirtualClock } from '../../../src/backends/emu/irqchip/clock.js';
import { Ioapic } from '../../../src/backends/emu/irqchip/ioapic.js';
import { LocalApic } from '../../../src/backends/emu/irqchip/lapic.js';
import { divisorOf } from '../../../src/backends/emu/irqchip/lapic-timer.js';

function machine(n = 1): { clock: VirtualClock; bus: ApicBus; cpus: LocalApic[] } {
  const clock = new VirtualClock();
  const bus = new ApicBus();
  const cpus: LocalApic[] = [];
  for (let i = 0; i < n; i++) {
    const l = new LocalApic(clock, i, i === 0, bus);
    bus.addLapic(l);
    cpus.push(l);
  }
  return { clock, bus, cpus };
}
/** Software-enable with spurious vector 0xff (SVR bit 8), as every OS does first. */
function enable(l: LocalApic): LocalApic {
  l.mmioWrite(0xf0, 4, 0x1ff);
  return l;
}
const fixed = (vector: number, level = false) => ({ vector, deliveryMode: 0, logical: false, dest: 0, level });

describe('local APIC', () => {
  it('power-up state (10.4.7.1): version, SVR 0xff, every LVT masked, DFR all ones, ID; BSP base 0xfee00900', () => {
    const { cpus } = machine(2);
    const [a, b] = cpus as [LocalApic, LocalApic];
    assert.equal(a.readApicBase(), 0xfee00900n);
    assert.equal(b.readApicBase(), 0xfee00800n);
    assert.equal(b.mmioRead(0x20, 4), 0x01000000);
    assert.equal(a.mmioRead(0x30, 4), 0x00050014);
    assert.equal(a.mmioRead(0xf0, 4), 0xff);
    assert.equal(a.mmioRead(0xe0, 4), 0xffffffff);
    for (const off of [0x320, 0x330, 0x340, 0x350, 0x360, 0x370]) assert.equal(a.mmioRead(off, 4), 0x10000);
    assert.equal(a.mmioRead(0x30, 1), 0x14); // narrow reads of a register's first bytes
  });

  it('software-disabled (10.4.7.2): fixed interrupts are dropped and LVT masks cannot be cleared', () => {
    const { cpus } = machine();
    const a = cpus[0]!;
    a.accept(fixed(0x40));
    assert.equal(a.pendingVector(), -1);
    a.mmioWrite(0x350, 4, 0x700);
    assert.equal(a.mmioRead(0x350, 4), 0x10700);
    enable(a);
    a.mmioWrite(0x350, 4, 0x700);
    assert.equal(a.mmioRead(0x350, 4), 0x700);
    assert.equal(a.acceptsPicInterrupt(), true); // LINT0 unmasked ExtINT (10.5.1)
  });

  it('priority classes (10.8.3.1): only a class above PPR[7:4] is delivered; PPR from TPR and ISRV; CR8 = TPR[7:4]', () => {
    const a = enable(machine().cpus[0]!);
    a.accept(fixed(0x31));
    a.accept(fixed(0x45));
    assert.equal(a.pendingVector(), 0x45);
    assert.equal(a.acknowledge(), 0x45);
    assert.equal(a.mmioRead(0x100 + 0x20, 4), 1 << 5); // ISR bit 0x45
    assert.equal(a.mmioRead(0xa0, 4), 0x40); // PPR = ISRV[7:4] << 4
    a.accept(fixed(0x42));
    assert.equal(a.pendingVector(), -1); // same class as the one in service
    a.accept(fixed(0x51));
    assert.equal(a.pendingVector(), 0x51);
    a.setCr8(5);
    assert.equal(a.mmioRead(0x80, 4), 0x50);
    assert.equal(a.mmioRead(0xa0, 4), 0x50);
    assert.equal(a.pendingVector(), -1);
    assert.equal(a.acknowledge(), 0xff); // nothing deliverable at INTA: the spurious vector (10.9)
    a.setCr8(0);
    assert.equal(a.acknowledge(), 0x51);
    a.eoi(); // clears the highest ISR bit, 0x51 (10.8.5)
    a.eoi();
    assert.equal(a.pendingVector(), 0x42);
    assert.equal(a.mmioRead(0xa0, 4), 0);
  });

  it('EOI of a level-triggered vector (TMR set) is broadcast to the IOAPIC, which delivers again (10.8.4, 10.8.5)', () => {
    const { bus, cpus } = machine();
    const a = enable(cpus[0]!);
    const io = new Ioapic((m) => bus.deliver(m));
    bus.onEoi((v) => io.eoi(v));
    io.write(0, 0x10 + 2 * 9);
    io.write(0x10, 0x8000 | 0x39);
    io.setIrq(9, true);
    assert.equal(a.acknowledge(), 0x39);
    assert.equal(a.mmioRead(0x180 + 0x10, 4), 1 << 25); // TMR bit 0x39
    a.mmioWrite(0xb0, 4, 0);
    assert.equal(a.pendingVector(), 0x39);
    io.setIrq(9, false);
    assert.equal(a.acknowledge(), 0x39);
    a.mmioWrite(0xb0, 4, 0);
    assert.equal(a.pendingVector(), -1);
  });

  it('divide configuration (10.5.4 figure 10-10)', () => {
    assert.deepEqual([0, 1, 2, 3, 8, 9, 10, 11].map(divisorOf), [2, 4, 8, 16, 32, 64, 128, 1]);
  });

  it('one-shot timer (10.5.4): counts down at clock/divisor, interrupts at 0, stays at 0', () => {
    const { clock, cpus } = machine();
    const a = enable(cpus[0]!);
    a.mmioWrite(0x3e0, 4, 0x0); // divide by 2
    a.mmioWrite(0x320, 4, 0x40);
    a.mmioWrite(0x380, 4, 1000);
    clock.retire(600);
    assert.equal(a.mmioRead(0x390, 4), 700);
    assert.equal(clock.nextDeadline(), 2000);
    clock.retire(1399);
    assert.equal(a.pendingVector(), -1);
    clock.retire(1);
    assert.equal(a.pendingVector(), 0x40);
    assert.equal(a.mmioRead(0x390, 4), 0);
    assert.equal(clock.nextDeadline(), Number.POSITIVE_INFINITY);
  });

  it('periodic timer (10.5.4): reloads the initial count and interrupts every period; masked LVT still counts', () => {
    const { clock, cpus } = machine();
    const a = enable(cpus[0]!);
    a.mmioWrite(0x3e0, 4, 0xb); // divide by 1
    a.mmioWrite(0x320, 4, 0x20000 | 0x41);
    a.mmioWrite(0x380, 4, 100);
    for (let i = 1; i <= 3; i++) {
      assert.equal(clock.idleToNextDeadline(), true);
      assert.equal(clock.now(), 100 * i);
      assert.equal(a.acknowledge(), 0x41);
      a.eoi();
    }
    clock.retire(30);
    assert.equal(a.mmioRead(0x390, 4), 70);
    a.mmioWrite(0x320, 4, 0x30000 | 0x41); // masked, still periodic
    clock.retire(100);
    assert.equal(a.pendingVector(), -1);
    assert.equal(a.mmioRead(0x390, 4), 70);
  });

  it('one-shot <-> periodic keeps TMICT and the count; an expired one-shot stays at 0 (kvm-unit-tests test_apic_change_mode)', () => {
    const { clock, cpus } = machine();
    const a = enable(cpus[0]!);
    a.mmioWrite(0x3e0, 4, 0xb);
    a.mmioWrite(0x320, 4, 0x10000 | 0x40);
    a.mmioWrite(0x380, 4, 1000);
    a.mmioWrite(0x320, 4, 0x30000 | 0x40); // periodic
    assert.equal(a.mmioRead(0x380, 4), 1000);
    clock.retire(600);
    a.mmioWrite(0x320, 4, 0x10000 | 0x40); // back to one-shot mid-count
    assert.equal(a.mmioRead(0x390, 4), 400);
    clock.retire(400);
    assert.equal(a.mmioRead(0x390, 4), 0);
    a.mmioWrite(0x320, 4, 0x30000 | 0x40); // an expired one-shot switched to periodic stays at 0
    clock.retire(500);
    assert.equal(a.mmioRead(0x390, 4), 0);
    a.mmioWrite(0x380, 4, 1000);
    clock.retire(1700);
    assert.equal(a.mmioRead(0x390, 4), 300); // periodic: reloaded once
  });

  it('TSC-deadline (10.5.4.1): initial count ignored, fires at the deadline, clears the MSR; a past one fires at once', () => {
    const { clock, cpus } = machine();
    const a = enable(cpus[0]!);
    a.mmioWrite(0x320, 4, 0x40000 | 0x42);
    a.mmioWrite(0x380, 4, 5);
    assert.equal(a.mmioRead(0x380, 4), 0);
    assert.equal(a.writeMsr(0x6e0, 5000n), true);
    assert.equal(a.readMsr(0x6e0), 5000n);
    clock.retire(4999);
    assert.equal(a.pendingVector(), -1);
    clock.retire(1);
    assert.equal(a.acknowledge(), 0x42);
    assert.equal(a.readMsr(0x6e0), 0n);
    a.eoi();
    a.writeMsr(0x6e0, 10n);
    assert.equal(a.pendingVector(), 0x42);
    a.mmioWrite(0x320, 4, 0x42); // back to one-shot: disarmed, deadline cleared
    assert.equal(a.readMsr(0x6e0), 0n);
  });

  it('ICR (10.6.1): fixed IPI by physical ID, NMI, shorthands; INIT and SIPI recorded; vector < 16 is an ESR error', () => {
    const { cpus } = machine(2);
    const [a, b] = [enable(cpus[0]!), enable(cpus[1]!)];
    a.mmioWrite(0x310, 4, 0x01000000);
    a.mmioWrite(0x300, 4, 0x4050);
    assert.equal(b.pendingVector(), 0x50);
    assert.equal(a.pendingVector(), -1);
    a.mmioWrite(0x300, 4, 0xc0000 | 0x400); // NMI to all excluding self
    assert.deepEqual(b.pendingInterrupt(), { kind: 'nmi' });
    assert.equal(a.pendingInterrupt(), undefined);
    a.mmioWrite(0x300, 4, 0x40000 | 0x61); // self
    assert.equal(a.pendingVector(), 0x61);
    a.mmioWrite(0x300, 4, 0xc4500); // INIT, all excluding self
    a.mmioWrite(0x300, 4, 0xc4608); // SIPI vector 8
    assert.deepEqual(b.takeStartupRequests(), { init: true, sipiVector: 8 });
    a.mmioWrite(0x300, 4, 0x40000 | 0x0e);
    assert.equal(a.mmioRead(0x280, 4), 0); // ESR shows errors only after a write (10.5.3)
    a.mmioWrite(0x280, 4, 0);
    assert.equal(a.mmioRead(0x280, 4), 0x20);
    a.mmioWrite(0x280, 4, 0);
    assert.equal(a.mmioRead(0x280, 4), 0);
  });

  it('logical destinations (10.6.2.2): flat model bitmap and cluster model', () => {
    const { bus, cpus } = machine(2);
    const [a, b] = [enable(cpus[0]!), enable(cpus[1]!)];
    a.mmioWrite(0xd0, 4, 0x01000000);
    b.mmioWrite(0xd0, 4, 0x02000000);
    bus.deliver({ vector: 0x70, deliveryMode: 0, logical: true, dest: 0x02, level: false });
    assert.deepEqual([a.pendingVector(), b.pendingVector()], [-1, 0x70]);
    for (const l of [a, b]) l.mmioWrite(0xe0, 4, 0x0fffffff);
    a.mmioWrite(0xd0, 4, 0x31000000);
    b.mmioWrite(0xd0, 4, 0x21000000);
    bus.deliver({ vector: 0x71, deliveryMode: 0, logical: true, dest: 0x31, level: false });
    assert.equal(a.pendingVector(), 0x71);
    assert.equal(b.pendingVector(), 0x70);
    // Lowest priority: one APIC, the one with the lower PPR.
    a.setCr8(3);
    bus.deliver({ vector: 0x90, deliveryMode: 1, logical: false, dest: 0xff, level: false });
    assert.deepEqual([a.pendingVector(), b.pendingVector()], [0x71, 0x90]);
  });

  it('x2APIC (10.12): MSR access, derived LDR, 32-bit ICR destination, SELF IPI, #GP rules, no xAPIC page', () => {
    const { cpus } = machine(2);
    const [a, b] = [enable(cpus[0]!), enable(cpus[1]!)];
    assert.equal(a.mmioBase, 0xfee00000);
    assert.equal(a.readMsr(0x802), undefined); // xAPIC mode: the MSRs #GP
    assert.equal(a.writeApicBase(0xfee00000n | 0x400n), false); // EXTD without EN
    assert.equal(a.writeApicBase(0xfee00d00n), true);
    assert.equal(b.writeApicBase(0xfee00c00n), true);
    assert.equal(a.mmioBase, undefined);
    assert.equal(b.readMsr(0x802), 1n);
    assert.equal(b.readMsr(0x80d), 0x2n); // cluster 0, bit 1 (10.12.10.2)
    assert.equal(a.writeMsr(0x80d, 1n), false); // LDR is read-only
    assert.equal(a.writeMsr(0x80b, 1n), false); // non-zero EOI
    assert.equal(a.readMsr(0x80b), undefined); // EOI is write-only
    assert.equal(a.readMsr(0x809), undefined); // no APR in x2APIC
    assert.equal(a.writeMsr(0x830, (1n << 32n) | 0x4055n), true);
    assert.equal(b.pendingVector(), 0x55);
    assert.equal(a.writeMsr(0x83f, 0x66n), true);
    assert.equal(a.pendingVector(), 0x66);
    assert.equal(a.writeApicBase(0xfee00900n), false); // x2APIC -> xAPIC is invalid
    assert.equal(a.writeApicBase(0xfee00100n), true); // -> disabled
    assert.equal(a.pendingVector(), -1);
  });

  it('saves and restores the register page, the timer and pending events', () => {
    const { clock, cpus } = machine();
    const a = enable(cpus[0]!);
    a.accept(fixed(0x33));
    a.mmioWrite(0x320, 4, 0x20000 | 0x44);
    a.mmioWrite(0x380, 4, 500);
    clock.retire(120);
    const s = a.save();
    assert.equal(s.regs.length, 1024);
    const c2 = machine();
    const b = c2.cpus[0]!;
    c2.clock.restore(clock.save());
    b.restore(s);
    assert.deepEqual(b.save(), s);
    assert.equal(b.mmioRead(0x390, 4), a.mmioRead(0x390, 4));
    assert.equal(c2.clock.nextDeadline(), 1000);
  });
});
