// /init of the nested guest (busybox sh): mount the pseudo file systems, load the KVM modules, run one
// command in the project directory with its output on the serial console, then reset (QEMU runs with
// -no-reboot, so a reset ends it). The host reads the markers below from the serial output.
import { GUEST_PROJECT } from './initramfs.js';

export const MARK_READY = 'GUESTDBG-NESTED-READY';
export const MARK_STATUS = 'GUESTDBG-NESTED-STATUS';

/** Shell-quoted, for the few fixed words the script is built from. */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The kvm test files in one node process, with the TAP reporter. */
export function testCommand(testFiles: readonly string[]): string {
  return `node --test-reporter=tap dist/support/nested-kvm/guest-entry.js ${testFiles.map(q).join(' ')}`;
}

export function initScript(modules: readonly string[], command: string): string {
  return `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
export PATH=/bin HOME=/tmp TMPDIR=/tmp
for m in ${modules.map(q).join(' ')}; do
  insmod /modules/$m.ko || echo "${MARK_STATUS} insmod-$m-failed"
done
echo "${MARK_READY} $(cut -d' ' -f1 /proc/uptime) $(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null)"
cd ${q(GUEST_PROJECT)}
${command}
echo "${MARK_STATUS} $?"
reboot -f
`;
}
