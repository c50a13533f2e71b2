// The import rules (.dependency-cruiser.cjs, which `npm test` runs on src/) can fail: a small tree laid out like
// src/ passes them, and the same tree with one violation of every rule added is rejected with exactly those
// violations (a rule that matched nothing, or a resolver that lost its edges, would show here).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** dist/test/architecture/ -> the package root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RULES = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function depcruise(dir: string, ...options: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', RULES, ...options], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** The violations of the rules in `dir`/src as "rule: from -> to" (a cycle is reported once, at the edge
 *  where dependency-cruiser closed it). */
function violations(dir: string): string[] {
  const r = depcruise(dir, '--output-type', 'json');
  assert.notEqual(r.stdout, '', `dependency-cruiser printed no report: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { violations: Violation[] } };
  // A package by its name (where node_modules lies differs between checkouts).
  const name = (m: string): string => m.replace(/^.*node_modules\/([^/]+)\/.*$/, 'npm:$1');
  return out.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${name(v.to)}`).sort();
}

/** Each layer and each part of the emu, importing only what the rules allow. */
const CLEAN: Record<string, string> = {
  'src/abi/index.ts': 'export const ABI = 1;',
  'src/x86/a.ts': "import { ABI } from '../abi/index.js';\nexport const A = ABI;",
  'src/backends/emu/signals.ts': 'export const FAULT = {};',
  'src/backends/emu/config.ts': 'export const CONFIG = {};',
  'src/backends/emu/index.ts': 'export const EMU = 1;',
  'src/backends/emu/decode/insn.ts': 'export const INSN = 1;',
  'src/backends/emu/cpu/state.ts': 'export class State {}',
  'src/backends/emu/cpu/cpu.ts':
    "import { INSN } from '../decode/insn.js';\nimport { FAULT } from '../signals.js';\nimport { State } from './state.js';\nexport class Cpu extends State {}\nexport const USES = [INSN, FAULT];",
  'src/backends/emu/exec/x.ts': "import type { Cpu } from '../cpu/cpu.js';\nexport function x(_c: Cpu): void {}",
  'src/backends/emu/jit/leaf.ts': 'export const LEAF = 1;',
  'src/backends/emu/jit/j.ts': "import { x } from '../exec/x.js';\nexport const J = x;",
  'src/backends/emu/debug/unit.ts': "import type { Cpu } from '../cpu/cpu.js';\nexport type Unit = Cpu;",
  'src/backends/emu/vcpu.ts':
    "import { CONFIG } from './config.js';\nimport { Cpu } from './cpu/cpu.js';\nimport type { Unit } from './debug/unit.js';\nimport { J } from './jit/j.js';\nexport const V = [CONFIG, Cpu, J] as unknown as Unit;",
  'src/backends/emu/hypervisor.ts': "import { V } from './vcpu.js';\nexport const H = V;",
  'src/backends/kvm/kvm.ts': "import koffi from 'koffi';\nexport const K = koffi;",
  'src/index.ts':
    "import { H } from './backends/emu/hypervisor.js';\nimport { K } from './backends/kvm/kvm.js';\nexport const I = [H, K];",
  'src/machine/leaf.ts': 'export const MLEAF = 1;',
  'src/machine/m.ts': "import { I } from '../index.js';\nexport const M = I;",
  'src/debugger/d.ts': "import { M } from '../machine/m.js';\nexport const D = M;",
  'src/gdbstub/g.ts': "import { D } from '../debugger/d.js';\nexport const G = D;",
  'src/cli/leaf.ts': 'export const CLEAF = 1;',
  'src/cli/main.ts': "import { G } from '../gdbstub/g.js';\nimport { A } from '../x86/a.js';\nexport const C = [G, A];",
  'test/helper.ts': 'export const HELPER = 1;',
};

