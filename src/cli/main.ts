#!/usr/bin/env node
// The `guestdbg` command. A command's module and backend load only when it runs; every failure is one line.
import { existsSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type { BackendName } from '../abi/index.js';
import { checkPvhElf, readImage } from '../machine/boot/loader.js';
import { EXIT_CODE_HELP, ExitCode } from './exit-codes.js';
import { parseBackend, parseMemory, parseSerial, parseTimeout } from './options.js';
import { reportFailure, UsageError } from './user-error.js';

const DEFAULT_MEMORY = '64M';
const KVM_DEVICE = '/dev/kvm';

/** caps is most interesting on real KVM: use it when the device exists, else the emulator. */
function defaultCapsBackend(): BackendName {
  return existsSync(KVM_DEVICE) ? 'kvm' : 'emu';
}

const program = new Command()
  .name('guestdbg')
  .description(
    'A hypervisor built around guest debugging: the KVM guest-debug interface on our own x86-64 CPU (emu) or /dev/kvm (kvm).',
  )
  .exitOverride()
  .configureOutput({
    outputError: (str, write) => write(`guestdbg: ${str.replace(/^error: /, '').trim()} (see guestdbg --help)\n`),
  });

program
  .command('run')
  .description(
    "Run a PVH ELF guest to its end; COM1 goes to --serial, the exit status is the guest's isa-debug-exit status.",
  )
  .argument('<image>', 'a PVH ELF (ELF with a XEN_ELFNOTE_PHYS32_ENTRY note), e.g. guests/hello.elf')
  .addOption(new Option('--backend <name>', 'emu (our x86-64 CPU) or kvm (/dev/kvm)').default('emu'))
  .option('--memory <size>', 'guest RAM: a size with K/M/G (a bare number means MiB)', DEFAULT_MEMORY)
  .option('--serial <target>', 'COM1 output: stdio, none or file:PATH', 'stdio')
  .option('--timeout <seconds>', 'stop the guest after this many seconds (default: no limit)')
  .option('--cmdline <string>', 'the command line passed in hvm_start_info', '')
  .option('--stats', 'at the end, print exit counts, instructions retired and unimplemented opcodes the guest hit')
  .option('--gdb <address>', 'serve gdb on tcp:HOST:PORT, :PORT (127.0.0.1) or unix:PATH, like QEMU -gdb')
  .option('--wait-gdb', 'with --gdb: stay stopped at the entry point until gdb attaches (like QEMU -S)')
  .option(
    '--kvm-style-breakpoints',
    "with --gdb on emu: breakpoints as on kvm (int3 patching, 4 debug registers) instead of guestdbg's soft ones",
  )
  .addHelpText('after', `\n${EXIT_CODE_HELP}`)
  .action(
    async (
      image: string,
      o: {
        backend: string;
        memory: string;
        serial: string;
        timeout?: string;
        cmdline: string;
        gdb?: string;
        waitGdb?: boolean;
        kvmStyleBreakpoints?: boolean;
        stats?: boolean;
      },
    ) => {
      const backend = parseBackend(o.backend);
      const memoryBytes = parseMemory(o.memory);
      const serial = parseSerial(o.serial);
      const timeoutMs = parseTimeout(o.timeout);
      if ((o.waitGdb || o.kvmStyleBreakpoints) && o.gdb === undefined) {
        throw new UsageError('--wait-gdb and --kvm-style-breakpoints need --gdb, e.g. --gdb :1234');
      }
      if (o.gdb !== undefined && timeoutMs !== undefined) {
        throw new UsageError('--timeout does not apply under --gdb: the debugger decides when the guest runs');
      }
      // Validate the image before touching a backend, so a bad file is reported as such on every host.
      const bytes = readImage(image, memoryBytes);
      checkPvhElf(bytes, image, memoryBytes);
      if (o.gdb !== undefined) {
        const { runWithGdb } = await import('./gdb-serve.js');
        const gdbCmd = {
          backend,
          memoryBytes,
          serial,
          cmdline: o.cmdline,
          imagePath: image,
          image: bytes,
          listen: o.gdb,
        };
        const flags = { waitGdb: o.waitGdb === true, kvmStyle: o.kvmStyleBreakpoints === true };
        process.exitCode = await runWithGdb({ ...gdbCmd, ...flags });
        return;
      }
      const cmd = { backend, memoryBytes, serial, timeoutMs, cmdline: o.cmdline, imagePath: image, image: bytes };
      const stats = o.stats === true;
      const { runCommand } = await import('./run.js');
      process.exitCode = await runCommand({ ...cmd, stats });
    },
  );

program
  .command('caps')
  .description(
    'For every guest-debug feature: what the backend advertises and whether it really works (a tiny probe guest per feature).',
  )
  .option('--backend <name>', `emu or kvm (default: kvm when ${KVM_DEVICE} exists, else emu)`)
  .option('--json', 'print the report as JSON')
  .action(async (o: { backend?: string; json?: boolean }) => {
    const backend = o.backend === undefined ? defaultCapsBackend() : parseBackend(o.backend);
    const { capsReport, formatCaps } = await import('./caps.js');
    const report = await capsReport(backend);
    process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatCaps(report));
  });

program
  .command('demo')
  .description(
    'Boot guests/demo.elf and show a hardware breakpoint, single-steps, a watchpoint and a software breakpoint.',
  )
  .option('--backend <name>', 'emu or kvm', 'emu')
  .action(async (o: { backend: string }) => {
    const backend = parseBackend(o.backend);
    const { demoCommand } = await import('./demo.js');
    process.exitCode = await demoCommand(backend);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version print and exit 0; commander already printed any usage error in one line.
    process.exitCode = err.exitCode === 0 ? 0 : ExitCode.BadInput;
  } else {
    reportFailure(err);
  }
}
