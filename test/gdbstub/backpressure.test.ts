// A client that sends and never reads (issue 12 item 5): the stub stops reading it instead of queueing
// replies without bound, and frees everything when it goes away.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { frame } from '../../src/gdbstub/packet.js';
import { RspClient } from '../../support/rsp-client.js';
import { rssOf, startStub } from './stub-process.js';

const MIB = 1 << 20;
/** 100k reads of 8 KiB (the most one reply carries): 1.6 GB of replies if all were queued. */
const REQUESTS = 100_000;
/** The stub's own RSS plus this much: the 1 MiB write limit, kernel buffers and GC slack. */
const ALLOWANCE = 32 * MIB;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('100k m requests from a client that never reads: the stub stays bounded and serves the next client', async (t) => {
  const vmm = await startStub('demo', ['--wait-gdb']);
  try {
    const probe = await RspClient.connect(vmm.port);
    assert.match(await probe.request('?'), /^T/);
    probe.close();
    await sleep(300);
    const before = rssOf(vmm.pid)!;
    const socket = await new Promise<Socket>((resolve) => {
      const s = connect(vmm.port, '127.0.0.1', () => resolve(s));
    });
    socket.pause(); // never read
    socket.on('error', () => {});
    const one = Buffer.from(frame('m100000,2000'));
    const batch = Buffer.concat(Array.from({ length: 1000 }, () => one));
    let peak = before;
    for (let i = 0; i < REQUESTS / 1000; i++) {
      // Writes queue in this process once the stub stops reading; that is the point.
      socket.write(batch);
      if (i % 10 === 0) {
        await sleep(50);
        peak = Math.max(peak, rssOf(vmm.pid) ?? 0);
      }
    }
    for (let i = 0; i < 20; i++) {
      await sleep(100);
      peak = Math.max(peak, rssOf(vmm.pid) ?? 0);
    }
    t.diagnostic(`stub RSS ${(before / MIB).toFixed(0)} MiB before, peak ${(peak / MIB).toFixed(0)} MiB`);
    assert.ok(peak - before < ALLOWANCE, `the stub grew by ${((peak - before) / MIB).toFixed(0)} MiB`);
    socket.destroy();
    await sleep(500);
    const next = await RspClient.connect(vmm.port);
    assert.match(await next.request('g'), /^[0-9a-f]+$/);
    next.send('k');
  } finally {
    vmm.kill();
    await vmm.exited;
  }
});
