// kvm_run exit decoding on a hand-filled mapping, laid out as the kernel writes it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitReason, InternalErrorSub, IoDirection } from '../../src/abi/index.js';
import { KvmUnhandledExitError } from '../../src/backends/kvm/errors/unhandled-exit.js';
import { decodeExit } from '../../src/backends/kvm/run.js';
import { viewOf } from '../../src/backends/kvm/structs/layout.js';
import { KVM_RUN_STRUCT } from '../../src/backends/kvm/structs/run.js';

const O = KVM_RUN_STRUCT.offsets;
/** Where the kernel puts port data: the page after struct kvm_run (KVM_PIO_PAGE_OFFSET = 1). */
const PIO_DATA_OFFSET = 4096;

function mapping(exitReason: number): { run: Uint8Array; dv: DataView } {
  const run = new Uint8Array(3 * 4096);
  const dv = viewOf(run);
  dv.setUint32(O.exit_reason, exitReason, true);
  return { run, dv };
}

test('IO out: direction, size, port, count and the written bytes at data_offset', () => {
  const { run, dv } = mapping(ExitReason.Io);
  dv.setUint8(O['io.direction'], IoDirection.Out);
  dv.setUint8(O['io.size'], 2);
  dv.setUint16(O['io.port'], 0x3f8, true);
  dv.setUint32(O['io.count'], 3, true);
  dv.setBigUint64(O['io.data_offset'], BigInt(PIO_DATA_OFFSET), true);
  run.set([1, 2, 3, 4, 5, 6, 7], PIO_DATA_OFFSET);
  const exit = decodeExit(run, dv);
  assert.equal(exit.reason, ExitReason.Io);
  if (exit.reason !== ExitReason.Io) return;
  assert.equal(exit.io.direction, IoDirection.Out);
  assert.equal(exit.io.size, 2);
  assert.equal(exit.io.port, 0x3f8);
  assert.equal(exit.io.count, 3);
  assert.deepEqual([...exit.io.data], [1, 2, 3, 4, 5, 6]);
});

test('IO in: the data is a view into the mapping, so the caller fill is what the next KVM_RUN reads', () => {
  const { run, dv } = mapping(ExitReason.Io);
  dv.setUint8(O['io.direction'], IoDirection.In);
  dv.setUint8(O['io.size'], 1);
  dv.setUint16(O['io.port'], 0x60, true);
  dv.setUint32(O['io.count'], 1, true);
  dv.setBigUint64(O['io.data_offset'], BigInt(PIO_DATA_OFFSET), true);
  const exit = decodeExit(run, dv);
  if (exit.reason !== ExitReason.Io) return assert.fail(`expected an IO exit, got ${exit.reason}`);
  assert.equal(exit.io.direction, IoDirection.In);
  exit.io.data[0] = 0x5a;
  assert.equal(run[PIO_DATA_OFFSET], 0x5a);
});

test('MMIO read: data views kvm_run.mmio.data (len bytes); write flag decoded', () => {
  const { run, dv } = mapping(ExitReason.Mmio);
  dv.setBigUint64(O['mmio.phys_addr'], 0xfee0_0030n, true);
  dv.setUint32(O['mmio.len'], 4, true);
  dv.setUint8(O['mmio.is_write'], 0);
  const exit = decodeExit(run, dv);
  if (exit.reason !== ExitReason.Mmio) return assert.fail(`expected an MMIO exit, got ${exit.reason}`);
  assert.equal(exit.mmio.physAddr, 0xfee0_0030n);
  assert.equal(exit.mmio.isWrite, false);
  assert.equal(exit.mmio.data.length, 4);
  exit.mmio.data.set([0x14, 0, 5, 0]);
  assert.equal(dv.getUint32(O['mmio.data'], true), 0x0005_0014);
  dv.setUint8(O['mmio.is_write'], 1);
  const w = decodeExit(run, dv);
  assert.ok(w.reason === ExitReason.Mmio && w.mmio.isWrite);
});

test('DEBUG: kvm_debug_exit_arch at offset 32 (exception, pc, dr6, dr7)', () => {
  const { run, dv } = mapping(ExitReason.Debug);
  dv.setUint32(32, 1, true);
  dv.setBigUint64(40, 0x1003n, true);
  dv.setBigUint64(48, 0xffff_4ff0n, true);
  dv.setBigUint64(56, 0x400n, true);
  assert.deepEqual(decodeExit(run, dv), {
    reason: ExitReason.Debug,
    debug: { exception: 1, pc: 0x1003n, dr6: 0xffff_4ff0n, dr7: 0x400n },
  });
});

test('INTERNAL_ERROR: suberror and ndata entries of data[] (clamped to the 16 that exist)', () => {
  const { run, dv } = mapping(ExitReason.InternalError);
  dv.setUint32(O['internal.suberror'], InternalErrorSub.Emulation, true);
  dv.setUint32(O['internal.ndata'], 2, true);
  dv.setBigUint64(O['internal.data'], 0xaan, true);
  dv.setBigUint64(O['internal.data'] + 8, 0xbbn, true);
  assert.deepEqual(decodeExit(run, dv), { reason: ExitReason.InternalError, suberror: 1, data: [0xaan, 0xbbn] });
  dv.setUint32(O['internal.ndata'], 1000, true);
  const e = decodeExit(run, dv);
  assert.ok(e.reason === ExitReason.InternalError && e.data.length === 16);
});

test('FAIL_ENTRY, UNKNOWN, EXCEPTION carry their fields; HLT, SHUTDOWN, IRQ_WINDOW_OPEN, INTR carry none', () => {
  const f = mapping(ExitReason.FailEntry);
  f.dv.setBigUint64(O['fail_entry.hardware_entry_failure_reason'], 0x8000_0021n, true);
  f.dv.setUint32(O['fail_entry.cpu'], 1, true);
  assert.deepEqual(decodeExit(f.run, f.dv), {
    reason: ExitReason.FailEntry,
    hardwareEntryFailureReason: 0x8000_0021n,
    cpu: 1,
  });
  const u = mapping(ExitReason.Unknown);
  u.dv.setBigUint64(O['hw.hardware_exit_reason'], 0x30n, true);
  assert.deepEqual(decodeExit(u.run, u.dv), { reason: ExitReason.Unknown, hardwareExitReason: 0x30n });
  const x = mapping(ExitReason.Exception);
  x.dv.setUint32(O['ex.exception'], 13, true);
  x.dv.setUint32(O['ex.error_code'], 0x18, true);
  assert.deepEqual(decodeExit(x.run, x.dv), { reason: ExitReason.Exception, exception: 13, errorCode: 0x18 });
  for (const reason of [ExitReason.Hlt, ExitReason.Shutdown, ExitReason.IrqWindowOpen, ExitReason.Intr]) {
    const m = mapping(reason);
    assert.deepEqual(decodeExit(m.run, m.dv), { reason });
  }
});

test('an exit reason outside the Exit union throws KvmUnhandledExitError naming it', () => {
  const m = mapping(24);
  assert.throws(
    () => decodeExit(m.run, m.dv),
    (e: unknown) => e instanceof KvmUnhandledExitError && /KVM_EXIT_SYSTEM_EVENT/.test(e.message),
  );
});
