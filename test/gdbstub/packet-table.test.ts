// The stub's table of q/Q/v packets: every feature qSupported advertises is declared by the row (or the stop
// reply) that implements it and works on a real stub; a packet no row names gets the empty reply, which the GDB
// manual ("Packets") defines as "not supported".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GdbSession } from '../../src/gdbstub/session.js';
import { RspClient } from '../../support/rsp-client.js';
import { startStub, symbol } from './stub-process.js';

test('every row is reachable: no earlier prefix row swallows a later name, no name twice', () => {
  const rows = GdbSession.packets;
  rows.forEach((row, i) => {
    for (const earlier of rows.slice(0, i)) {
      const shadows = earlier.match === 'prefix' ? row.name.startsWith(earlier.name) : row.name === earlier.name;
      assert.ok(!shadows, `row ${row.name} is never reached: ${earlier.name} matches first`);
    }
  });
});

test('every feature in the qSupported reply is declared by a handler row or by the stop reply', () => {
  const [size, ...features] = GdbSession.supported().split(';');
  assert.match(size, /^PacketSize=[0-9a-f]+$/);
  for (const f of features) {
    const rows = GdbSession.packets.filter((r) => r.feature === f);
    const stop = GdbSession.stopReasonFeatures.includes(f);
    assert.equal(rows.length + (stop ? 1 : 0), 1, `qSupported advertises ${f} but ${rows.length} rows declare it`);
  }
});

const DEMO = 'demo';
const hex = (a: bigint) => a.toString(16);

/** For each feature: a request that uses it on the demo guest (stopped at its entry) and what the reply must be.
 *  The probes run in this order; QStartNoAckMode last, since it changes how the rest of the session is framed. */
const PROBES: Record<string, { request: () => string; reply: RegExp }> = {
  'qXfer:features:read+': { request: () => 'qXfer:features:read:target.xml:0,fff', reply: /^[ml]<\?xml/ },
  'vContSupported+': { request: () => 'vCont?', reply: /^vCont(;[cCsS])+$/ },
  'swbreak+': { request: () => `Z0,${hex(symbol(DEMO, 'demo_loop'))},1`, reply: /^OK$/ },
  'hwbreak+': { request: () => `Z1,${hex(symbol(DEMO, 'demo_func'))},1`, reply: /^OK$/ },
  'QStartNoAckMode+': { request: () => 'QStartNoAckMode', reply: /^OK$/ },
};

/** Packets that no row names, among them ones gdb sends on connecting (vMustReplyEmpty, qTStatus), a longer
 *  name than an exact row's and a shorter one than a prefix row's. */
const UNKNOWN = ['vMustReplyEmpty', 'qTStatus', 'QGuestdbgNoSuchPacket', 'vFile:open:', 'vCont', 'qCx', 'qXfer:auxv'];

test('on a real stub: each advertised feature works, unknown q/Q/v packets get the empty reply', async () => {
  const stub = await startStub(DEMO, ['--wait-gdb']);
  try {
    const c = await RspClient.connect(stub.port);
    assert.match(await c.request('?'), /^T/);
    const reply = await c.request('qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+');
    const advertised = reply.split(';').filter((f) => f.endsWith('+'));
    assert.deepEqual([...advertised].sort(), Object.keys(PROBES).sort(), 'a feature without a probe here');
    for (const p of UNKNOWN) assert.equal(await c.request(p), '', `${p} should be answered as unsupported`);
    for (const [feature, probe] of Object.entries(PROBES)) {
      assert.match(await c.request(probe.request()), probe.reply, feature);
    }
    // The stop replies carry the stop reasons swbreak+ and hwbreak+ promise: demo_loop comes first, then the
    // call to demo_func within the same iteration.
    assert.match(await c.request('c'), /^T05thread:1;swbreak:;/);
    assert.equal(await c.request(`z0,${hex(symbol(DEMO, 'demo_loop'))},1`), 'OK');
    assert.match(await c.request('c'), /^T05thread:1;hwbreak:;/);
    c.send('k');
  } finally {
    stub.kill();
    await stub.exited;
  }
});
