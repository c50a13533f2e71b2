import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IoDirection, type IoExit } from '../../../src/abi/index.js';
import { SerialCapture } from '../../../src/machine/devices/serial-sink.js';
import { createStandardBus } from '../../../src/machine/devices/standard-bus.js';

function out(port: number, size: 1 | 2 | 4, ...values: number[]): IoExit {
  const data = new Uint8Array(size * values.length);
  const v = new DataView(data.buffer);
  values.forEach((x, i) => {
    if (size === 1) v.setUint8(i, x);
    else if (size === 2) v.setUint16(i * 2, x, true);
    else v.setUint32(i * 4, x, true);
  });
  return { direction: IoDirection.Out, size, port, count: values.length, data };
}
function inb(port: number, size: 1 | 2 | 4 = 1, count = 1): IoExit {
  return { direction: IoDirection.In, size, port, count, data: new Uint8Array(size * count) };
}
function setup() {
  const serial = new SerialCapture();
  const d = createStandardBus(serial.write);
  const read = (port: number): number => {
    const io = inb(port);
    d.bus.dispatch(io);
    return io.data[0]!;
  };
  return { serial, ...d, read };
}

describe('COM1 16550', () => {
  it('transmits THR writes (including rep outsb) and always reports THRE|TEMT', () => {
    const { bus, serial, read } = setup();
    bus.dispatch(out(0x3f8, 1, ...new TextEncoder().encode('hi\n')));
    assert.equal(serial.text(), 'hi\n');
    assert.equal(read(0x3fd), 0x60);
  });

  it('DLAB switches ports 0/1 to the divisor latch, and THR writes then do not transmit', () => {
    const { bus, serial, read } = setup();
    bus.dispatch(out(0x3fb, 1, 0x80));
    bus.dispatch(out(0x3f8, 1, 0x01));
    bus.dispatch(out(0x3f9, 1, 0x00));
    assert.equal(read(0x3f8), 1);
    bus.dispatch(out(0x3fb, 1, 0x03));
    assert.equal(read(0x3fb), 0x03);
    assert.equal(serial.text(), '');
    bus.dispatch(out(0x3f9, 1, 0x05));
    assert.equal(read(0x3f9), 0x05, 'IER once DLAB is off');
  });

  it('passes the 8250 autoconfig checks: scratch, FIFO bits in IIR, loopback MSR 0x90', () => {
    const { bus, read } = setup();
    bus.dispatch(out(0x3ff, 1, 0xa5));
    assert.equal(read(0x3ff), 0xa5);
    bus.dispatch(out(0x3fa, 1, 0x01));
    assert.equal(read(0x3fa) >> 6, 3, '16550A: FIFO enabled bits');
    bus.dispatch(out(0x3fc, 1, 0x1a));
    assert.equal(read(0x3fe) & 0xf0, 0x90);
  });

  it('reports a THRE interrupt once when enabled, cleared by reading IIR', () => {
    const { bus, read } = setup();
    assert.equal(read(0x3fa) & 0x0f, 0x01);
    bus.dispatch(out(0x3f9, 1, 0x02));
    assert.equal(read(0x3fa) & 0x0f, 0x02);
    assert.equal(read(0x3fa) & 0x0f, 0x01);
  });

  it('queues input: LSR.DR while bytes wait, RBR returns them', () => {
    const { uart, read } = setup();
    uart.pushInput(Uint8Array.of(0x41));
    assert.equal(read(0x3fd) & 1, 1);
    assert.equal(read(0x3f8), 0x41);
    assert.equal(read(0x3fd) & 1, 0);
  });
});

describe('port bus', () => {
  it('isa-debug-exit: a write of v ends with status (v << 1) | 1', () => {
    const { bus } = setup();
    assert.deepEqual(bus.dispatch(out(0xf4, 4, 0x10)), { kind: 'debug-exit', value: 0x10, status: 0x21 });
    assert.deepEqual(bus.dispatch(out(0xf4, 1, 0)), { kind: 'debug-exit', value: 0, status: 1 });
  });

  it('i8042: 0xFE on port 0x64 is a reset; other commands are not', () => {
    const { bus } = setup();
    assert.equal(bus.dispatch(out(0x64, 1, 0xd1)), undefined);
    assert.deepEqual(bus.dispatch(out(0x64, 1, 0xfe)), { kind: 'reset' });
  });

  it('port 0x80 records POST codes', () => {
    const { bus, postCode } = setup();
    bus.dispatch(out(0x80, 1, 0x12));
    bus.dispatch(out(0x80, 1, 0x34));
    assert.deepEqual([postCode.last, postCode.writes], [0x34, 2]);
  });

  it('unclaimed ports read all ones at every size, writes are dropped and counted', () => {
    const { bus } = setup();
    const io = inb(0x500, 2, 2);
    bus.dispatch(io);
    assert.deepEqual([...io.data], [0xff, 0xff, 0xff, 0xff]);
    const io4 = inb(0x61, 4);
    bus.dispatch(io4);
    assert.equal(new DataView(io4.data.buffer).getUint32(0, true), 0xffffffff);
    assert.equal(bus.dispatch(out(0x501, 1, 7)), undefined);
    assert.deepEqual([bus.stats.unclaimedReads, bus.stats.unclaimedWrites], [3, 1]);
    assert.equal(bus.stats.unclaimedPorts.get(0x500), 2);
  });
});
