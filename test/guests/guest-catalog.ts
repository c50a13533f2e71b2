// The guests under guests/ and what each is expected to do, read from the guest itself:
//   - the header line "Expected exit value: 0xNN" of guests/<name>.S (the byte written to isa-debug-exit);
//   - guests/<name>.serial, when present: the exact COM1 output (checked by hand against the header);
//   - the header line "Memory: <size>" of a guest that needs more RAM than the default (QEMU -m, guestdbg
//     run --memory).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/build-guests.js';
import { parseMemory } from '../../src/cli/options.js';
import { debugExitStatus } from '../../support/qemu-runner.js';

export interface GuestInfo {
  name: string;
  elf: string;
  source: string;
  /** Expected VMM exit status ((value << 1) | 1), when the source declares one. */
  expectedStatus: number | undefined;
  /** Expected serial output, when guests/<name>.serial exists. */
  expectedSerial: string | undefined;
  /** RAM the guest needs ("3G"), when it declares a size; undefined: the VMM's default. */
  memory: string | undefined;
}

const EXIT_VALUE = /Expected exit value:\s*0x([0-9a-f]+)/i;
const MEMORY = /^# Memory:\s*(\d+[KMG])\b/m;

export function guestsDir(): string {
  return join(repoRoot(), 'guests');
}

/** Every guests/*.elf, sorted by name. */
export function listGuests(): GuestInfo[] {
  const dir = guestsDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.elf'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      const source = join(dir, `${name}.S`);
      const serialPath = join(dir, `${name}.serial`);
      const text = existsSync(source) ? readFileSync(source, 'utf8') : '';
      const match = EXIT_VALUE.exec(text);
      return {
        name,
        elf: join(dir, f),
        source,
        expectedStatus: match !== null ? debugExitStatus(Number.parseInt(match[1]!, 16)) : undefined,
        expectedSerial: existsSync(serialPath) ? readFileSync(serialPath, 'latin1') : undefined,
        memory: MEMORY.exec(text)?.[1],
      };
    });
}

/** RAM for a guest run in bytes: its declared size, else `fallback`. */
export function guestMemoryBytes(g: GuestInfo, fallback: number): number {
  return g.memory === undefined ? fallback : parseMemory(g.memory);
}

/** QEMU options for the guest's declared RAM size. */
export function qemuMemoryArgs(g: GuestInfo): string[] {
  return g.memory === undefined ? [] : ['-m', g.memory];
}
