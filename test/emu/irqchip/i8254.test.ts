// The 8254 PIT: each expectation cites the Intel 8254 datasheet (231164) section it follows; the sequences are
// the ones Linux uses (arch/x86/kernel/i8253.c setup, tsc.c pit_calibrate_tsc).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../../src/backends/emu/irqchip/clock.js';
import { PIT_HZ, Pit } from '../../../src/backends/emu/irqchip/i8254.js';

function setup(): { clock: VirtualClock; pit: Pit; edges: number[]; level: () => boolean } {
  const clock = new VirtualClock();
  const edges: number[] = [];
  let line = false;
  const pit = new Pit(clock, (l) => {
    if (l && !line) edges.push(clock.now());
    line = l;
  });
  return { clock, pit, edges, level: () => line };
}
/** ns at which `ticks` PIT counts have elapsed (the first whole ns). */
const at = (ticks: number): number => Math.ceil((ticks * 1e9) / PIT_HZ);

describe('8254 PIT', () => {
  it('mode 2 (rate generator): one IRQ0 edge every N counts — Linux HZ=250, LATCH 4773 ("Mode 2")', () => {
    const { clock, pit, edges } = setup();
    pit.write(0x43, 0x34);
    pit.write(0x40, 4773 & 0xff);
    pit.write(0x40, 4773 >> 8);
    while (clock.nextDeadline() <= 1e9) clock.idleToNextDeadline();
    assert.equal(edges.length, Math.floor(PIT_HZ / 4773));
    assert.equal(edges[0], at(4773));
    assert.equal(edges[9], at(4773 * 10));
  });

  it('mode 0 (interrupt on terminal count): OUT low after the control word, high at 0 and stays ("Mode 0")', () => {
    const { clock, pit, edges, level } = setup();
    pit.write(0x43, 0x30);
    pit.write(0x40, 0xe8);
    pit.write(0x40, 0x03); // 1000
    assert.equal(level(), false);
    clock.retire(at(1000) - 1);
    assert.equal(level(), false);
    clock.retire(1);
    assert.equal(level(), true);
    assert.deepEqual(edges, [at(1000)]);
    assert.equal(clock.nextDeadline(), Number.POSITIVE_INFINITY);
    pit.write(0x43, 0x30); // a new control word drives OUT low again
    assert.equal(level(), false);
  });

  it('counter latch holds the count until read; unlatched reads toggle LSB/MSB ("Read Operations")', () => {
    const { clock, pit } = setup();
    pit.write(0x43, 0x34);
    pit.write(0x40, 0x00);
    pit.write(0x40, 0x10); // 4096
    clock.retire(at(100));
    pit.write(0x43, 0x00); // latch channel 0
    clock.retire(at(50));
    const v = pit.read(0x40) | (pit.read(0x40) << 8);
    assert.equal(v, 4096 - 100);
    const lo = pit.read(0x40);
    const hi = pit.read(0x40);
    assert.equal(lo | (hi << 8), 4096 - 150);
  });

  it('read-back status: OUT, null count, RW, mode, BCD ("Read-Back Command", status byte)', () => {
    const { pit } = setup();
    pit.write(0x43, 0x34);
    pit.write(0x43, 0xe2);
    assert.equal(pit.read(0x40), 0xf4);
    pit.write(0x40, 0x10);
    pit.write(0x40, 0x00);
    pit.write(0x43, 0xc2); // status and count: the status byte comes first
    assert.equal(pit.read(0x40), 0xb4);
    assert.equal(pit.read(0x40), 0x10);
    assert.equal(pit.read(0x40), 0x00);
  });

  it('channel 2 through port 0x61: gate in bit 0, OUT2 in bit 5 — Linux pit_calibrate_tsc ("Mode 0", PC port B)', () => {
    const { clock, pit } = setup();
    pit.write(0x61, (pit.read(0x61) & ~0x02) | 0x01);
    pit.write(0x43, 0xb0);
    const latch = Math.floor(PIT_HZ / 20); // CAL_MS 50
    pit.write(0x42, latch & 0xff);
    pit.write(0x42, latch >> 8);
    clock.retire(at(latch) - 1);
    assert.equal(pit.read(0x61) & 0x20, 0);
    clock.retire(1);
    assert.equal(pit.read(0x61) & 0x21, 0x21);
  });

  it('a low gate suspends counting in mode 0 and a high gate resumes it ("Gate Pin Operations Summary")', () => {
    const { clock, pit } = setup();
    pit.write(0x61, 1);
    pit.write(0x43, 0xb0);
    pit.write(0x42, 0x00);
    pit.write(0x42, 0x10);
    clock.retire(at(100));
    pit.write(0x61, 0);
    clock.retire(at(500));
    pit.write(0x61, 1);
    clock.retire(at(50));
    pit.write(0x43, 0x80);
    assert.equal(pit.read(0x42) | (pit.read(0x42) << 8), 4096 - 150);
  });

  it('mode 3 (square wave): OUT high for N/2 counts, low for N/2 ("Mode 3")', () => {
    const { clock, pit } = setup();
    pit.write(0x61, 1);
    pit.write(0x43, 0xb6);
    pit.write(0x42, 10);
    pit.write(0x42, 0);
    const outs: number[] = [];
    for (let t = 0; t < 20; t++) {
      outs.push((pit.read(0x61) >> 5) & 1);
      clock.retire(at(t + 1) - clock.now());
    }
    assert.deepEqual(outs, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('BCD counting: the count is written and read in BCD ("Control Word Format", BCD bit)', () => {
    const { clock, pit } = setup();
    pit.write(0x43, 0x31);
    pit.write(0x40, 0x34);
    pit.write(0x40, 0x12); // 1234 decimal
    clock.retire(at(34));
    pit.write(0x43, 0x00);
    assert.equal(pit.read(0x40) | (pit.read(0x40) << 8), 0x1200);
  });

  it('saves and restores its whole state, re-arming channel 0', () => {
    const a = setup();
    a.pit.write(0x43, 0x34);
    a.pit.write(0x40, 0x00);
    a.pit.write(0x40, 0x01);
    a.clock.retire(at(10));
    const b = setup();
    b.clock.restore(a.clock.save());
    b.pit.restore(a.pit.save());
    assert.deepEqual(b.pit.save(), a.pit.save());
    assert.equal(b.clock.nextDeadline(), a.clock.nextDeadline());
  });
});
