// Bounded fuzz of the stub's input (issue 12): random byte streams and random well-framed packets, from a
// client that reads and from one that never reads. The stub must not crash, print a stack trace or grow
// without bound, and must still serve an ordinary session afterwards.
// GUESTDBG_FUZZ_LONG=1 sends 1,000,000 packets per client instead of 20,000 and prints the figures.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { frame } from '../../src/gdbstub/packet.js';
import { prng } from '../../support/decode-oracle.js';
import { RspClient } from '../../support/rsp-client.js';
import { rssOf, startStub } from './stub-process.js';

const LONG = process.env.GUESTDBG_FUZZ_LONG === '1';
const PACKETS = LONG ? 1_000_000 : 20_000;
const MIB = 1 << 20;
/** Growth allowed over the stub's RSS before the storm: its 1 MiB write limit, buffers, GC slack. */
const ALLOWANCE = 64 * MIB;
/** Command letters and the bytes that matter to the framing (GDB manual, "Packets", "Overview"). */
const ALPHABET = 'gGmMpPXZzqQHTvx?!0123456789abcdefABCDEF,:;=.-+#$}*\x03 ';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function randomPacket(next: () => number): string {
  let p = '';
  const len = next() % 40;
  for (let i = 0; i < len; i++) p += ALPHABET[next() % ALPHABET.length];
  // Nothing that resumes, kills, detaches or restarts: the point is the parser and the handlers.
  if (/^[cCsSkDR]/.test(p) || (/^v/.test(p) && !p.startsWith('vCont?'))) p = `q${p}`;
  // No memory or register writes: the registers are compared afterwards.
  if (/^[MXGP]/.test(p)) p = `q${p}`;
  return p;
}

/** Random bytes mixed with random framed packets, as one chunk. */
function chunk(next: () => number, packets: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < packets; i++) {
    if (next() % 4 === 0) {
      const raw = Buffer.alloc(next() % 32);
      for (let j = 0; j < raw.length; j++) raw[j] = next() & 0xff;
      // A 0x03 or a stray '$' is fine; the guest is stopped, so an interrupt has nothing to stop.
      parts.push(raw);
    } else parts.push(Buffer.from(frame(randomPacket(next))));
  }
  return Buffer.concat(parts);
}

async function storm(port: number, pid: number, next: () => number, reads: boolean): Promise<number> {
  const socket = await new Promise<Socket>((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
  });
  socket.on('error', () => {});
  if (reads) socket.on('data', () => {});
  else socket.pause();
  let peak = 0;
  for (let sent = 0; sent < PACKETS; sent += 500) {
    if (!socket.write(chunk(next, 500))) {
      // A client that never reads stops being read; wait a little, then give up on this stream.
      await Promise.race([new Promise((r) => socket.once('drain', r)), sleep(reads ? 5_000 : 200)]);
      if (!reads && socket.writableLength > 8 * MIB) break;
    }
    if (sent % 20_000 === 0) peak = Math.max(peak, rssOf(pid) ?? 0);
  }
  await sleep(500);
  peak = Math.max(peak, rssOf(pid) ?? 0);
  socket.destroy();
  await sleep(300);
  return peak;
}

test(`${PACKETS} random packets and bytes, from a client that reads and one that never reads`, async (t) => {
  const vmm = await startStub('demo', ['--wait-gdb']);
  try {
    const first = await RspClient.connect(vmm.port);
    const regs = await first.request('g');
    first.close();
    await sleep(300);
    const before = rssOf(vmm.pid)!;
    const next = prng(0xf00dfeed);
    const peakReading = await storm(vmm.port, vmm.pid, next, true);
    const peakSilent = await storm(vmm.port, vmm.pid, next, false);
    const peak = Math.max(peakReading, peakSilent);
    t.diagnostic(
      `${2 * PACKETS} packets sent: stub RSS ${(before / MIB).toFixed(0)} MiB before, peak ${(peak / MIB).toFixed(0)} MiB, 0 crashes`,
    );
    assert.ok(peak - before < ALLOWANCE, `the stub grew by ${((peak - before) / MIB).toFixed(0)} MiB`);
    const after = await RspClient.connect(vmm.port);
    assert.equal(await after.request('g'), regs, 'the registers changed or the stub stopped answering');
    after.send('k');
    assert.equal(await vmm.exited, 0, vmm.stderr());
    assert.doesNotMatch(vmm.stderr(), /\n\s+at |internal error|Error:/);
  } finally {
    vmm.kill();
    await vmm.exited;
  }
});
