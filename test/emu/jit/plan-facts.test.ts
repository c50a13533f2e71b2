// The region compiler's decisions against the op rows (src/backends/emu/decode/ops.ts): random instances of
// every opcode-table encoding, decoded in 64-bit and 32-bit mode and planned. An op planned inline has a row
// saying Inline (Nothing for the empty Nop kind), an op a region may hold is not Never, every Inline row has
// an encoding the plan does emit inline, and the flags an inline form reads and writes are within its row's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../../src/backends/emu/decode/decoder.js';
import { createInsn, DecodeMode } from '../../../src/backends/emu/decode/insn.js';
import { COMPILE, Compile, FLAGS_READ, FLAGS_WRITTEN, OP_COUNT, opName } from '../../../src/backends/emu/decode/ops.js';
import { blockable, Kind, plan } from '../../../src/backends/emu/jit/plan.js';
import { rng } from '../exec/host-oracle.js';
import { ENCODINGS } from '../op-encodings.js';

const SAMPLES = 64;

test('plan() compiles inline exactly the ops whose rows say Inline, within their rows’ flags', () => {
  const r = rng(0x0f5eed1n);
  const inlined = new Uint8Array(OP_COUNT);
  const inRegion = new Uint8Array(OP_COUNT);
  const insn = createInsn();
  for (const e of ENCODINGS) {
    for (const long64 of [true, false]) {
      if (long64 ? e.i64 : e.o64) continue;
      for (let k = 0; k < SAMPLES; k++) {
        const bytes = e.make(r, long64);
        if (decode((o) => bytes[o]!, long64 ? DecodeMode.Long64 : DecodeMode.Prot32, insn) !== 0) continue;
        const op = insn.op;
        const where = `${opName(op)} (${bytes.slice(0, insn.len).map((b) => b.toString(16).padStart(2, '0'))})`;
        if (!blockable(insn)) continue;
        inRegion[op] = 1;
        assert.notEqual(COMPILE[op], Compile.Never, `${where}: a region holds it, its row says Never`);
        const p = plan(insn, 0, 0x1000, 0x1000 + insn.len, long64);
        if (p.kind === Kind.Call) continue;
        inlined[op] = 1;
        const want = p.kind === Kind.Nop ? Compile.Nothing : Compile.Inline;
        assert.equal(COMPILE[op], want, `${where}: planned as Kind ${Kind[p.kind]}, its row says ${COMPILE[op]}`);
        assert.equal(p.writes & ~FLAGS_WRITTEN[op]!, 0, `${where}: writes flags its row does not`);
        assert.equal(p.reads & ~FLAGS_READ[op]!, 0, `${where}: reads flags its row does not`);
      }
    }
  }
  for (let op = 0; op < OP_COUNT; op++) {
    const c = COMPILE[op];
    if (c === Compile.Inline || c === Compile.Nothing)
      assert.equal(inlined[op], 1, `${opName(op)}: its row says ${c}, no encoding was planned inline`);
    if (c === Compile.Call) assert.equal(inRegion[op], 1, `${opName(op)}: its row says Call, no region holds it`);
  }
});
