// The stub against hostile or impatient clients: Ctrl-C on a spinning guest, a second debugger, and a storm of
// mutated packets after which an ordinary session still works.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prng } from '../../support/decode-oracle.js';
import { RspClient } from '../../support/rsp-client.js';
import { SPINNING, startStub } from './stub-process.js';

test('Ctrl-C stops a spinning guest within 100 ms, and a second debugger is refused', async (t) => {
  const vmm = await startStub(SPINNING.guest, ['--wait-gdb', ...SPINNING.args]);
  const port = vmm.port;
  try {
    const c = await RspClient.connect(port);
    assert.match(await c.request('?'), /^T/);
    c.send('c');
    await new Promise((r) => setTimeout(r, 300));
    const second = await RspClient.connect(port);
    assert.match(await second.next(), /^E\.another debugger/);
    const t0 = performance.now();
    c.raw(Uint8Array.of(3));
    const stop = await c.next();
    const latency = performance.now() - t0;
    assert.match(stop, /^T02thread:1;/);
    t.diagnostic(`Ctrl-C to stop reply: ${latency.toFixed(1)} ms`);
    assert.ok(latency < 100, `Ctrl-C took ${latency.toFixed(1)} ms`);
    assert.match(await c.request('g'), /^[0-9a-f]+$/);
    c.send('k');
  } finally {
    vmm.kill();
    await vmm.exited;
  }
});

const SEEDS = [
  'g',
  'm100000,40',
  'M100000,4:00000000',
  'X100000,2:ab',
  'Z0,100000,1',
  'z0,100000,1',
  'p10',
  'P0=0000000000000000',
  'qSupported:swbreak+',
  'qXfer:features:read:target.xml:0,fff',
  'Hg1',
  'T1',
  'vCont?',
  'qfThreadInfo',
  'Z2,100000,8',
  'G00',
];

test('100k mutated packets never crash or wedge the stub; a normal session works afterwards', async () => {
  const vmm = await startStub('demo', ['--wait-gdb']);
  const port = vmm.port;
  try {
    const c = await RspClient.connect(port);
    const saved = await c.request('g');
    c.send('QStartNoAckMode');
    assert.equal(await c.next(), 'OK');
    const next = prng(0x9e3779b9);
    const total = 100_000;
    const batch = 500;
    for (let sent = 0; sent < total; sent += batch) {
      const parts: string[] = [];
      for (let i = 0; i < batch; i++) {
        let p = SEEDS[next() % SEEDS.length];
        const edits = next() % 4;
        for (let e = 0; e < edits; e++) {
          const at = next() % (p.length + 1);
          // Any byte but '$', which would start a new, well-formed packet (possibly a resume) mid-body.
          let code = next() % 256;
          if (code === 0x24) code = 0x25;
          const ch = String.fromCharCode(code);
          p = next() % 2 ? p.slice(0, at) + ch + p.slice(at + 1) : p.slice(0, at) + ch + p.slice(at);
        }
        // Never resume or kill: the point is the parser and handlers, not running the guest. Memory writes stay
        // in a scratch page so that the guest can still run to its end afterwards.
        if (/^[cCsSkDvR]/.test(p) && !p.startsWith('vCont?')) p = `q${p}`;
        if (/^[MX]/.test(p) && !/^[MX]200000,/.test(p)) p = `q${p}`;
        const sum = Buffer.from(p, 'latin1').reduce((a, b) => (a + b) & 0xff, 0);
        // One packet in eight carries a wrong checksum.
        const sent = (sum + (next() % 8 === 0 ? 1 : 0)) & 0xff;
        const framed = Buffer.from(`$${p}#${sent.toString(16).padStart(2, '0')}`, 'latin1');
        parts.push(framed.toString('latin1'));
      }
      c.raw(parts.join(''));
      // A synchronising request: everything sent so far must be answered before the next batch goes out.
      c.send('qC');
      while (!(await c.next(30_000)).startsWith('QC')) {}
      assert.ok(!c.closed, `the stub closed the connection after ${sent + batch} packets`);
    }
    c.close();
    // A fresh, ordinary session: the disconnect took every breakpoint out; put back the registers the storm
    // may have changed, then step and run the guest to its end.
    await vmm.disconnects(1);
    const d = await RspClient.connect(port);
    assert.match(await d.request('?'), /^T/);
    assert.equal(await d.request(`G${saved}`), 'OK');
    assert.equal(await d.request('g'), saved);
    assert.match(await d.request('s'), /^T05/);
    assert.match(await d.request('c', 60_000), /^W/);
  } finally {
    vmm.kill();
    await vmm.exited;
  }
});
