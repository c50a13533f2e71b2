// The committed guests/*.elf must be exactly what `npm run build:guests` produces from the sources:
// rebuild every guest into a temporary directory and compare byte for byte.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { binutilsPresent, buildGuests, guestNames, repoRoot } from '../../scripts/build-guests.js';

test('committed guest ELFs are reproducible from guests/*.S', (t) => {
  if (!binutilsPresent()) {
    t.skip('as/ld not found: install binutils: apt-get install binutils');
    return;
  }
  const root = repoRoot();
  const names = guestNames(root);
  assert.ok(names.length > 0, 'no guests/*.S found');
  const out = mkdtempSync(join(tmpdir(), 'guestdbg-repro-'));
  try {
    const built = buildGuests({ outDir: out });
    assert.deepEqual(
      built.map((b) => b.name),
      names,
    );
    const differing: string[] = [];
    for (const b of built) {
      const committed = join(root, 'guests', `${b.name}.elf`);
      if (!existsSync(committed)) {
        differing.push(`${b.name} (guests/${b.name}.elf is missing: run npm run build:guests and commit it)`);
      } else if (!readFileSync(committed).equals(readFileSync(b.elf))) {
        differing.push(`${b.name} (guests/${b.name}.elf differs from a rebuild: run npm run build:guests)`);
      }
    }
    assert.deepEqual(differing, [], `guests differ: ${differing.join(', ')}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('two builds of the same sources are identical', (t) => {
  if (!binutilsPresent()) {
    t.skip('as/ld not found: install binutils: apt-get install binutils');
    return;
  }
  const a = mkdtempSync(join(tmpdir(), 'guestdbg-repro-a-'));
  const b = mkdtempSync(join(tmpdir(), 'guestdbg-repro-b-'));
  try {
    const first = buildGuests({ outDir: a });
    buildGuests({ outDir: b });
    for (const g of first) {
      assert.ok(
        readFileSync(join(a, `${g.name}.elf`)).equals(readFileSync(join(b, `${g.name}.elf`))),
        `${g.name}: two builds differ (non-deterministic output)`,
      );
    }
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
