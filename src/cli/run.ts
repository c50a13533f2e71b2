// `guestdbg run`: boots a PVH ELF on the machine and runs it to its end.

import type { BackendName } from '../abi/index.js';
import { bootPvh } from '../machine/boot/boot-vm.js';
import { openSerialOutput, type SerialTarget } from '../machine/devices/serial-sink.js';
import { describeEnd } from '../machine/guest-end.js';
import { Machine } from '../machine/machine.js';
import { openBackend } from '../open.js';
import { exitCodeOf } from './exit-codes.js';
import { formatStats } from './stats.js';

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
  const hv = await openBackend({ backend: cmd.backend });
  const vm = hv.createVm();
  const serial = openSerialOutput(cmd.serial);
  try {
    const booted = bootPvh(vm, { imagePath: cmd.imagePath, image: cmd.image }, cmd.memoryBytes, cmd.cmdline);
    const machine = await Machine.create({ vm, vcpus: [booted.entry], serial: serial.write });
    try {
      const end = await machine.runToEnd(cmd.timeoutMs);
      // A debug-exit or a reset is the guest's own ending: its status speaks; anything else gets a sentence.
      if (end.kind !== 'debug-exit' && end.kind !== 'reset') process.stderr.write(`guestdbg: ${describeEnd(end)}\n`);
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
