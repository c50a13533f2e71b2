// `guestdbg run --gdb ...`: the guest under the debugger core, served to gdb (like QEMU's -gdb / -s -S).

import type { BackendName } from '../abi/index.js';
import { Debugger } from '../debugger/debugger.js';
import { detectFeatures } from '../debugger/features.js';
import type { StopEvent } from '../debugger/target.js';
import { GdbServer, ListenError, parseListenSpec } from '../gdbstub/server.js';
import { openHypervisor } from '../index.js';
import { prepareGuest } from '../machine/boot/prepare.js';
import type { SerialTarget } from '../machine/devices/serial-sink.js';
import { ExitCode, exitCodeOf } from './exit-codes.js';
import { openSerial } from './options.js';
import { reportEnd, UsageError } from './user-error.js';

export interface GdbRunCommand {
  backend: BackendName;
  memoryBytes: number;
  serial: SerialTarget;
  cmdline: string;
  imagePath: string;
  /** The image's bytes, already checked with checkPvhElf. */
  image: Uint8Array;
  /** --gdb: tcp:HOST:PORT, :PORT or unix:PATH */
  listen: string;
  /** --wait-gdb: stay stopped at the entry point until gdb attaches and continues (QEMU's -S). */
  waitGdb: boolean;
  /**
   * --kvm-style-breakpoints: on emu, implement gdb's breakpoints exactly as on kvm (int3 patching with
   * USE_SW_BP, the four debug registers) instead of guestdbg's soft breakpoints.
   */
  kvmStyle: boolean;
}

const log = (line: string) => process.stderr.write(`guestdbg: ${line}\n`);

/** The signals that end guestdbg by default; each still does, after the unix socket file is removed. */
const ENDING_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Removes the server's socket file on every way out (exit, an ending signal); returns the undo. */
function removeSocketOnExit(server: GdbServer): () => void {
  const cleanup = (): void => server.removeSocketFile();
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanup();
    undo();
    process.kill(process.pid, signal);
  };
  const undo = (): void => {
    process.off('exit', cleanup);
    for (const s of ENDING_SIGNALS) process.off(s, onSignal);
  };
  process.on('exit', cleanup);
  for (const s of ENDING_SIGNALS) process.on(s, onSignal);
  return undo;
}

/** Returns the process exit status once the guest has ended (or gdb killed it). */
export async function runWithGdb(cmd: GdbRunCommand): Promise<number> {
  let spec: ReturnType<typeof parseListenSpec>;
  try {
    spec = parseListenSpec(cmd.listen);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const serial = openSerial(cmd.serial);
  const hv = openHypervisor({ backend: cmd.backend });
  const guest = prepareGuest({
    hypervisor: hv,
    image: cmd.image,
    imagePath: cmd.imagePath,
    memoryBytes: cmd.memoryBytes,
    cmdline: cmd.cmdline,
    serial: serial.write,
  });
  let ended: (ev: StopEvent) => void = () => {};
  const end = new Promise<StopEvent>((resolve) => {
    ended = resolve;
  });
  const detected = await detectFeatures(hv);
  const features = cmd.kvmStyle ? { ...detected, soft: false } : detected;
  const dbg = new Debugger({ vm: guest.vm, vcpus: [guest.vcpu], bus: guest.bus }, features, {
    onEnd: (ev) => ended(ev),
  });
  const server = new GdbServer(dbg, { log });
  const keepNoSocket = removeSocketOnExit(server);
  try {
    const where = await server.listen(spec).catch((e: unknown) => {
      throw e instanceof ListenError ? new UsageError(e.message) : e;
    });
    const target = where.startsWith('unix:') ? where.slice('unix:'.length) : where.slice('tcp:'.length);
    log(`gdb stub on ${where}; attach with: gdb -ex 'target remote ${target}' ${cmd.imagePath}`);
    // Without --wait-gdb the guest starts at once; a debugger that connects later stops it (QEMU's -s).
    if (!cmd.waitGdb) await dbg.detach();
    const last = await end;
    // Give gdb a moment to read the final W/X reply before the socket goes away.
    await new Promise((r) => setTimeout(r, 50));
    if (dbg.guestEnd) {
      reportEnd(dbg.guestEnd);
      return exitCodeOf(dbg.guestEnd);
    }
    log(last.kind === 'terminated' ? last.message : 'guest stopped');
    return ExitCode.Reset;
  } finally {
    server.close();
    keepNoSocket();
    await dbg.close();
    serial.close();
    guest.vm.close();
    hv.close();
  }
}
