// Guest RAM the host cannot allocate: with an address-space limit (`ulimit -v`) a 3 GiB SharedArrayBuffer is
// refused, and addMemory reports it as KVM_SET_USER_MEMORY_REGION's ENOMEM naming the size and the fix, not a
// bare RangeError.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../scripts/build-guests.js';

it('3 GiB of RAM under a 3 GB address-space limit: ENOMEM with the size and the fix', () => {
  const index = pathToFileURL(join(repoRoot(), 'dist', 'src', 'index.js')).href;
  const script = `
    const { openHypervisor } = await import(${JSON.stringify(index)});
    const vm = openHypervisor({ backend: 'emu' }).createVm();
    try { vm.addMemory({ guestPhysAddr: 0n, size: 3 * 2 ** 30 }); console.log('allocated'); }
    catch (e) { console.log(e.name, e.errno, e.message); }`;
  const r = spawnSync(
    'sh',
    ['-c', `ulimit -v 3000000 && exec "$0" --input-type=module -e "$1"`, process.execPath, script],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^KvmError ENOMEM .*3072 MiB of guest RAM could not be allocated.*--memory/);
});

it('guestdbg run --memory 3G under the same limit: status 2 and one line naming the size and the fix', () => {
  const cli = join(repoRoot(), 'dist', 'bundle', 'cli', 'main.js');
  const hello = join(repoRoot(), 'guests', 'hello.elf');
  const r = spawnSync(
    'sh',
    ['-c', `ulimit -v 3000000 && exec "$0" "$1" run --memory 3G "$2"`, process.execPath, cli, hello],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /3072 MiB of guest RAM could not be allocated.*--memory/);
  assert.doesNotMatch(lines[0]!, /refused|bug/);
});
