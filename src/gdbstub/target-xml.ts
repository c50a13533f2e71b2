// The target description gdb reads with qXfer:features:read:target.xml (GDB manual, "Target Descriptions").
// Generated from GDB_REGS so that the `g` packet layout and the XML can never disagree.
import { GDB_REGS, type GdbReg } from '../x86/gdb-regs.js';

const FEATURE_NAMES: Record<GdbReg['feature'], string> = {
  core: 'org.gnu.gdb.i386.core',
  sse: 'org.gnu.gdb.i386.sse',
  segments: 'org.gnu.gdb.i386.segments',
  sys: 'org.guestdbg.x86.sys',
};

const EFLAGS_FIELDS: [string, number][] = [
  ['CF', 0],
  ['', 1],
  ['PF', 2],
  ['AF', 4],
  ['ZF', 6],
  ['SF', 7],
  ['TF', 8],
  ['IF', 9],
  ['DF', 10],
  ['OF', 11],
  ['NT', 14],
  ['RF', 16],
  ['VM', 17],
  ['AC', 18],
  ['VIF', 19],
  ['VIP', 20],
  ['ID', 21],
];

/** Types a feature must define before its registers use them (gdb resolves types per feature). */
function typesFor(feature: GdbReg['feature']): string[] {
  if (feature === 'core') {
    return [
      '<flags id="i386_eflags" size="4">',
      ...EFLAGS_FIELDS.map(([n, b]) => `<field name="${n}" start="${b}" end="${b}"/>`),
      // IOPL is two bits wide (gdb shows it as IOPL=n, as with QEMU's description).
      '<field name="IOPL" start="12" end="13"/>',
      '</flags>',
    ];
  }
  if (feature === 'sse') {
    return [
      '<vector id="v8bf16" type="bfloat16" count="8"/>',
      '<vector id="v4f" type="ieee_single" count="4"/>',
      '<vector id="v2d" type="ieee_double" count="2"/>',
      '<vector id="v16i8" type="int8" count="16"/>',
      '<vector id="v8i16" type="int16" count="8"/>',
      '<vector id="v4i32" type="int32" count="4"/>',
      '<vector id="v2i64" type="int64" count="2"/>',
      '<union id="vec128">',
      '<field name="v8_bfloat16" type="v8bf16"/><field name="v4_float" type="v4f"/>',
      '<field name="v2_double" type="v2d"/><field name="v16_int8" type="v16i8"/>',
      '<field name="v8_int16" type="v8i16"/><field name="v4_int32" type="v4i32"/>',
      '<field name="v2_int64" type="v2i64"/><field name="uint128" type="uint128"/>',
      '</union>',
    ];
  }
  return [];
}

export function targetXml(): string {
  const out = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
    '<target version="1.0">',
    '<architecture>i386:x86-64</architecture>',
  ];
  let regnum = 0;
  for (const feature of ['core', 'sse', 'segments', 'sys'] as const) {
    out.push(`<feature name="${FEATURE_NAMES[feature]}">`, ...typesFor(feature));
    GDB_REGS.forEach((r, n) => {
      if (r.feature !== feature) return;
      const group = r.group ? ` group="${r.group}"` : '';
      out.push(`<reg name="${r.name}" bitsize="${r.bits}" type="${r.type}" regnum="${n}"${group}/>`);
      regnum++;
    });
    out.push('</feature>');
  }
  if (regnum !== GDB_REGS.length) throw new Error('target.xml lost a register');
  out.push('</target>');
  return out.join('\n');
}
