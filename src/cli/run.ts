// `guestdbg run`: boots a PVH ELF on the machine and runs it to its end.

import type { BackendName } from '../abi/index.js';
import { bootPvh } from '../machine/boot/boot-vm.js';
import type { SerialTarget } from '../machine/devices/serial-sink.js';
import { Machine } from '../machine/machine.js';
import { openBackend } from '../open.js';
import { exitCodeOf } from './exit-codes.js';
import { openSerial } from './options.js';
import { formatStats } from './stats.js';
import { reportEnd } from './user-error.js';

export interface RunCommand {
  backend: BackendName;
  memoryBytes: number;
  serial: SerialTarget;
  timeoutMs: number | undefined;
  cmdline: string;
  imagePath: string;
  /** The image's bytes, already checked with checkPvhElf. */
  image: Uint8Array;
  /** --stats: print exit counts and the backend's counters (instructions, unimplemented opcodes) at the end. */
  stats?: boolean;
}

/** Returns the process exit status. */
export async function runCommand(cmd: RunCommand): Promise<number> {
  const serial = openSerial(cmd.serial);
  const hv = await openBackend({ backend: cmd.backend });
  const vm = hv.createVm();
  try {
    const booted = bootPvh(vm, { imagePath: cmd.imagePath, image: cmd.image }, cmd.memoryBytes, cmd.cmdline);
    const machine = await Machine.create({ vm, vcpus: [booted.entry], serial: serial.write });
    try {
      const end = await machine.runToEnd(cmd.timeoutMs);
      reportEnd(end);
      if (cmd.stats) process.stderr.write(formatStats(await machine.stats(0)));
      return exitCodeOf(end);
    } finally {
      await machine.close();
    }
  } finally {
    serial.close();
    vm.close();
    hv.close();
  }
}
