// The "newc" cpio archive the Linux initramfs unpacker reads (Documentation/driver-api/early-userspace/
// buffer-format.rst): per entry a 110-byte ASCII header "070701" + 13 fields of 8 hex digits, the name with
// its NUL, padding to 4 bytes, the data, padding to 4 bytes; the archive ends with the entry "TRAILER!!!".
// Every entry has uid/gid 0 and mtime 0, so the same inputs give the same bytes.

export type CpioEntry =
  | { kind: 'dir'; path: string }
  | { kind: 'file'; path: string; data: Uint8Array; executable: boolean }
  | { kind: 'symlink'; path: string; target: string };

const MAGIC = '070701';
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const TRAILER = 'TRAILER!!!';

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function mode(e: CpioEntry): number {
  if (e.kind === 'dir') return S_IFDIR | 0o755;
  if (e.kind === 'symlink') return S_IFLNK | 0o777;
  return S_IFREG | (e.executable ? 0o755 : 0o644);
}

function header(ino: number, fileMode: number, name: string, size: number): Buffer {
  // c_ino c_mode c_uid c_gid c_nlink c_mtime c_filesize c_devmajor c_devminor c_rdevmajor c_rdevminor c_namesize c_check
  const fields = [ino, fileMode, 0, 0, fileMode === S_IFDIR ? 2 : 1, 0, size, 0, 0, 0, 0, name.length + 1, 0];
  const nameBytes = Buffer.from(`${name}\0`, 'latin1');
  const head = Buffer.from(MAGIC + fields.map(hex8).join(''), 'latin1');
  return Buffer.concat([head, nameBytes, Buffer.alloc(pad4(head.length + nameBytes.length))]);
}

/** The archive of `entries` in the order given (a directory must come before what it holds). */
export function newcArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    const path = e.path.replace(/^\/+/, '');
    const data = e.kind === 'file' ? e.data : e.kind === 'symlink' ? Buffer.from(e.target, 'latin1') : new Uint8Array();
    parts.push(header(i + 1, mode(e), path, data.length), Buffer.from(data), Buffer.alloc(pad4(data.length)));
  });
  parts.push(header(0, 0, TRAILER, 0));
  return Buffer.concat(parts);
}
