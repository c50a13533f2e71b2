// The nested guest's initramfs: busybox, the KVM modules kvm-amd needs in load order, node with the
// libraries ldd names, and the built project (dist/, guests/, package.json, production node_modules).
// Uncompressed: the kernel unpacks it faster than it would inflate it, and QEMU loads it from the page cache.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type CpioEntry, newcArchive } from './cpio.js';
import type { DebianParts } from './debian.js';

/** Where the project sits inside the guest. */
export const GUEST_PROJECT = '/guestdbg';
/** The module whose dependencies are loaded first; depends= in each .ko's .modinfo gives the rest. */
const ROOT_MODULE = 'kvm-amd';
/** dist/ files the guest never reads. */
const SKIPPED_SUFFIXES = ['.map', '.d.ts'];

class Tree {
  readonly entries: CpioEntry[] = [];
  private readonly dirs = new Set<string>(['']);

  private dir(path: string): void {
    if (this.dirs.has(path)) return;
    this.dir(dirname(path) === '/' ? '' : dirname(path));
    this.dirs.add(path);
    this.entries.push({ kind: 'dir', path });
  }

  file(path: string, data: Uint8Array, executable = false): void {
    this.dir(dirname(path));
    this.entries.push({ kind: 'file', path, data, executable });
  }

  symlink(path: string, target: string): void {
    this.dir(dirname(path));
    this.entries.push({ kind: 'symlink', path, target });
  }

  hostFile(guestPath: string, hostPath: string): void {
    this.file(guestPath, readFileSync(hostPath), (statSync(hostPath).mode & 0o111) !== 0);
  }

  /** Every file under hostDir (sorted, symlinks followed), at guestDir. */
  hostTree(guestDir: string, hostDir: string, keep: (name: string) => boolean = () => true): void {
    for (const name of readdirSync(hostDir).sort()) {
      const p = join(hostDir, name);
      if (statSync(p).isDirectory()) this.hostTree(`${guestDir}/${name}`, p, keep);
      else if (keep(name)) this.hostFile(`${guestDir}/${name}`, p);
    }
  }
}

function moduleDepends(ko: Uint8Array): string[] {
  // .modinfo holds NUL-separated key=value strings; "depends=" lists the modules this one needs.
  const text = Buffer.from(ko).toString('latin1');
  const m = /\0depends=([^\0]*)\0/.exec(text);
  return m?.[1] ? m[1].split(',').filter((d) => d.length > 0) : [];
}

/** name -> .ko path for every module of the release. */
function moduleFiles(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.ko')) out.set(n.slice(0, -3).replace(/_/g, '-'), p);
    }
  };
  walk(root);
  return out;
}

/** The modules to insmod, dependencies first. */
export function moduleLoadOrder(parts: DebianParts): { name: string; path: string }[] {
  const files = moduleFiles(join(parts.kernel.root, 'lib', 'modules', parts.release, 'kernel'));
  const order: { name: string; path: string }[] = [];
  const visit = (name: string): void => {
    const key = name.replace(/_/g, '-');
    if (order.some((m) => m.name === key)) return;
    const path = files.get(key);
    if (!path) throw new Error(`module ${name} is not in ${parts.kernel.name} ${parts.kernel.version}`);
    for (const dep of moduleDepends(readFileSync(path))) visit(dep);
    order.push({ name: key, path });
  };
  visit(ROOT_MODULE);
  return order;
}

/** node and the shared objects ldd names for it (real files; their ldd names as symlinks). */
function addNode(tree: Tree): void {
  const node = realpathSync(process.execPath);
  tree.hostFile('/bin/node', node);
  const ldd = spawnSync('ldd', [node], { encoding: 'utf8' });
  if (ldd.status !== 0) throw new Error(`ldd ${node} failed: ${ldd.stderr.trim()}`);
  for (const line of ldd.stdout.split('\n')) {
    // "libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const m = /(\/\S+) \(0x/.exec(line);
    if (!m?.[1]) continue;
    const named = m[1];
    const real = realpathSync(named);
    tree.hostFile(real, real);
    if (real !== named) tree.symlink(named, real);
  }
}

/** Production dependencies of package.json, their dependencies and installed optional ones, sorted. */
function productionModules(projectRoot: string): string[] {
  const seen = new Set<string>();
  const visit = (pkgJson: string): void => {
    const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]) {
      const dir = join(projectRoot, 'node_modules', name);
      if (seen.has(name) || !existsSync(dir)) continue;
      seen.add(name);
      visit(join(dir, 'package.json'));
    }
  };
  visit(join(projectRoot, 'package.json'));
  return [...seen].sort();
}

export interface Initramfs {
  archive: Buffer;
  modules: string[];
}

/** `init` makes /init's text from the module names in load order. */
export function buildInitramfs(
  parts: DebianParts,
  projectRoot: string,
  init: (modules: readonly string[]) => string,
  extraFiles: ReadonlyMap<string, string> = new Map(),
): Initramfs {
  const tree = new Tree();
  const modules = moduleLoadOrder(parts);
  tree.hostFile('/bin/busybox', parts.busyboxBinary);
  tree.file('/init', Buffer.from(init(modules.map((m) => m.name))), true);
  for (const [guestPath, hostPath] of extraFiles) tree.hostFile(guestPath, hostPath);
  for (const m of modules) tree.hostFile(`/modules/${m.name}.ko`, m.path);
  addNode(tree);
  const keep = (name: string): boolean => !SKIPPED_SUFFIXES.some((s) => name.endsWith(s));
  tree.hostTree(`${GUEST_PROJECT}/dist`, join(projectRoot, 'dist'), keep);
  tree.hostTree(`${GUEST_PROJECT}/guests`, join(projectRoot, 'guests'));
  tree.hostFile(`${GUEST_PROJECT}/package.json`, join(projectRoot, 'package.json'));
  for (const name of productionModules(projectRoot))
    tree.hostTree(`${GUEST_PROJECT}/node_modules/${name}`, join(projectRoot, 'node_modules', name));
  return { archive: newcArchive(tree.entries), modules: modules.map((m) => m.name) };
}
