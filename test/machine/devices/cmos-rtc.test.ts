// The CMOS RTC: each expectation cites the Motorola MC146818A datasheet section it follows. Guest time comes
// from the emu's virtual clock, which the RTC sees only through the DeviceClock interface.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../../src/backends/emu/irqchip/clock.js';
import { CmosRtc } from '../../../src/machine/devices/cmos-rtc.js';

/** Friday 2026-12-04 15:27:17 UTC. */
const START = Date.UTC(2026, 11, 4, 15, 27, 17) / 1000;
const S = 1_000_000_000;

function setup() {
  const clock = new VirtualClock();
  const irqs: boolean[] = [];
  const rtc = new CmosRtc({ clock, startSeconds: START, irq: (l) => irqs.push(l) });
  const rd = (i: number): number => {
    rtc.write(0x70, 1, i);
    return rtc.read(0x71, 1);
  };
  const wr = (i: number, v: number): void => {
    rtc.write(0x70, 1, i);
    rtc.write(0x71, 1, v);
  };
  return { clock, rtc, irqs, rd, wr };
}
const time = (rd: (i: number) => number): number[] => [0, 2, 4, 6, 7, 8, 9, 0x32].map(rd);

describe('CMOS RTC (MC146818A)', () => {
  it('reads the start time in BCD 24-hour mode and counts whole seconds of guest time ("Time, Calendar")', () => {
    const { clock, rd } = setup();
    assert.deepEqual(time(rd), [0x17, 0x27, 0x15, 0x06, 0x04, 0x12, 0x26, 0x20]);
    clock.retire(S - 1);
    assert.equal(rd(0), 0x17);
    clock.retire(1);
    assert.equal(rd(0), 0x18);
    clock.retire(43 * S);
    assert.deepEqual([rd(0), rd(2)], [0x01, 0x28]);
    assert.equal(rd(0x0d), 0x80); // register D: VRT
  });

  it('binary and 12-hour formats (register B DM and 24/12 bits; hour bit 7 = PM)', () => {
    const { rd, wr } = setup();
    wr(0x0b, 0x06);
    assert.deepEqual([rd(0), rd(4), rd(9)], [17, 15, 26]);
    wr(0x0b, 0x04);
    assert.equal(rd(4), 0x83);
    wr(0x0b, 0x00);
    assert.equal(rd(4), 0x83);
  });

  it('UIP is set from 244 us before the update cycle until its 1984 us end (register A, "Update Cycle")', () => {
    const { clock, rd } = setup();
    assert.equal(rd(0x0a), 0x26);
    clock.retire(S - 2_228_001);
    assert.equal(rd(0x0a) & 0x80, 0);
    clock.retire(1);
    assert.equal(rd(0x0a) & 0x80, 0x80);
    assert.equal(rd(0), 0x17);
    clock.retire(2_228_000);
    assert.equal(rd(0x0a) & 0x80, 0);
    assert.equal(rd(0), 0x18);
  });

  it('SET halts updates while the time is written; clearing it runs from the new time (register B SET)', () => {
    const { clock, rd, wr } = setup();
    wr(0x0b, 0x82);
    wr(4, 0x08);
    wr(2, 0x30);
    wr(0, 0x00);
    wr(9, 0x27);
    clock.retire(5 * S);
    assert.deepEqual([rd(0), rd(2), rd(4), rd(9)], [0x00, 0x30, 0x08, 0x27]);
    wr(0x0b, 0x02);
    clock.retire(S);
    assert.deepEqual([rd(0), rd(2), rd(4)], [0x01, 0x30, 0x08]);
  });

  it('periodic interrupt at the RS rate on IRQ8 until register C is read ("Periodic Interrupt", register C)', () => {
    const { clock, irqs, rd, wr } = setup();
    wr(0x0a, 0x2f); // RS = 15: 2 Hz
    wr(0x0b, 0x42); // PIE
    assert.equal(clock.nextDeadline(), S / 2);
    clock.idleToNextDeadline();
    assert.deepEqual(irqs, [true]);
    assert.equal(rd(0x0c), 0xc0);
    assert.deepEqual(irqs, [true, false]);
    assert.equal(rd(0x0c), 0);
    clock.idleToNextDeadline();
    assert.equal(clock.now(), S);
    assert.equal(rd(0x0c) & 0xc0, 0xc0); // UF also set at the update, without UIE: no IRQF from it
  });

  it('flags of disabled interrupts are set without IRQF or IRQ8, and no timer runs for them (register C)', () => {
    const { clock, irqs, rd } = setup();
    assert.equal(clock.nextDeadline(), Number.POSITIVE_INFINITY);
    clock.retire(S);
    assert.equal(rd(0x0c), 0x50); // PF (1024 Hz) and UF
    assert.deepEqual(irqs, []);
  });

  it('update-ended and alarm interrupts; alarm bytes 0xc0-0xff match any value ("Alarm", UIE, AIE)', () => {
    const { clock, irqs, rd, wr } = setup();
    wr(0x0a, 0x20); // RS = 0: no periodic flag
    wr(1, 0x20);
    wr(3, 0xc0);
    wr(5, 0xff);
    wr(0x0b, 0x22); // AIE
    clock.idleToNextDeadline();
    assert.equal(clock.now(), 3 * S);
    assert.equal(rd(0x0c), 0xb0);
    assert.deepEqual(irqs, [true, false]);
    wr(0x0b, 0x12); // UIE
    clock.idleToNextDeadline();
    assert.equal(clock.now(), 4 * S);
    assert.equal(rd(0x0c), 0x90);
  });

  it('divider reset holds the time; the first update comes 500 ms after it is released (register A DV)', () => {
    const { clock, rd, wr } = setup();
    wr(0x0a, 0x76);
    clock.retire(3 * S);
    assert.equal(rd(0), 0x17);
    wr(0x0a, 0x26);
    clock.retire(S / 2 - 1);
    assert.equal(rd(0), 0x17);
    clock.retire(1);
    assert.equal(rd(0), 0x18);
  });

  it('port 0x70 bit 7 disables NMI; CMOS RAM bytes keep what is written; port 0x70 reads float', () => {
    const { rtc, rd, wr } = setup();
    rtc.write(0x70, 1, 0x8f);
    assert.equal(rtc.nmiEnabled, false);
    rtc.write(0x70, 1, 0x0f);
    assert.equal(rtc.nmiEnabled, true);
    wr(0x40, 0x5a);
    assert.equal(rd(0x40), 0x5a);
    assert.equal(rtc.read(0x70, 1), 0xff);
  });

  it('saves and restores its whole state', () => {
    const a = setup();
    a.wr(0x0b, 0x52);
    a.clock.retire(S + 123);
    const b = setup();
    b.clock.restore(a.clock.save());
    b.rtc.restore(a.rtc.save());
    assert.deepEqual(b.rtc.save(), a.rtc.save());
    assert.deepEqual(time(b.rd), time(a.rd));
    assert.equal(b.clock.nextDeadline(), a.clock.nextDeadline());
  });
});
