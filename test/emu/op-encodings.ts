// Random instances of every encoding in the decoder's opcode table (src/backends/emu/decode/opcodes.ts), for
// tests that check a fact about each op against the code: the key's mandatory prefix, map and opcode, a
// random REX in 64-bit mode, a ModRM honouring /digit, mem|reg and rmN, and random bytes after it (SIB,
// displacement, immediates; half the time zeros). Half the memory forms address through a base register alone, so a register
// pointing at RAM makes the access succeed.
import { OPCODE_LINES, type OpcodeLine } from '../../src/backends/emu/decode/opcodes.js';
import { HAS_MODRM } from '../../src/backends/emu/decode/table.js';

export interface Encoding {
  /** The opcode-table line it instantiates: [key, op, operands, flags]. */
  line: OpcodeLine;
  /** Decodes only outside 64-bit mode ("i64") / only in 64-bit mode ("o64"). */
  i64: boolean;
  o64: boolean;
  make(r: () => bigint, long64: boolean): number[];
}

const isHex = (t: string | undefined): boolean => t !== undefined && /^[0-9A-F]{2}(\+r)?$/.test(t);

function encoding(line: OpcodeLine): Encoding {
  const tokens = line[0].split(' ');
  let i = 0;
  let mandatory = -1;
  if (tokens[i] === 'NP' || tokens[i] === 'NP66') i++;
  else if (['66', 'F2', 'F3'].includes(tokens[i]!) && isHex(tokens[i + 1])) mandatory = parseInt(tokens[i++]!, 16);
  const map: number[] = [];
  if (tokens[i] === '0F' && isHex(tokens[i + 1])) {
    map.push(0x0f);
    i++;
    if ((tokens[i] === '38' || tokens[i] === '3A') && isHex(tokens[i + 1])) map.push(parseInt(tokens[i++]!, 16));
  }
  const opTok = tokens[i++]!;
  const plusR = opTok.endsWith('+r');
  const opcode = parseInt(opTok, 16);
  let digit = -1;
  let mod = '';
  let rmN = -1;
  for (const t of tokens.slice(i)) {
    if (t.startsWith('/')) digit = Number(t.slice(1));
    else if (t === 'mem' || t === 'reg') mod = t;
    else if (t.startsWith('rm')) rmN = Number(t.slice(2));
  }
  const mapIndex = map.length === 0 ? 0 : map.length === 1 ? 1 : map[1] === 0x38 ? 2 : 3;
  const modrm = HAS_MODRM[mapIndex * 256 + opcode] === 1;
  const flags = (line[3] ?? '').split(' ');
  return {
    line,
    i64: flags.includes('i64'),
    o64: flags.includes('o64'),
    make(r, long64) {
      const n = (k: number): number => Number(r() % BigInt(k));
      const bytes: number[] = [];
      if (mandatory >= 0) bytes.push(mandatory);
      if (long64 && n(2) === 0) bytes.push(0x40 | n(16));
      bytes.push(...map, plusR ? opcode + n(8) : opcode);
      if (modrm) {
        const reg = digit >= 0 ? digit : n(8);
        const m = mod === 'reg' ? 3 : mod === 'mem' ? n(3) : n(4);
        // A memory operand through a base register alone (no SIB, no displacement, not RIP-relative).
        const rm = rmN >= 0 ? rmN : m !== 3 && n(2) === 0 ? [0, 1, 2, 3, 6, 7][n(6)]! : n(8);
        bytes.push((m << 6) | (reg << 3) | rm);
      }
      // Half the time zeros: displacement 0, small immediates (ENTER 0, 0), SIB [rAX + rAX].
      const random = n(2) === 0;
      while (bytes.length < 15) bytes.push(random ? n(256) : 0);
      return bytes;
    },
  };
}

/** One Encoding per line of the opcode table. */
export const ENCODINGS: readonly Encoding[] = OPCODE_LINES.map(encoding);