/** Lines added to (or files added beside) CLEAN, and the violations each must produce. */
const BROKEN: Record<string, string> = {
  // A cycle of a type-only import and a value import.
  'src/x86/a.ts': "import type { Cy } from './cy.js';",
  'src/x86/cy.ts': "import { A } from './a.js';\nexport type Cy = typeof A;",
  'src/abi/index.ts': "import '../cli/leaf.js';",
  'src/backends/emu/vcpu.ts': "import '../../machine/leaf.js';",
  'src/index.ts': "import './machine/leaf.js';",
  'src/extra/e.ts': "import { ABI } from '../abi/index.js';\nexport const E = ABI;",
  'src/cli/main.ts': "import '../extra/e.js';\nimport '../../test/helper.js';\nimport './missing.js';",
  'src/backends/emu/hypervisor.ts': "import '../kvm/kvm.js';\nimport './config.js';",
  'src/debugger/d.ts': "import 'koffi';",
  'src/backends/emu/decode/insn.ts': "import '../cpu/state.js';",
  // The circle this repository had: the run loop importing a handler module that imports it.
  'src/backends/emu/cpu/cpu.ts': "import '../exec/x.js';",
  'src/backends/emu/exec/leaf.ts': "import '../jit/leaf.js';",
  'src/backends/emu/jit/j.ts': "import '../index.js';",
  'src/backends/emu/debug/unit.ts': "import '../jit/leaf.js';",
  'src/backends/emu/signals.ts': "import './cpu/state.js';",
};

const EXPECTED = [
  'no-circular: src/x86/a.ts -> src/x86/cy.ts',
  'no-circular: src/backends/emu/cpu/cpu.ts -> src/backends/emu/exec/x.ts',
  'layer-abi: src/abi/index.ts -> src/cli/leaf.ts',
  'layer-backends: src/backends/emu/vcpu.ts -> src/machine/leaf.ts',
  'layer-entry: src/index.ts -> src/machine/leaf.ts',
  'no-unlayered: src/extra/e.ts -> src/abi/index.ts',
  'no-unlayered-target: src/cli/main.ts -> src/extra/e.ts',
  'src-stands-alone: src/cli/main.ts -> test/helper.ts',
  'resolvable: src/cli/main.ts -> ./missing.js',
  'koffi-in-kvm: src/debugger/d.ts -> npm:koffi',
  'backends-apart: src/backends/emu/hypervisor.ts -> src/backends/kvm/kvm.ts',
  'emu-config-once: src/backends/emu/hypervisor.ts -> src/backends/emu/config.ts',
  'emu-decode: src/backends/emu/decode/insn.ts -> src/backends/emu/cpu/state.ts',
  'emu-cpu: src/backends/emu/cpu/cpu.ts -> src/backends/emu/exec/x.ts',
  'emu-exec: src/backends/emu/exec/leaf.ts -> src/backends/emu/jit/leaf.ts',
  'emu-jit: src/backends/emu/jit/j.ts -> src/backends/emu/index.ts',
  'emu-debug: src/backends/emu/debug/unit.ts -> src/backends/emu/jit/leaf.ts',
  'emu-leaves: src/backends/emu/signals.ts -> src/backends/emu/cpu/state.ts',
].sort();

function layTree(files: Record<string, string>, extra: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'guestdbg-import-rules-'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  );
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const path of new Set([...Object.keys(files), ...Object.keys(extra)])) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    const text = [extra[path], files[path]].filter((t) => t !== undefined).join('\n');
    writeFileSync(join(dir, path), `${text}\n`);
  }
  return dir;
}

test('the import rules pass a tree laid out like src/ and reject each kind of violation in it', (t) => {
  const clean = layTree(CLEAN, {});
  const broken = layTree(CLEAN, BROKEN);
  t.after(() => {
    rmSync(clean, { recursive: true, force: true });
    rmSync(broken, { recursive: true, force: true });
  });
  // As `npm test` runs it: the exit status is what fails the test script.
  const ok = depcruise(clean);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const bad = depcruise(broken);
  assert.notEqual(bad.status, 0, bad.stdout + bad.stderr);
  assert.deepEqual(violations(broken), EXPECTED);
});
