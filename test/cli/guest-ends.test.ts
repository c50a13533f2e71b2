// `guestdbg run` on emu with one-instruction guests (32-bit PVH ELFs built here; bytes checked with as/objdump):
// each way a guest can end gives its documented status and, unless the guest chose it, one stderr line.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/build-guests.js';
import { EMU_CONFIG } from '../../src/backends/emu/config.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { buildElf } from '../machine/boot/elf-builder.js';
import { emuOrSkip } from '../machine/emu-helper.js';
import { oneLine, runCli, tempDir } from './cli-helpers.js';

const { skip } = await emuOrSkip();
if (skip) console.log(`# skipping guestdbg run on emu: ${skip}`);
const dir = tempDir();
const ENTRY = 0x100000;

function guest(name: string, code: number[]): string {
  const p = join(dir, `${name}.elf`);
  writeFileSync(p, buildElf({ cls: 32, segments: [{ paddr: ENTRY, data: Uint8Array.from(code) }], pvhEntry: ENTRY }));
  return p;
}

/** movw $0x3f8,%dx; movb $'A',%al; outb %al,(%dx); movb $'\n',%al; outb %al,(%dx) */
const PRINT_A = [0x66, 0xba, 0xf8, 0x03, 0xb0, 0x41, 0xee, 0xb0, 0x0a, 0xee];
/** movb $7,%al; outb %al,$0xf4 */
const EXIT_7 = [0xb0, 0x07, 0xe6, 0xf4];

describe('guestdbg run on emu', { skip }, () => {
  it('COM1 output on stdout, status = (7 << 1) | 1 from isa-debug-exit, nothing on stderr', () => {
    const r = runCli(['run', guest('exit7', [...PRINT_A, ...EXIT_7])]);
    assert.equal(r.stdout, 'A\n');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 15);
  });

  it('--serial file:PATH writes the output there; --serial none drops it', () => {
    const img = guest('exit7b', [...PRINT_A, ...EXIT_7]);
    const out = join(dir, 'serial.txt');
    const r = runCli(['run', '--serial', `file:${out}`, img]);
    assert.equal(r.status, 15);
    assert.equal(r.stdout, '');
    assert.equal(readFileSync(out, 'utf8'), 'A\n');
    assert.equal(runCli(['run', '--serial', 'none', img]).stdout, '');
  });

  it('guests/hello.elf prints its reference output and exits 33, like QEMU', () => {
    const r = runCli(['run', 'guests/hello.elf']);
    assert.equal(r.stdout, readFileSync('guests/hello.serial', 'utf8'));
    assert.equal(r.status, 33);
  });

  it('an i8042 reset ends the VM with status 0 (QEMU -no-reboot)', () => {
    const r = runCli(['run', guest('reset', [0xb0, 0xfe, 0xe6, 0x64])]);
    assert.equal(r.stderr, '');
    assert.equal(r.status, ExitCode.Reset);
  });

  it('jmp . with --timeout 0.3 → timeout status and one line', () => {
    const t0 = Date.now();
    const r = runCli(['run', '--timeout', '0.3', guest('spin', [0xeb, 0xfe])]);
    assert.match(oneLine(r.stderr), /still running after 300 ms; raise --timeout/);
    assert.equal(r.status, ExitCode.Timeout);
    assert.ok(Date.now() - t0 < 10_000);
  });

  it('hlt with interrupts off → halted status', () => {
    const r = runCli(['run', guest('hlt', [0xf4])]);
    assert.match(oneLine(r.stderr), /halted with interrupts off at rip 0x100001/);
    assert.equal(r.status, ExitCode.Halted);
  });

  it('ud2 with no IDT → triple fault → shutdown status', () => {
    const r = runCli(['run', guest('ud2', [0x0f, 0x0b])]);
    assert.match(oneLine(r.stderr), /triple-faulted/);
    assert.equal(r.status, ExitCode.Shutdown);
  });

  it('MMIO outside RAM reads all ones and drops writes: 0xff to isa-debug-exit → status 255', () => {
    // movl 0xf0000000,%eax; movl %eax,0xf0000000; outb %al,$0xf4
    const code = [0xa1, 0x00, 0x00, 0x00, 0xf0, 0xa3, 0x00, 0x00, 0x00, 0xf0, 0xe6, 0xf4];
    const r = runCli(['run', guest('mmio', code)]);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 255);
  });

  it('a guest that prints a line and then spins shows the line before the timeout', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('./cli-helpers.js');
    const child = spawn(process.execPath, [
      CLI,
      'run',
      '--timeout',
      '60',
      guest('print-spin', [...PRINT_A, 0xeb, 0xfe]),
    ]);
    // Well before the 60 s timeout (the wait covers two Node start-ups on a busy host): the line must not wait
    // for the guest's end.
    const seen = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('(nothing within 20 s)'), 20_000);
      child.stdout.setEncoding('utf8');
      child.stdout.once('data', (d: string) => {
        clearTimeout(timer);
        resolve(d);
      });
    });
    child.kill();
    assert.equal(seen, 'A\n');
  });
  it('--stats names the opcode the guest hit that the CPU does not decode, and counts exits', () => {
    // pshufb %xmm1,%xmm0 (0f 38 00 c1): SSSE3, not implemented, so #UD; with no IDT that ends in a triple fault.
    const r = runCli(['run', '--stats', guest('pshufb', [0x0f, 0x38, 0x00, 0xc1])]);
    assert.equal(r.status, ExitCode.Shutdown);
    assert.match(r.stderr, /undecodable \(#UD\)\s+0f 38 00 x1/);
    assert.match(r.stderr, /exits\s+Shutdown 1/);
    assert.match(r.stderr, /instructions retired\s+0/);
  });
  it('--stats says how much of the guest ran as compiled code', (t) => {
    if (EMU_CONFIG.jitThreshold === 0) return t.skip('GUESTDBG_EMU_JIT=off: the block compiler is off');
    const r = runCli(['run', '--stats', join(repoRoot(), 'guests', 'loop.elf')]);
    const m =
      /instructions retired\s+(\d+)[\s\S]*compiled regions\s+(\d+), (\d+) dropped for changed code; ran (\d+)/.exec(
        r.stderr,
      );
    assert.ok(m, r.stderr);
    const [retired, compiled, , inBlocks] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    // loop.elf spends all but its first few thousand instructions in one compiled loop.
    assert.ok(compiled > 0 && inBlocks <= retired && inBlocks > 0.99 * retired, r.stderr);
  });
});
