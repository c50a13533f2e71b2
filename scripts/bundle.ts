// Bundles the CLI into dist/bundle/cli/ (part of `npm run build`, after tsc): the `guestdbg` command then
// loads a handful of files instead of ~100 modules, which is most of its start-up time.
//
// Input is tsc's output (dist/src), so the bundle runs exactly the compiled code the tests load. Code
// splitting keeps what `run` does not need (the kvm backend, the gdb stub, caps, demo) in chunks that load
// only when a command imports them. The worker threads' entry points are entries of their own, written next
// to the chunks: `new URL('./watchdog-worker.js', import.meta.url)` finds them from whichever chunk holds
// the code that starts them. The bundle sits three directories down like dist/src/cli, so demo.ts finds
// guests/demo.elf from either. koffi (native) and iced-x86 (WebAssembly) load their own files from
// node_modules and stay outside; commander is bundled, and its require() calls of Node's modules get a
// real require (an ES module has none).

import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const OUT_DIR = 'dist/bundle/cli';

// Chunk names carry a content hash: start empty so no stale chunk stays behind.
rmSync(OUT_DIR, { recursive: true, force: true });
await build({
  entryPoints: [
    'dist/src/cli/main.js',
    'dist/src/machine/threads/watchdog-worker.js',
    'dist/src/machine/threads/vcpu-worker.js',
  ],
  outdir: OUT_DIR,
  entryNames: '[name]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['koffi', 'iced-x86'],
  banner: {
    js: "import { createRequire as bundleCreateRequire } from 'node:module'; const require = bundleCreateRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: 'warning',
});
