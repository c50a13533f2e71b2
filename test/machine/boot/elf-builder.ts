// Builds small ELF images byte by byte for loader and CLI tests (no toolchain needed).
import { ElfClass, ElfMachine, PhType } from '../../../src/machine/boot/elf.js';
import { XEN_ELFNOTE_PHYS32_ENTRY, XEN_NOTE_OWNER } from '../../../src/machine/boot/loader.js';

export interface TestSegment {
  paddr: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  memsz?: number;
  /** Overrides p_filesz (to make corrupt images). */
  filesz?: number;
}

export interface TestElf {
  cls: 32 | 64;
  machine?: number;
  segments: TestSegment[];
  /** PVH entry written as a Xen note; omitted = no note. */
  pvhEntry?: number;
  /** 4 or 8 (Linux writes 8 on x86-64). */
  pvhDescBytes?: 4 | 8;
  /** Sections after the null one (index 1..), with a section header table at the end of the file. */
  sections?: TestSection[];
}

export interface TestSection {
  type: number;
  data: Uint8Array;
  /** sh_link: for SHT_SYMTAB, the index of its string table. */
  link?: number;
  entsize?: number;
}

const SHDR = { 32: 40, 64: 64 } as const;

/** A .symtab whose entries' st_name are `nameOffsets` (st_value = the index), for the given class. */
export function symtab(cls: 32 | 64, nameOffsets: number[]): Uint8Array {
  const size = cls === 64 ? 24 : 16;
  const out = new Uint8Array(size * nameOffsets.length);
  const v = new DataView(out.buffer);
  nameOffsets.forEach((name, i) => {
    v.setUint32(i * size, name, true);
    if (cls === 64) v.setBigUint64(i * size + 8, BigInt(i), true);
    else v.setUint32(i * size + 4, i, true);
  });
  return out;
}

const EHDR = { 32: 52, 64: 64 } as const;
const PHDR = { 32: 32, 64: 56 } as const;

function note(entry: number, descBytes: 4 | 8): Uint8Array {
  const name = new TextEncoder().encode(`${XEN_NOTE_OWNER}\0`);
  const nameAligned = (name.length + 3) & ~3;
  const buf = new Uint8Array(12 + nameAligned + descBytes);
  const v = new DataView(buf.buffer);
  v.setUint32(0, name.length, true);
  v.setUint32(4, descBytes, true);
  v.setUint32(8, XEN_ELFNOTE_PHYS32_ENTRY, true);
  buf.set(name, 12);
  if (descBytes === 4) v.setUint32(12 + nameAligned, entry, true);
  else v.setBigUint64(12 + nameAligned, BigInt(entry), true);
  return buf;
}

export function buildElf(spec: TestElf): Uint8Array {
  const is64 = spec.cls === 64;
  const notes = spec.pvhEntry === undefined ? undefined : note(spec.pvhEntry, spec.pvhDescBytes ?? 4);
  const phnum = spec.segments.length + (notes ? 1 : 0);
  const ehsize = EHDR[spec.cls];
  const phentsize = PHDR[spec.cls];
  let off = ehsize + phnum * phentsize;
  const noteOff = off;
  off += notes?.length ?? 0;
  const dataOffs = spec.segments.map((s) => {
    const o = off;
    off += s.data.length;
    return o;
  });
  const sectionOffs = (spec.sections ?? []).map((sec) => {
    const o = off;
    off += sec.data.length;
    return o;
  });
  const shnum = spec.sections ? spec.sections.length + 1 : 0;
  const shoff = off;
  off += shnum * SHDR[spec.cls];
  const out = new Uint8Array(off);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? ElfClass.Elf64 : ElfClass.Elf32, 1, 1], 0);
  const machine = spec.machine ?? (is64 ? ElfMachine.X86_64 : ElfMachine.I386);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, machine, true);
  v.setUint32(20, 1, true); // EV_CURRENT
  if (is64) {
    v.setBigUint64(24, BigInt(spec.segments[0]?.paddr ?? 0), true);
    v.setBigUint64(32, BigInt(ehsize), true);
    v.setUint16(52, ehsize, true);
    v.setUint16(54, phentsize, true);
    v.setUint16(56, phnum, true);
  } else {
    v.setUint32(24, spec.segments[0]?.paddr ?? 0, true);
    v.setUint32(28, ehsize, true);
    v.setUint16(40, ehsize, true);
    v.setUint16(42, phentsize, true);
    v.setUint16(44, phnum, true);
  }
  const phdrs: { type: number; offset: number; paddr: number; filesz: number; memsz: number }[] = [];
  if (notes) phdrs.push({ type: PhType.Note, offset: noteOff, paddr: 0, filesz: notes.length, memsz: 0 });
  spec.segments.forEach((s, i) => {
    phdrs.push({
      type: PhType.Load,
      offset: dataOffs[i]!,
      paddr: s.paddr,
      filesz: s.filesz ?? s.data.length,
      memsz: s.memsz ?? s.data.length,
    });
  });
  phdrs.forEach((p, i) => {
    const o = ehsize + i * phentsize;
    v.setUint32(o, p.type, true);
    if (is64) {
      v.setBigUint64(o + 8, BigInt(p.offset), true);
      v.setBigUint64(o + 16, BigInt(p.paddr), true);
      v.setBigUint64(o + 24, BigInt(p.paddr), true);
      v.setBigUint64(o + 32, BigInt(p.filesz), true);
      v.setBigUint64(o + 40, BigInt(p.memsz), true);
    } else {
      v.setUint32(o + 4, p.offset, true);
      v.setUint32(o + 8, p.paddr, true);
      v.setUint32(o + 12, p.paddr, true);
      v.setUint32(o + 16, p.filesz, true);
      v.setUint32(o + 20, p.memsz, true);
    }
  });
  if (notes) out.set(notes, noteOff);
  (spec.sections ?? []).forEach((sec, i) => {
    out.set(sec.data, sectionOffs[i]!);
    const o = shoff + (i + 1) * SHDR[spec.cls];
    v.setUint32(o + 4, sec.type, true);
    if (is64) {
      v.setBigUint64(o + 24, BigInt(sectionOffs[i]!), true);
      v.setBigUint64(o + 32, BigInt(sec.data.length), true);
      v.setUint32(o + 40, sec.link ?? 0, true);
      v.setBigUint64(o + 56, BigInt(sec.entsize ?? 0), true);
    } else {
      v.setUint32(o + 16, sectionOffs[i]!, true);
      v.setUint32(o + 20, sec.data.length, true);
      v.setUint32(o + 24, sec.link ?? 0, true);
      v.setUint32(o + 36, sec.entsize ?? 0, true);
    }
  });
  if (shnum > 0) {
    if (is64) {
      v.setBigUint64(40, BigInt(shoff), true);
      v.setUint16(58, SHDR[64], true);
      v.setUint16(60, shnum, true);
    } else {
      v.setUint32(32, shoff, true);
      v.setUint16(46, SHDR[32], true);
      v.setUint16(48, shnum, true);
    }
  }
  spec.segments.forEach((s, i) => {
    out.set(s.data, dataOffs[i]!);
  });
  return out;
}
