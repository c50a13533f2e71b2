// The layout of guest-physical memory below 1 MiB: everything guestdbg itself writes there, in one place.
// PVH guests are linked at or above 1 MiB (guests/guest.ld), so these never overlap an image.

/** Flat boot GDT for the PVH entry state (null, code32, data, tss32): Firecracker's BOOT_GDT_OFFSET. */
export const BOOT_GDT_ADDR = 0x500;
/** struct hvm_start_info (56 bytes). */
export const START_INFO_ADDR = 0x6000;
/** hvm_memmap_table_entry[] (24 bytes each). */
export const MEMMAP_ADDR = 0x7000;
/** The NUL-terminated kernel command line. */
export const CMDLINE_ADDR = 0x20000;
/** Longest command line accepted, NUL included (Linux's COMMAND_LINE_SIZE on x86). */
export const CMDLINE_MAX_BYTES = 2048;
/** First byte past guestdbg's boot data: an image segment below this is rejected. */
export const BOOT_DATA_END = CMDLINE_ADDR + CMDLINE_MAX_BYTES;

/** Conventional memory ends where the EBDA starts (what QEMU/Firecracker give a PVH guest). */
export const EBDA_START = 0x9fc00;
/** 640 KiB..1 MiB: VGA hole and BIOS area, reported reserved. */
export const HIGH_MEMORY_START = 0x100000;

/** VMX needs three pages for its real-mode TSS and one for the identity map; KVM's usual spot, below 4 GiB. */
export const KVM_TSS_ADDR = 0xfffbd000n;
export const KVM_IDENTITY_MAP_ADDR = 0xfffbc000n;
