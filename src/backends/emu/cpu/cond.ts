// Condition codes of Jcc/SETcc/CMOVcc (SDM vol. 1 table B-1), cc = opcode & 0xF.
const CF = 1;
const PF = 4;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;

export function condition(f: number, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0: // O
      r = (f & OF) !== 0;
      break;
    case 1: // B/C
      r = (f & CF) !== 0;
      break;
    case 2: // E/Z
      r = (f & ZF) !== 0;
      break;
    case 3: // BE: CF or ZF
      r = (f & (CF | ZF)) !== 0;
      break;
    case 4: // S
      r = (f & SF) !== 0;
      break;
    case 5: // P
      r = (f & PF) !== 0;
      break;
    case 6: // L: SF != OF
      r = ((f & SF) !== 0) !== ((f & OF) !== 0);
      break;
    default: // LE: ZF or SF != OF
      r = (f & ZF) !== 0 || ((f & SF) !== 0) !== ((f & OF) !== 0);
      break;
  }
  return (cc & 1) !== 0 ? !r : r;
}
