// exec/alu*.ts vs the host CPU: every form (family x size) on random operands and input flags, natively
// through a gcc-built harness and through our pure functions; results and all six arithmetic flags must
// agree, the SDM-"undefined" ones included (no exclusions are needed on the reference host). DIV/IDIV cases
// that would raise #DE are not run natively: our functions must return -1 for exactly those (BigInt rule).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import {
  allForms,
  buildHarness,
  type Case,
  FLAG_NAMES,
  hostWouldFault,
  makeCases,
  runHost,
  runOurs,
} from './alu-oracle-lib.js';

const PER_FORM = 3000;
const ARITH = 0x8d5n;

test('integer ALU agrees with the host CPU on every form, result and flag', (t) => {
  const forms = allForms();
  const h = buildHarness(forms);
  if (!h.exe) {
    t.skip(`host oracle skipped: ${h.why}`);
    return;
  }
  try {
    const cases = makeCases(forms, PER_FORM, 0xa1a1);
    const native: Case[] = [];
    let deCases = 0;
    const diffs: string[] = [];
    for (const k of cases) {
      const f = forms[k.form];
      if (f.kind === 'div' && hostWouldFault(f, k)) {
        deCases++;
        if (!runOurs(f, k).de)
          diffs.push(`${f.name} a=${k.a.toString(16)} d=${k.d.toString(16)} b=${k.b.toString(16)}: no #DE`);
      } else native.push(k);
    }
    const host = runHost(h.exe, native);
    native.forEach((k, i) => {
      const f = forms[k.form];
      const o = runOurs(f, k);
      const hh = host[i];
      const m = f.size === 8 ? (1n << 64n) - 1n : (1n << BigInt(f.size * 8)) - 1n;
      const raxMask = f.size === 1 && (f.kind === 'mul' || f.kind === 'div') ? 0xffffn : m;
      const bad: string[] = [];
      if (o.de) bad.push('#DE');
      if (o.rax !== null && (hh.rax & raxMask) !== o.rax)
        bad.push(`result ${o.rax.toString(16)} host ${(hh.rax & raxMask).toString(16)}`);
      if (o.rdx !== null && (hh.rdx & m) !== o.rdx)
        bad.push(`high/rem ${o.rdx.toString(16)} host ${(hh.rdx & m).toString(16)}`);
      const fd = Number((hh.flags & ARITH) ^ (BigInt(o.flags) & ARITH));
      for (const [bit, name] of FLAG_NAMES) if (fd & bit) bad.push(name);
      if (bad.length > 0 && diffs.length < 30) {
        diffs.push(
          `${f.name} a=${k.a.toString(16)} b=${k.b.toString(16)} c=${k.c} d=${k.d.toString(16)} ` +
            `flags=${k.flags.toString(16)}: ${bad.join(', ')}`,
        );
      }
    });
    console.log(
      `ALU host oracle: ${forms.length} forms, ${native.length} cases run natively, ` +
        `${deCases} #DE cases checked against the SDM rule, ${diffs.length} differences`,
    );
    assert.deepEqual(diffs, []);
  } finally {
    if (h.dir) rmSync(h.dir, { recursive: true, force: true });
  }
});
