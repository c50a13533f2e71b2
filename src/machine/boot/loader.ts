// PVH ELF loader: validates an image and copies its PT_LOAD segments to their physical addresses
// (Xen docs/misc/pvh.pandoc: the entry point is the XEN_ELFNOTE_PHYS32_ENTRY note, not e_entry).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { GuestImageError } from '../../abi/index.js';
import {
  ElfBytes,
  ElfFormatError,
  type ElfHeader,
  ElfMachine,
  type ElfNote,
  isElf,
  PhType,
  readHeader,
  readNotes,
  readProgramHeaders,
  readSectionHeaders,
  readSymbols,
  type SectionHeader,
  ShType,
} from './elf.js';
import { BOOT_DATA_END } from './low-memory.js';

/** xen/include/public/elfnote.h */
export const XEN_NOTE_OWNER = 'Xen';
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;

const MIB = 1024 * 1024;
/** How much of a non-ELF file is inspected to tell text from binary. */
const SNIFF_BYTES = 512;
/** Notes read in all, over every PT_NOTE segment and SHT_NOTE section (a PVH kernel carries about twenty). */
const MAX_NOTES = 4096;

export interface LoadedSegment {
  paddr: number;
  filesz: number;
  memsz: number;
}

export interface LoadedImage {
  /** PVH 32-bit entry point, physical. */
  entry: number;
  segments: LoadedSegment[];
  /** .symtab symbols by name, for the demo and tests; read on first use (a plain run never needs them). */
  readonly symbols: Map<string, bigint>;
  /** Highest loaded byte + 1 (physical). */
  end: number;
}

/**
 * Reads an image file of at most `maxBytes` (the guest's RAM: no loadable image can be larger). Anything but a
 * regular file (a device such as /dev/zero, a FIFO) and any read error become one GuestImageError sentence.
 */
export function readImage(path: string, maxBytes: number): Uint8Array {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below; files ignore the flag).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw imageFileError(path, err);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw imageFileError(path, Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
    if (!st.isFile()) {
      throw new GuestImageError(path, 'is not a regular file (a device, FIFO or socket); pass an ELF file');
    }
    if (st.size > maxBytes) {
      throw new GuestImageError(
        path,
        `is ${Math.ceil(st.size / MIB)} MiB, more than the ${Math.floor(maxBytes / MIB)} MiB of guest RAM it must fit in; raise --memory or strip it (objcopy --strip-debug)`,
      );
    }
    // Exactly the size fstat gave: a file that grows meanwhile cannot make this read more.
    const bytes = new Uint8Array(st.size);
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, bytes.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return bytes.subarray(0, got);
  } catch (err) {
    throw err instanceof GuestImageError ? err : imageFileError(path, err);
  } finally {
    closeSync(fd);
  }
}

function imageFileError(path: string, err: unknown): GuestImageError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new GuestImageError(path, 'no such file; check the path to the guest image');
  if (code === 'EISDIR') return new GuestImageError(path, 'is a directory, not a guest image; pass an ELF file');
  if (code === 'EACCES') return new GuestImageError(path, 'permission denied; make the file readable');
  return new GuestImageError(path, `cannot read the file (${code ?? String(err)}); check the path`);
}

function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, SNIFF_BYTES);
  // Printable ASCII, tab, CR, LF, and UTF-8 continuation bytes count as text.
  return head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 0x20 && b !== 0x7f));
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

function notesOf(r: ElfBytes, h: ElfHeader, sections: SectionHeader[]): ElfNote[] {
  const notes: ElfNote[] = [];
  const read = (offset: number, size: number): void => {
    notes.push(...readNotes(r, offset, size, MAX_NOTES - notes.length));
  };
  for (const ph of readProgramHeaders(r, h)) if (ph.type === PhType.Note) read(ph.offset, ph.filesz);
  // Images without PT_NOTE may still carry the note in a SHT_NOTE section (QEMU looks at both).
  if (notes.length === 0) for (const s of sections) if (s.type === ShType.Note) read(s.offset, s.size);
  return notes;
}

/** The PVH entry: a 4- or 8-byte desc (Linux emits .quad on x86-64); it must be a 32-bit physical address. */
function pvhEntry(path: string, notes: ElfNote[]): number {
  const note = notes.find((n) => n.owner === XEN_NOTE_OWNER && n.type === XEN_ELFNOTE_PHYS32_ENTRY);
  if (!note) {
    throw new GuestImageError(
      path,
      'not a PVH image: no XEN_ELFNOTE_PHYS32_ENTRY note; build with a PVH note (see guests/lib/pvh.S)',
    );
  }
  const view = new DataView(note.desc.buffer, note.desc.byteOffset, note.desc.byteLength);
  let entry: bigint;
  if (note.desc.length === 4) entry = BigInt(view.getUint32(0, true));
  else if (note.desc.length === 8) entry = view.getBigUint64(0, true);
  else throw new GuestImageError(path, `PVH entry note has a ${note.desc.length}-byte value; expected 4 or 8 bytes`);
  if (entry > 0xffffffffn)
    throw new GuestImageError(path, `PVH entry ${hex(entry)} is above 4 GiB; it must be a 32-bit physical address`);
  return Number(entry);
}

