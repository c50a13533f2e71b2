// The 82093AA I/O APIC: each expectation cites the datasheet (order 290566) section it follows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApicMessage } from '../../../src/backends/emu/irqchip/apic-message.js';
import { IOREGSEL, IOWIN, Ioapic } from '../../../src/backends/emu/irqchip/ioapic.js';

function setup(): { io: Ioapic; sent: ApicMessage[] } {
  const sent: ApicMessage[] = [];
  return { io: new Ioapic((m) => sent.push(m)), sent };
}
const rd = (io: Ioapic, reg: number): number => {
  io.write(IOREGSEL, reg);
  return io.read(IOWIN);
};
const wr = (io: Ioapic, reg: number, v: number): void => {
  io.write(IOREGSEL, reg);
  io.write(IOWIN, v);
};

describe('82093AA IOAPIC', () => {
  it('reset: version 0x11 with 24 entries, ID 0, every entry masked (3.2.2, 3.2.1, 3.2.4)', () => {
    const { io } = setup();
    assert.equal(rd(io, 1), 0x00170011);
    assert.equal(rd(io, 0), 0);
    for (let pin = 0; pin < 24; pin++) assert.equal(rd(io, 0x10 + 2 * pin), 0x10000);
    wr(io, 0, 0x0f000000 | 0xabcdef);
    assert.equal(rd(io, 0), 0x0f000000);
    assert.equal(rd(io, 2), 0x0f000000); // IOAPICARB loaded with the ID (3.2.3)
  });

  it('edge pin: one message per rising edge; masked edges are lost (3.2.4 mask bit)', () => {
    const { io, sent } = setup();
    wr(io, 0x10 + 2 * 2, 0x30);
    wr(io, 0x11 + 2 * 2, 0x01000000);
    io.setIrq(2, true);
    io.setIrq(2, true);
    io.setIrq(2, false);
    io.setIrq(2, true);
    assert.deepEqual(sent, [
      { vector: 0x30, deliveryMode: 0, logical: false, dest: 1, level: false },
      { vector: 0x30, deliveryMode: 0, logical: false, dest: 1, level: false },
    ]);
    wr(io, 0x10 + 2 * 2, 0x10030);
    io.setIrq(2, false);
    io.setIrq(2, true);
    wr(io, 0x10 + 2 * 2, 0x30);
    assert.equal(sent.length, 2);
  });

  it('level pin: remote IRR holds further messages until the EOI, then a still-asserted pin is sent again (3.2.4)', () => {
    const { io, sent } = setup();
    wr(io, 0x10 + 2 * 9, 0x8000 | 0x800 | (1 << 8) | 0x41); // level, logical, lowest priority, vector 0x41
    wr(io, 0x11 + 2 * 9, 0xff000000);
    io.setIrq(9, true);
    assert.deepEqual(sent, [{ vector: 0x41, deliveryMode: 1, logical: true, dest: 0xff, level: true }]);
    assert.equal(rd(io, 0x10 + 2 * 9) & 0x4000, 0x4000);
    io.setIrq(9, true);
    assert.equal(sent.length, 1);
    io.eoi(0x42);
    assert.equal(sent.length, 1);
    io.eoi(0x41);
    assert.equal(sent.length, 2);
    io.setIrq(9, false);
    io.eoi(0x41);
    assert.equal(rd(io, 0x10 + 2 * 9) & 0x4000, 0);
    assert.equal(sent.length, 2);
  });

  it('unmasking an asserted level pin delivers it; delivery status and remote IRR ignore writes (3.2.4)', () => {
    const { io, sent } = setup();
    wr(io, 0x10 + 2 * 11, 0x18000 | 0x51);
    io.setIrq(11, true);
    assert.equal(sent.length, 0);
    wr(io, 0x10 + 2 * 11, 0x8000 | 0x5000 | 0x51);
    assert.equal(sent.length, 1);
    assert.equal(rd(io, 0x10 + 2 * 11), 0xc051);
  });

  it('saves and restores its whole state (kvm_ioapic_state fields)', () => {
    const { io } = setup();
    wr(io, 0x10 + 2 * 9, 0x8041);
    wr(io, 0x11 + 2 * 9, 0x03000000);
    io.setIrq(9, true);
    const s = io.save();
    assert.equal(s.redirtbl[9], 0x03000000_0000c041n);
    const copy = setup();
    copy.io.restore(s);
    assert.deepEqual(copy.io.save(), s);
    copy.io.eoi(0x41);
    assert.equal(copy.sent.length, 1);
  });
});
