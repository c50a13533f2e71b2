// The architecture of src/, written once: which part may import which. `npm test` checks src/ against it
// (dependency-cruiser, type-only imports included); test/architecture/import-rules.test.ts proves each kind
// of rule fails on a tree that breaks it.

/** The layers, lowest first: each imports only from the layers before it. */
const LAYERS = [
  { name: 'abi', path: '^src/abi/', holds: 'KVM names and numbers, the Hypervisor/Vm/Vcpu contract' },
  { name: 'x86', path: '^src/x86/', holds: 'architecture facts' },
  { name: 'backends', path: '^src/backends/', holds: 'emu and kvm' },
  { name: 'entry', path: '^src/(index|open|kick)\\.ts$', holds: 'the package entry: open a backend, kick' },
  { name: 'machine', path: '^src/machine/', holds: 'a guest as a user sees it' },
  { name: 'debugger', path: '^src/debugger/', holds: 'the backend-neutral debugger core' },
  { name: 'gdbstub', path: '^src/gdbstub/', holds: 'the GDB Remote Serial Protocol' },
  { name: 'cli', path: '^src/cli/', holds: 'the guestdbg command' },
];
const ANY_LAYER = LAYERS.map((l) => l.path).join('|');

const EMU = '^src/backends/emu/';
/** The emu's leaf modules, which any part of it may import and which import nothing of it. */
const EMU_LEAVES = `${EMU}(signals|memory|debug-hooks|cpuid)\\.ts$`;
/** Inside the emu, lowest first (the files directly in emu/ assemble them into the KVM-shaped API). */
const EMU_PARTS = [
  { name: 'decode', may: ['decode'], holds: 'the opcode table and decoder, below everything' },
  { name: 'cpu', may: ['cpu', 'decode'], holds: 'state, MMU, delivery, the run loop; handed its handlers' },
  { name: 'exec', may: ['exec', 'cpu', 'decode'], holds: 'one file per instruction family' },
  { name: 'jit', may: ['jit', 'exec', 'cpu', 'decode'], holds: 'the region compiler' },
  { name: 'debug', may: ['debug', 'cpu', 'decode'], holds: 'the guest-debug unit, beside exec/ and jit/' },
  { name: 'irqchip', may: ['irqchip'], holds: 'PIC, IOAPIC, local APIC, PIT on the virtual clock; no CPU' },
];

const layerRules = LAYERS.slice(0, -1).map((layer, i) => {
  const below = LAYERS.slice(0, i).map((l) => l.name);
  const above = LAYERS.slice(i + 1).map((l) => l.path);
  return {
    name: `layer-${layer.name}`,
    comment: `${layer.name} (${layer.holds}) imports only ${below.join(', ') || 'itself'}`,
    severity: 'error',
    from: { path: layer.path },
    to: { path: above.join('|') },
  };
});

const emuRules = EMU_PARTS.map((part) => ({
  name: `emu-${part.name}`,
  comment: `emu ${part.name}/ (${part.holds}) imports of the emu only ${part.may.map((m) => `${m}/`).join(', ')} and the leaves`,
  severity: 'error',
  from: { path: `${EMU}${part.name}/` },
  to: { path: EMU, pathNot: `${EMU}(${part.may.join('|')})/|${EMU_LEAVES}` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycle anywhere in src/: every part sits above the parts it imports',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'no-unlayered',
      comment: 'every file of src/ belongs to a layer of LAYERS (a new folder is placed there first)',
      severity: 'error',
      from: { path: '^src/', pathNot: ANY_LAYER },
      to: {},
    },
    {
      name: 'no-unlayered-target',
      comment: 'every file of src/ belongs to a layer of LAYERS (a new folder is placed there first)',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: ANY_LAYER },
    },
    {
      name: 'src-stands-alone',
      comment: 'src/ imports nothing from test/, support/, bench/ or scripts/',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['local'], pathNot: '^src/' },
    },
    {
      name: 'backends-apart',
      comment: 'the emu and kvm backends never import each other',
      severity: 'error',
      from: { path: '^src/backends/(emu|kvm)/' },
      to: { path: '^src/backends/(emu|kvm)/', pathNot: '^src/backends/$1/' },
    },
    {
      name: 'koffi-in-kvm',
      comment: 'only the kvm backend calls into libc (koffi)',
      severity: 'error',
      from: { pathNot: '^src/backends/kvm/' },
      to: { path: 'node_modules/koffi/' },
    },
    ...emuRules,
    {
      name: 'emu-leaves',
      comment: 'the emu leaves (signals, memory, debug-hooks, cpuid) import nothing of the emu',
      severity: 'error',
      from: { path: EMU_LEAVES },
      to: { path: EMU },
    },
    {
      name: 'emu-config-once',
      comment: 'the emu configuration (config.ts, the environment) enters at one place: vcpu.ts',
      severity: 'error',
      from: { pathNot: `${EMU}vcpu\\.ts$` },
      to: { path: `${EMU}config\\.ts$` },
    },
    {
      name: 'resolvable',
      comment: 'every import resolves (an edge the checker cannot follow is an edge no rule sees)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
