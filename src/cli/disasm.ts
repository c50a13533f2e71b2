// One instruction disassembled with iced-x86 (GNU as / AT&T syntax, like gdb and objdump).
import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from 'iced-x86';

/** The longest x86 instruction is 15 bytes. */
export const MAX_INSN_BYTES = 15;

export interface Disassembly {
  text: string;
  length: number;
  bytes: Uint8Array;
}

export function disassembleOne(bytes: Uint8Array, ip: bigint, bitness: 16 | 32 | 64): Disassembly {
  const decoder = new Decoder(bitness, bytes, DecoderOptions.None);
  const formatter = new Formatter(FormatterSyntax.Gas);
  // objdump/gdb style: lower-case hex, branch targets without leading zeros.
  formatter.uppercaseHex = false;
  formatter.branchLeadingZeros = false;
  try {
    decoder.ip = ip;
    const insn = decoder.decode();
    try {
      const length = insn.length;
      return { text: formatter.format(insn), length, bytes: bytes.slice(0, length) };
    } finally {
      insn.free();
    }
  } finally {
    formatter.free();
    decoder.free();
  }
}
