/**
 * Virtio definitions the hypervisor's drivers use, named after the virtio 1.2 specification
 * (OASIS, "Virtual I/O Device (VIRTIO) Version 1.2"); the section is next to each group. All
 * fields are little-endian: legacy devices use the guest's order, which on arm64 as Skiff runs
 * it is little-endian too.
 */
#ifndef SKIFF_VIRTIO_H
#define SKIFF_VIRTIO_H

#include <skiff/types.h>

/* Device Status field (§2.1): bits the driver sets, and two the device reports. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1U
#define VIRTIO_STATUS_DRIVER 2U
#define VIRTIO_STATUS_DRIVER_OK 4U
#define VIRTIO_STATUS_FEATURES_OK 8U
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64U
#define VIRTIO_STATUS_FAILED 128U

/* Reserved feature bits (§6). */
#define VIRTIO_F_VERSION_1 32 /* a modern (1.x) device; must be accepted, legacy lacks it */

/* Device IDs (§5). */
#define VIRTIO_ID_NONE 0 /* virtio-mmio: an empty transport slot (§4.2.2, DeviceID) */
#define VIRTIO_ID_BLOCK 2

/* ---- Virtio over MMIO (§4.2) ---- */

#define VIRTIO_MMIO_MAGIC 0x74726976U /* "virt", little-endian */

/* MMIO Device Register Layout (§4.2.2); legacy-only registers from §4.2.4. All 32 bits wide. */
#define VIRTIO_MMIO_MAGIC_VALUE 0x000
#define VIRTIO_MMIO_VERSION 0x004 /* 2 = modern; 1 = legacy (§4.2.4) */
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_GUEST_PAGE_SIZE 0x028 /* legacy */
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_ALIGN 0x03c /* legacy */
#define VIRTIO_MMIO_QUEUE_PFN 0x040   /* legacy: queue address / GuestPageSize, 0 = stopped */
#define VIRTIO_MMIO_QUEUE_READY 0x044 /* modern */
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080 /* modern: the three parts' addresses, 64 bits each */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc /* modern */
#define VIRTIO_MMIO_CONFIG 0x100            /* device-specific configuration space */

/* InterruptStatus / InterruptACK bits (§4.2.2). */
#define VIRTIO_MMIO_INT_VRING 1U  /* used buffer notification */
#define VIRTIO_MMIO_INT_CONFIG 2U /* configuration change (also: device needs reset, §2.1.2) */

/* ---- Block device (§5.2) ---- */

/* Feature bits (§5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1 /* size_max: largest single segment */
#define VIRTIO_BLK_F_RO 5       /* read-only device */
#define VIRTIO_BLK_F_BLK_SIZE 6 /* blk_size: the logical block size */

/* Device configuration layout (§5.2.4): byte offsets in the configuration space. */
#define VIRTIO_BLK_CFG_CAPACITY 0  /* le64, in 512-byte sectors whatever blk_size says */
#define VIRTIO_BLK_CFG_SIZE_MAX 8  /* le32 */
#define VIRTIO_BLK_CFG_BLK_SIZE 20 /* le32 */

/* Request types and status values (§5.2.6). */
#define VIRTIO_BLK_T_IN 0  /* read */
#define VIRTIO_BLK_T_OUT 1 /* write */
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

/**
 * The request header the device reads first (§5.2.6, struct virtio_blk_req up to the data); the
 * data buffer follows in its own descriptor, then one status byte the device writes.
 */
struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

#endif
