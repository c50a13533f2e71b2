// The virtual clock: time from retired instructions only, deadlines fired in order, HLT jumps to the next one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TSC_HZ, VirtualClock } from '../../../src/backends/emu/irqchip/clock.js';

describe('virtual clock', () => {
  it('advances one nanosecond per retired instruction (a 1 GHz nominal TSC) and never on its own', async () => {
    const c = new VirtualClock();
    assert.equal(TSC_HZ, 1e9);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(c.now(), 0);
    c.retire(1234);
    assert.equal(c.now(), 1234);
  });

  it('fires due timers in deadline order, equal deadlines in arming order, and lets a callback re-arm', () => {
    const c = new VirtualClock();
    const log: string[] = [];
    const a = c.createTimer((t) => {
      log.push(`a@${t}`);
      if (log.length < 3) a.arm(t + 50);
    });
    const b = c.createTimer((t) => log.push(`b@${t}`));
    const d = c.createTimer((t) => log.push(`d@${t}`));
    a.arm(100);
    d.arm(100);
    b.arm(80);
    c.retire(79);
    assert.deepEqual(log, []);
    c.retire(20);
    assert.deepEqual(log, ['b@99']);
    c.retire(1);
    assert.deepEqual(log, ['b@99', 'a@100', 'd@100']);
    assert.equal(a.deadline, 150);
    assert.equal(b.deadline, undefined);
  });

  it('HLT jumps straight to the next deadline and fires it; with nothing armed it reports a halt forever', () => {
    const c = new VirtualClock();
    let fired = 0;
    const t = c.createTimer(() => fired++);
    assert.equal(c.idleToNextDeadline(), false);
    assert.equal(c.now(), 0);
    t.arm(5_000_000_000);
    assert.equal(c.nextDeadline(), 5_000_000_000);
    assert.equal(c.idleToNextDeadline(), true);
    assert.equal(c.now(), 5_000_000_000);
    assert.equal(fired, 1);
    t.disarm();
    assert.equal(c.nextDeadline(), Number.POSITIVE_INFINITY);
  });

  it('a disarmed or moved timer does not fire at its old deadline; a moved-earlier one fires at its new one', () => {
    const c = new VirtualClock();
    const log: number[] = [];
    const a = c.createTimer((t) => log.push(t));
    a.arm(100);
    a.disarm();
    c.retire(150);
    assert.deepEqual(log, []);
    a.arm(400);
    a.arm(200);
    c.retire(50);
    assert.deepEqual(log, [200]);
    c.retire(300);
    assert.deepEqual(log, [200]);
  });

  it('saves and restores its time', () => {
    const c = new VirtualClock();
    c.retire(42);
    const d = new VirtualClock();
    d.restore(c.save());
    assert.equal(d.now(), 42);
  });
});
