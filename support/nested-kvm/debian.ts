// Debian's kernel and busybox for the nested KVM guest: `apt-get download` into a cache outside the tree,
// `dpkg-deb -x` once per version. linux-image-amd64 is a metapackage; its one Depends is the versioned image.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const KERNEL_METAPACKAGE = 'linux-image-amd64';
export const BUSYBOX_PACKAGE = 'busybox-static';

export interface ExtractedPackage {
  name: string;
  version: string;
  /** Where dpkg-deb -x put its files. */
  root: string;
}

/** Debian's packages cannot be had here (no apt, no archive): the nested run is skipped with this message. */
export class Unavailable extends Error {}

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'guestdbg', 'debian');
}

function tool(cmd: string, args: readonly string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.error) throw new Unavailable(`${cmd} cannot run (${r.error.message}); the nested KVM run needs Debian's apt`);
  if (r.status !== 0) throw new Unavailable(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** The versioned image the metapackage depends on (e.g. linux-image-6.1.0-57-amd64). */
function kernelImagePackage(): string {
  const out = tool('apt-cache', ['depends', KERNEL_METAPACKAGE]);
  const m = /Depends: (linux-image-[^\s]+)/.exec(out);
  if (!m?.[1])
    throw new Unavailable(`apt-cache knows no ${KERNEL_METAPACKAGE}; run apt-get update with a Debian archive`);
  return m[1];
}

function candidateVersion(pkg: string): string {
  const m = /Candidate: (\S+)/.exec(tool('apt-cache', ['policy', pkg]));
  if (!m?.[1] || m[1] === '(none)') throw new Unavailable(`no candidate for ${pkg}; run apt-get update`);
  return m[1];
}

/** Downloads (unless cached) and extracts `pkg` at its candidate version. */
function fetchPackage(pkg: string): ExtractedPackage {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const version = candidateVersion(pkg);
  const safe = `${pkg}_${version.replace(/[^A-Za-z0-9.+~-]/g, '_')}`;
  const root = join(dir, safe);
  if (existsSync(root)) return { name: pkg, version, root };
  // apt-get download names the file pkg_version_arch.deb with the epoch's ':' written as %3a.
  const debOf = () => readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  for (const f of readdirSync(dir)) if (f.startsWith(`${pkg}_`) && f.endsWith('.deb')) rmSync(join(dir, f));
  tool('apt-get', ['download', `${pkg}=${version}`], dir);
  const deb = debOf();
  if (!deb) throw new Unavailable(`apt-get download ${pkg} left no .deb in ${dir}`);
  const tmp = `${root}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  tool('dpkg-deb', ['-x', join(dir, deb), tmp]);
  renameSync(tmp, root);
  rmSync(join(dir, deb));
  return { name: pkg, version, root };
}

export interface DebianParts {
  kernel: ExtractedPackage;
  busybox: ExtractedPackage;
  /** The kernel release, e.g. 6.1.0-57-amd64 (the name of its lib/modules directory). */
  release: string;
  vmlinuz: string;
  busyboxBinary: string;
}

export function fetchDebianParts(): DebianParts {
  const kernel = fetchPackage(kernelImagePackage());
  const busybox = fetchPackage(BUSYBOX_PACKAGE);
  const release = kernel.name.replace(/^linux-image-/, '');
  return {
    kernel,
    busybox,
    release,
    vmlinuz: join(kernel.root, 'boot', `vmlinuz-${release}`),
    busyboxBinary: join(busybox.root, 'bin', 'busybox'),
  };
}
