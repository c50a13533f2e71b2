// Bad inputs as a new user would try them: one line on stderr, a documented non-zero status, no stack trace.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { buildElf } from '../machine/boot/elf-builder.js';
import { oneLine, runCli, tempDir } from './cli-helpers.js';

const dir = tempDir();
const file = (name: string, bytes: Uint8Array | string): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

function expectFailure(args: string[], status: number, pattern: RegExp): void {
  const r = runCli(args);
  const line = oneLine(r.stderr);
  assert.match(line, pattern);
  assert.equal(r.status, status, `status for ${args.join(' ')} (stderr: ${line})`);
}

describe('guestdbg run with bad input', () => {
  it('a text file', () => {
    expectFailure(
      ['run', file('notes.txt', 'just some notes\n')],
      ExitCode.BadInput,
      /notes\.txt: a text file, not an ELF guest image/,
    );
  });

  it('a 32-bit ELF without a PVH note', () => {
    const elf = buildElf({ cls: 32, segments: [{ paddr: 0x100000, data: Uint8Array.of(0xf4) }] });
    expectFailure(
      ['run', file('nonote.elf', elf)],
      ExitCode.BadInput,
      /not a PVH image: no XEN_ELFNOTE_PHYS32_ENTRY note; build with a PVH note/,
    );
  });

  it('an ELF larger than --memory', () => {
    const elf = buildElf({
      cls: 64,
      segments: [{ paddr: 0x100000, data: Uint8Array.of(0xf4), memsz: 8 << 20 }],
      pvhEntry: 0x100000,
    });
    expectFailure(
      ['run', '--memory', '4M', file('big.elf', elf)],
      ExitCode.BadInput,
      /needs 9 MiB of RAM at 0x0; run with --memory 9M or more/,
    );
  });

  it('a missing file', () => {
    expectFailure(['run', join(dir, 'missing.elf')], ExitCode.BadInput, /missing\.elf: no such file; check the path/);
  });

  it('a directory', () => {
    expectFailure(['run', dir], ExitCode.BadInput, /is a directory/);
  });

  it('bad --memory syntax and sizes', () => {
    expectFailure(
      ['run', '--memory', 'lots', 'guests/hello.elf'],
      ExitCode.BadInput,
      /--memory 'lots' is not a size; write e\.g\. 64M/,
    );
    expectFailure(['run', '--memory', '1M', 'guests/hello.elf'], ExitCode.BadInput, /too small/);
    expectFailure(['run', '--memory', '5G', 'guests/hello.elf'], ExitCode.BadInput, /too large/);
  });

  it('bad --serial, --timeout, --backend', () => {
    expectFailure(['run', '--serial', 'tcp:1', 'guests/hello.elf'], ExitCode.BadInput, /--serial 'tcp:1'/);
    expectFailure(['run', '--timeout', '-3', 'guests/hello.elf'], ExitCode.BadInput, /--timeout '-3'/);
    expectFailure(
      ['run', '--backend', 'xen', 'guests/hello.elf'],
      ExitCode.BadInput,
      /--backend 'xen' is unknown; use --backend emu or --backend kvm/,
    );
  });

  it('no image, unknown command', () => {
    expectFailure(['run'], ExitCode.BadInput, /missing required argument 'image'/);
    expectFailure(['fly'], ExitCode.BadInput, /unknown command 'fly'/);
  });

  it('--backend kvm without /dev/kvm', { skip: existsSync('/dev/kvm') && 'this host has /dev/kvm' }, () => {
    expectFailure(
      ['run', '--backend', 'kvm', 'guests/hello.elf'],
      ExitCode.BackendUnavailable,
      /\/dev\/kvm.*--backend emu/,
    );
  });
});
