// The dual 8259A: each expectation cites the Intel 8259A datasheet (231468) section it follows, or the PIIX4
// datasheet for the ELCR.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DualPic } from '../../../src/backends/emu/irqchip/i8259.js';

/** Linux's init_8259A: ICW1 edge+ICW4, vectors 0x30/0x38, slave on IR2 (ICW3 4/2), 8086 mode. */
function linuxPic(autoEoi = false): DualPic {
  const pic = new DualPic();
  pic.write(0x20, 0x11);
  pic.write(0x21, 0x30);
  pic.write(0x21, 0x04);
  pic.write(0x21, autoEoi ? 0x03 : 0x01);
  pic.write(0xa0, 0x11);
  pic.write(0xa1, 0x38);
  pic.write(0xa1, 0x02);
  pic.write(0xa1, 0x01);
  pic.write(0x21, 0x00);
  pic.write(0xa1, 0x00);
  return pic;
}

const isr = (pic: DualPic, port: number): number => {
  pic.write(port, 0x0b); // OCW3: read ISR
  return pic.read(port);
};
const irr = (pic: DualPic, port: number): number => {
  pic.write(port, 0x0a); // OCW3: read IRR
  return pic.read(port);
};

describe('8259A PIC', () => {
  it('delivers a rising edge as ICW2 base + level and moves it from IRR to ISR on INTA ("Interrupt Sequence")', () => {
    const pic = linuxPic();
    assert.equal(pic.output(), false);
    pic.setIrq(1, true);
    assert.equal(irr(pic, 0x20), 0x02);
    assert.equal(pic.output(), true);
    assert.equal(pic.acknowledge(), 0x31);
    assert.equal(isr(pic, 0x20), 0x02);
    assert.equal(irr(pic, 0x20), 0x00);
    assert.equal(pic.output(), false);
    pic.write(0x20, 0x20); // OCW2 non-specific EOI
    assert.equal(isr(pic, 0x20), 0);
    // Edge mode: the line still high is no new request until it goes low and high again.
    assert.equal(pic.output(), false);
    pic.setIrq(1, false);
    pic.setIrq(1, true);
    assert.equal(pic.output(), true);
  });

  it('fully nested mode: IR0 highest, a lower level waits for EOI, a higher one preempts ("Fully Nested Mode")', () => {
    const pic = linuxPic();
    pic.setIrq(5, true);
    pic.setIrq(3, true);
    assert.equal(pic.acknowledge(), 0x33);
    assert.equal(pic.output(), false); // IR5 is lower than IR3 in service
    pic.setIrq(1, true);
    assert.equal(pic.acknowledge(), 0x31); // IR1 outranks IR3
    pic.write(0x20, 0x20); // EOI clears the highest in service: IR1
    assert.equal(isr(pic, 0x20), 0x08);
    pic.write(0x20, 0x63); // specific EOI for IR3
    assert.equal(pic.acknowledge(), 0x35);
  });

  it('cascade: a slave request arrives through master IR2 with the slave vector, both ISRs set ("Cascade Mode")', () => {
    const pic = linuxPic();
    pic.setIrq(10, true);
    assert.equal(pic.output(), true);
    assert.equal(pic.acknowledge(), 0x3a);
    assert.equal(isr(pic, 0x20), 0x04);
    assert.equal(isr(pic, 0xa0), 0x04);
    // A second slave request queues behind the one in service on both chips.
    pic.setIrq(12, true);
    assert.equal(pic.output(), false);
    pic.write(0xa0, 0x20);
    pic.write(0x20, 0x20);
    assert.equal(pic.output(), true);
    assert.equal(pic.acknowledge(), 0x3c);
  });

  it('a request that goes away before INTA gives the spurious IR7 / IR15 vector and no ISR bit ("Interrupt Sequence")', () => {
    const pic = linuxPic();
    pic.write(0x4d0, 0x20); // IRQ5 level-triggered
    pic.setIrq(5, true);
    assert.equal(pic.output(), true);
    pic.setIrq(5, false);
    assert.equal(pic.acknowledge(), 0x37);
    assert.equal(isr(pic, 0x20), 0);
    pic.write(0x4d1, 0x02); // IRQ9 level-triggered
    pic.setIrq(9, true);
    assert.equal(pic.output(), true);
    pic.setIrq(9, false);
    assert.equal(pic.acknowledge(), 0x3f);
    assert.equal(isr(pic, 0xa0), 0);
  });

  it('a level-triggered line held high requests again after EOI; an edge line does not (ELCR, PIIX4 4.1.x)', () => {
    const pic = linuxPic();
    pic.write(0x4d1, 0x02);
    pic.setIrq(9, true);
    assert.equal(pic.acknowledge(), 0x39);
    pic.write(0xa0, 0x20);
    pic.write(0x20, 0x20);
    assert.equal(pic.output(), true);
    assert.equal(pic.acknowledge(), 0x39);
  });

  it('ELCR: IRQ0, 1, 2, 8 and 13 are edge-only and their bits read 0 (PIIX4 ELCR1/ELCR2)', () => {
    const pic = linuxPic();
    pic.write(0x4d0, 0xff);
    pic.write(0x4d1, 0xff);
    assert.equal(pic.read(0x4d0), 0xf8);
    assert.equal(pic.read(0x4d1), 0xde);
  });

  it('auto-EOI sets no ISR bit; OCW1 masks; ICW1 clears the IMR ("AEOI Mode", "Initialization Command Words")', () => {
    const pic = linuxPic(true);
    pic.setIrq(4, true);
    assert.equal(pic.acknowledge(), 0x34);
    assert.equal(isr(pic, 0x20), 0);
    pic.write(0x21, 0x08);
    pic.setIrq(3, true);
    assert.equal(pic.output(), false);
    assert.equal(pic.read(0x21), 0x08);
    pic.write(0x20, 0x11);
    assert.equal(pic.read(0x21), 0);
  });

  it('special mask mode lets lower levels in while a masked level is in service ("Special Mask Mode")', () => {
    const pic = linuxPic();
    pic.setIrq(3, true);
    assert.equal(pic.acknowledge(), 0x33);
    pic.setIrq(6, true);
    assert.equal(pic.output(), false);
    pic.write(0x21, 0x08); // mask IR3, which is in service
    pic.write(0x20, 0x68); // OCW3: ESMM|SMM
    assert.equal(pic.output(), true);
    assert.equal(pic.acknowledge(), 0x36);
    pic.write(0x20, 0x48); // OCW3: ESMM, SMM clear
    pic.setIrq(7, true);
    assert.equal(pic.output(), false);
  });

  it('poll command: the next read returns 0x80 | level and acknowledges it ("Poll Command")', () => {
    const pic = linuxPic();
    pic.setIrq(6, true);
    pic.write(0x20, 0x0c); // OCW3 with P
    assert.equal(pic.read(0x20), 0x86);
    assert.equal(isr(pic, 0x20), 0x40);
    pic.write(0x20, 0x0c);
    assert.equal(pic.read(0x20) & 0x80, 0);
  });

  it('rotate on non-specific EOI makes the serviced level the lowest ("Automatic Rotation")', () => {
    const pic = linuxPic();
    pic.setIrq(0, true);
    assert.equal(pic.acknowledge(), 0x30);
    pic.write(0x20, 0xa0); // rotate on non-specific EOI
    pic.setIrq(0, false);
    pic.setIrq(0, true);
    pic.setIrq(4, true);
    assert.equal(pic.acknowledge(), 0x34); // IR0 is now the lowest priority
    pic.write(0x20, 0xc4); // set priority: IR4 lowest
    pic.write(0x20, 0x64);
    pic.setIrq(4, false);
    pic.setIrq(4, true);
    assert.equal(pic.acknowledge(), 0x30);
  });

  it('saves and restores its whole state', () => {
    const pic = linuxPic();
    pic.setIrq(10, true);
    pic.setIrq(3, true);
    const copy = new DualPic();
    copy.restore(pic.save());
    assert.deepEqual(copy.save(), pic.save());
    assert.equal(copy.acknowledge(), pic.acknowledge());
    assert.equal(copy.acknowledge(), pic.acknowledge());
  });
});
