// The guests under guests/ and what each is expected to do, read from the guest itself:
//   - the header line "Expected exit value: 0xNN" of guests/<name>.S (the byte written to isa-debug-exit);
//   - guests/<name>.serial, when present: the exact COM1 output (checked by hand against the header).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/build-guests.js';
import { debugExitStatus } from '../../support/qemu-runner.js';

export interface GuestInfo {
  name: string;
  elf: string;
  source: string;
  /** Expected VMM exit status ((value << 1) | 1), when the source declares one. */
  expectedStatus: number | undefined;
  /** Expected serial output, when guests/<name>.serial exists. */
  expectedSerial: string | undefined;
}

const EXIT_VALUE = /Expected exit value:\s*0x([0-9a-f]+)/i;

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
      const match = existsSync(source) ? EXIT_VALUE.exec(readFileSync(source, 'utf8')) : null;
      return {
        name,
        elf: join(dir, f),
        source,
        expectedStatus: match !== null ? debugExitStatus(Number.parseInt(match[1]!, 16)) : undefined,
        expectedSerial: existsSync(serialPath) ? readFileSync(serialPath, 'latin1') : undefined,
      };
    });
}
