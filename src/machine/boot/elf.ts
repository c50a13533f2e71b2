// A minimal ELF reader for both classes (System V gABI, "ELF header", "Program header", "Section header").
// It only parses; the PVH loader decides what is acceptable.

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const; // "\x7fELF"
export const ElfClass = { Elf32: 1, Elf64: 2 } as const;
export const ELFDATA2LSB = 1;
export const ElfMachine = { I386: 3, X86_64: 62 } as const;
export const PhType = { Load: 1, Note: 4 } as const;
export const ShType = { Symtab: 2, Note: 7 } as const;

/** e_ident offsets. */
const EI_CLASS = 4;
const EI_DATA = 5;
const EI_NIDENT = 16;

export interface ElfHeader {
  is64: boolean;
  machine: number;
  entry: bigint;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  shnum: number;
}

export interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: number;
}

export interface SectionHeader {
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

/** Why the bytes are not an ELF we can parse; the loader turns it into a GuestImageError. */
export class ElfFormatError extends Error {}

/** Little-endian field reader that throws ElfFormatError instead of reading past the end. */
export class ElfBytes {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private check(off: number, len: number, what: string): void {
    if (off < 0 || off + len > this.bytes.length) {
      throw new ElfFormatError(
        `${what} at offset ${off} lies outside the ${this.bytes.length}-byte file (truncated ELF)`,
      );
    }
  }
  u8(off: number, what: string): number {
    this.check(off, 1, what);
    return this.view.getUint8(off);
  }
  u16(off: number, what: string): number {
    this.check(off, 2, what);
    return this.view.getUint16(off, true);
  }
  u32(off: number, what: string): number {
    this.check(off, 4, what);
    return this.view.getUint32(off, true);
  }
  u64(off: number, what: string): bigint {
    this.check(off, 8, what);
    return this.view.getBigUint64(off, true);
  }
  /** A 64-bit field used as a file offset or size: must fit a JS number. */
  size64(off: number, what: string): number {
    const v = this.u64(off, what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfFormatError(`${what} ${v} is too large`);
    return Number(v);
  }
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= ELF_MAGIC.length && ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/** Reads the ELF header; the caller checked the magic. Throws ElfFormatError for unsupported class/encoding. */
export function readHeader(r: ElfBytes): ElfHeader {
  const cls = r.u8(EI_CLASS, 'e_ident[EI_CLASS]');
  if (cls !== ElfClass.Elf32 && cls !== ElfClass.Elf64) {
    throw new ElfFormatError(`unknown ELF class ${cls} (neither ELFCLASS32 nor ELFCLASS64)`);
  }
  if (r.u8(EI_DATA, 'e_ident[EI_DATA]') !== ELFDATA2LSB) {
    throw new ElfFormatError('big-endian ELF; x86 images are little-endian (ELFDATA2LSB)');
  }
  const is64 = cls === ElfClass.Elf64;
  const machine = r.u16(EI_NIDENT + 2, 'e_machine');
  if (is64) {
    return {
      is64,
      machine,
      entry: r.u64(24, 'e_entry'),
      phoff: r.size64(32, 'e_phoff'),
      shoff: r.size64(40, 'e_shoff'),
      phentsize: r.u16(54, 'e_phentsize'),
      phnum: r.u16(56, 'e_phnum'),
      shentsize: r.u16(58, 'e_shentsize'),
      shnum: r.u16(60, 'e_shnum'),
    };
  }
  return {
    is64,
    machine,
    entry: BigInt(r.u32(24, 'e_entry')),
    phoff: r.u32(28, 'e_phoff'),
    shoff: r.u32(32, 'e_shoff'),
    phentsize: r.u16(42, 'e_phentsize'),
    phnum: r.u16(44, 'e_phnum'),
    shentsize: r.u16(46, 'e_shentsize'),
    shnum: r.u16(48, 'e_shnum'),
  };
}

export function readProgramHeaders(r: ElfBytes, h: ElfHeader): ProgramHeader[] {
  const out: ProgramHeader[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const o = h.phoff + i * h.phentsize;
    const what = `program header ${i}`;
    out.push(
      h.is64
        ? {
            type: r.u32(o, what),
            offset: r.size64(o + 8, what),
            vaddr: r.u64(o + 16, what),
            paddr: r.u64(o + 24, what),
            filesz: r.size64(o + 32, what),
            memsz: r.size64(o + 40, what),
          }
        : {
            type: r.u32(o, what),
            offset: r.u32(o + 4, what),
            vaddr: BigInt(r.u32(o + 8, what)),
            paddr: BigInt(r.u32(o + 12, what)),
            filesz: r.u32(o + 16, what),
            memsz: r.u32(o + 20, what),
          },
    );
  }
  return out;
}

export function readSectionHeaders(r: ElfBytes, h: ElfHeader): SectionHeader[] {
  const out: SectionHeader[] = [];
  if (h.shoff === 0) return out;
  for (let i = 0; i < h.shnum; i++) {
    const o = h.shoff + i * h.shentsize;
    const what = `section header ${i}`;
    out.push(
      h.is64
        ? {
            type: r.u32(o + 4, what),
            offset: r.size64(o + 24, what),
            size: r.size64(o + 32, what),
            link: r.u32(o + 40, what),
            entsize: r.size64(o + 56, what),
          }
        : {
            type: r.u32(o + 4, what),
            offset: r.u32(o + 16, what),
            size: r.u32(o + 20, what),
            link: r.u32(o + 24, what),
            entsize: r.u32(o + 36, what),
          },
    );
  }
  return out;
}

export interface ElfNote {
  owner: string;
  type: number;
  desc: Uint8Array;
}

/** Reads at most `limit` notes; more is an ElfFormatError (images carry a handful; this bounds the work). */
export function readNotes(r: ElfBytes, offset: number, size: number, limit: number): ElfNote[] {
  // Notes are { namesz, descsz, type, name (4-aligned), desc (4-aligned) }, the same layout in both classes.
  const notes: ElfNote[] = [];
  const align4 = (n: number): number => n + ((4 - (n % 4)) % 4);
  const decoder = new TextDecoder();
  let o = offset;
  const end = offset + size;
  while (o + 12 <= end) {
    if (notes.length === limit) throw new ElfFormatError(`more than ${limit} notes`);
    const namesz = r.u32(o, 'note namesz');
    const descsz = r.u32(o + 4, 'note descsz');
    const type = r.u32(o + 8, 'note type');
    const nameOff = o + 12;
    const descOff = nameOff + align4(namesz);
    if (descOff + descsz > end || descOff + descsz > r.bytes.length) {
      throw new ElfFormatError(`note at offset ${o} runs past its segment`);
    }
    // The name includes its NUL terminator.
    const nameBytes = r.bytes.subarray(nameOff, nameOff + Math.max(0, namesz - 1));
    notes.push({ owner: decoder.decode(nameBytes), type, desc: r.bytes.subarray(descOff, descOff + descsz) });
    o = descOff + align4(descsz);
  }
  return notes;
}

/** A symbol name longer than this is skipped (a corrupt or hostile string table, not a real symbol). */
export const MAX_SYMBOL_NAME = 1024;
/** Name bytes kept in all: a bound on memory whatever the image claims (a large kernel needs a few MiB). */
export const MAX_SYMBOL_BYTES = 32 << 20;

/**
 * Symbols of .symtab by name (st_value); the first definition of a name wins. Never throws: entries and names
 * outside the file, names without a NUL within MAX_SYMBOL_NAME bytes, and anything past MAX_SYMBOL_BYTES
 * of names are skipped.
 */
export function readSymbols(r: ElfBytes, h: ElfHeader, sections: SectionHeader[]): Map<string, bigint> {
  const symbols = new Map<string, bigint>();
  const decoder = new TextDecoder();
  const fileEnd = r.bytes.length;
  // gABI: Elf32_Sym is 16 bytes (st_value at 4), Elf64_Sym 24 (st_value at 8); a smaller sh_entsize is corrupt.
  const symSize = h.is64 ? 24 : 16;
  let budget = MAX_SYMBOL_BYTES;
  for (const s of sections) {
    if (s.type !== ShType.Symtab) continue;
    const strtab = sections[s.link];
    if (!strtab) continue;
    const entsize = Math.max(s.entsize, symSize);
    const tableEnd = Math.min(s.offset + s.size, fileEnd);
    const strEnd = Math.min(strtab.offset + strtab.size, fileEnd);
    for (let o = s.offset; o + symSize <= tableEnd; o += entsize) {
      const nameOff = r.u32(o, 'st_name');
      const start = strtab.offset + nameOff;
      if (nameOff === 0 || start >= strEnd) continue;
      const len = r.bytes.subarray(start, Math.min(start + MAX_SYMBOL_NAME + 1, strEnd)).indexOf(0);
      if (len <= 0 || len > budget) continue;
      const name = decoder.decode(r.bytes.subarray(start, start + len));
      if (symbols.has(name)) continue;
      budget -= len;
      symbols.set(name, h.is64 ? r.u64(o + 8, 'st_value') : BigInt(r.u32(o + 4, 'st_value')));
    }
  }
  return symbols;
}