/** A validated image, not yet copied anywhere. */
export interface CheckedImage extends LoadedImage {
  /** File offset of each segment's bytes, parallel to `segments`. */
  fileOffsets: number[];
}

/**
 * Validates `image` for RAM of `ramSize` bytes at guest-physical `ramBase` without writing anything.
 * Throws GuestImageError(path, reason) with a sentence a user can act on for every rejected case.
 */
export function checkPvhElf(image: Uint8Array, path: string, ramSize: number, ramBase = 0n): CheckedImage {
  if (!isElf(image)) {
    const what = image.length === 0 ? 'an empty file' : looksLikeText(image) ? 'a text file' : 'not an ELF file';
    throw new GuestImageError(path, `${what}, not an ELF guest image; pass a PVH ELF such as guests/hello.elf`);
  }
  try {
    return checkElf(image, path, ramSize, ramBase);
  } catch (err) {
    if (err instanceof ElfFormatError) throw new GuestImageError(path, `malformed ELF: ${err.message}`);
    throw err;
  }
}

/** Validates `image` (see checkPvhElf) and copies its segments into `ram` (guest-physical `ramBase`..). */
export function loadPvhElf(image: Uint8Array, path: string, ram: Uint8Array, ramBase = 0n): LoadedImage {
  const checked = checkPvhElf(image, path, ram.length, ramBase);
  checked.segments.forEach((seg, i) => {
    const at = Number(BigInt(seg.paddr) - ramBase);
    const off = checked.fileOffsets[i]!;
    ram.set(image.subarray(off, off + seg.filesz), at);
    ram.fill(0, at + seg.filesz, at + seg.memsz);
  });
  return checked;
}

function checkElf(image: Uint8Array, path: string, ramSize: number, ramBase: bigint): CheckedImage {
  const r = new ElfBytes(image);
  const h = readHeader(r);
  if (h.machine !== ElfMachine.X86_64 && h.machine !== ElfMachine.I386) {
    throw new GuestImageError(path, `ELF for machine ${h.machine}, not x86 (EM_X86_64 or EM_386); build for x86`);
  }
  const sections = readSectionHeaders(r, h);
  const loads = readProgramHeaders(r, h).filter((p) => p.type === PhType.Load && p.memsz > 0);
  if (loads.length === 0) {
    throw new GuestImageError(path, 'no PT_LOAD segment: nothing to load; link it as an executable');
  }
  const entry = pvhEntry(path, notesOf(r, h, sections));

  const ramEnd = ramBase + BigInt(ramSize);
  const segments: LoadedSegment[] = [];
  const fileOffsets: number[] = [];
  let end = 0;
  for (const ph of loads) {
    if (ph.filesz > ph.memsz) {
      throw new GuestImageError(
        path,
        `segment at ${hex(ph.paddr)} has filesz ${ph.filesz} > memsz ${ph.memsz}; the ELF is corrupt`,
      );
    }
    if (ph.offset + ph.filesz > image.length) {
      throw new GuestImageError(path, `segment at ${hex(ph.paddr)} lies outside the file (truncated ELF)`);
    }
    const segEnd = ph.paddr + BigInt(ph.memsz);
    if (ph.paddr < ramBase || segEnd > ramEnd) {
      const needMiB = Math.ceil(Number(segEnd - ramBase) / MIB);
      throw new GuestImageError(
        path,
        `segment ${hex(ph.paddr)}..${hex(segEnd)} needs ${needMiB} MiB of RAM at ${hex(ramBase)}; run with --memory ${needMiB}M or more`,
      );
    }
    if (ph.paddr < BigInt(BOOT_DATA_END)) {
      throw new GuestImageError(
        path,
        `segment at ${hex(ph.paddr)} overlaps the boot data below ${hex(BOOT_DATA_END)}; link the image at 1 MiB or above`,
      );
    }
    segments.push({ paddr: Number(ph.paddr), filesz: ph.filesz, memsz: ph.memsz });
    fileOffsets.push(ph.offset);
    end = Math.max(end, Number(segEnd));
  }
  checkNoOverlap(path, segments);
  let symbols: Map<string, bigint> | undefined;
  return {
    entry,
    segments,
    get symbols() {
      symbols ??= readSymbols(r, h, sections);
      return symbols;
    },
    end,
    fileOffsets,
  };
}

/** gABI: loadable segments do not overlap; refusing overlaps also bounds the copying to the RAM size. */
function checkNoOverlap(path: string, segments: LoadedSegment[]): void {
  const sorted = [...segments].sort((a, b) => a.paddr - b.paddr);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const seg = sorted[i]!;
    if (seg.paddr < prev.paddr + prev.memsz) {
      throw new GuestImageError(
        path,
        `segments at ${hex(prev.paddr)} and ${hex(seg.paddr)} overlap in physical memory; the ELF is corrupt`,
      );
    }
  }
}
