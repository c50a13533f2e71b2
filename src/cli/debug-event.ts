// One line per debug event: the KVM_EXIT_DEBUG fields and the instruction at pc (symbolized, disassembled).
import type { DebugExitArch, Vcpu } from '../abi/index.js';
import type { LoadedImage } from '../machine/boot/loader.js';
import { codeBitness, type GuestMemory, UnmappedAddressError } from '../machine/guest-memory.js';
import { Vector } from '../x86/vectors.js';
import { disassembleOne, MAX_INSN_BYTES } from './disasm.js';

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
const EXCEPTION_NAMES: Record<number, string> = { [Vector.DB]: '#DB', [Vector.BP]: '#BP' };

/** "name+0xoff" for the closest symbol at or below addr that lies inside a loaded segment. */
export function symbolize(image: LoadedImage, addr: bigint): string | undefined {
  const inImage = (v: bigint): boolean =>
    image.segments.some((s) => v >= BigInt(s.paddr) && v < BigInt(s.paddr) + BigInt(s.memsz));
  let best: [string, bigint] | undefined;
  for (const [name, value] of image.symbols) {
    if (value > addr || !inImage(value)) continue;
    if (!best || value > best[1]) best = [name, value];
  }
  return best && `${best[0]}+${hex(addr - best[1])}`;
}

/** The instruction at a linear address, or a short reason it cannot be shown. */
export function instructionAt(vcpu: Vcpu, memory: GuestMemory, pc: bigint): string {
  try {
    const bytes = memory.read(vcpu, pc, MAX_INSN_BYTES);
    return disassembleOne(bytes, pc, codeBitness(vcpu.getSregs().cs)).text;
  } catch (e) {
    if (e instanceof UnmappedAddressError) return '(pc not mapped)';
    throw e;
  }
}

export function formatDebugEvent(
  label: string,
  d: DebugExitArch,
  vcpu: Vcpu,
  memory: GuestMemory,
  image: LoadedImage,
): string {
  const exc = `${d.exception} (${EXCEPTION_NAMES[d.exception] ?? 'vector'})`;
  const where = symbolize(image, d.pc) ?? hex(d.pc);
  return (
    `  ${label.padEnd(14)} KVM_EXIT_DEBUG exception ${exc} pc ${hex(d.pc)} dr6 ${hex(d.dr6)} dr7 ${hex(d.dr7)}` +
    `   ${where}: ${instructionAt(vcpu, memory, d.pc)}`
  );
}
