/**
 * Reads the platform description from a flattened device tree with libfdt (Devicetree
 * Specification v0.4, and the Linux bindings for the GIC, arch timer, PSCI and /chosen modules).
 * The DTB is input from outside: every property length is checked before use, and the first
 * problem found is returned as a sentence naming what is wrong.
 */
#include <libfdt.h>
#include <skiff/console.h>
#include <skiff/platform.h>
#include <skiff/string.h>

/* Cell counts of a node's children: #address-cells and #size-cells (DT spec 2.3.5). */
struct cells {
	int addr;
	int size;
};

static char errbuf[128];

static const char *fail(const char *fmt, const char *arg, int err)
{
	snprintf(errbuf, sizeof(errbuf), fmt, arg, err < 0 ? fdt_strerror(err) : "");
	return errbuf;
}

static struct cells node_cells(const void *fdt, int node)
{
	struct cells c = { 2, 1 }; /* DT spec defaults */
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, "#address-cells", &len);

	if (p && len == 4)
		c.addr = (int)fdt32_ld(p);
	p = fdt_getprop(fdt, node, "#size-cells", &len);
	if (p && len == 4)
		c.size = (int)fdt32_ld(p);
	return c;
}

/* Cell counts a 64-bit address or size fits in (hostile DTBs give anything). */
static bool cells_sane(struct cells c)
{
	return c.addr >= 1 && c.addr <= 2 && c.size >= 0 && c.size <= 2;
}

static uint64_t read_cells(const fdt32_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 32) | fdt32_ld(p + i);
	return v;
}

/*
 * One walk over the tree records the first node carrying each compatible string we look for and
 * every memory node: libfdt's by-compatible search walks the whole tree per call, and boot time
 * is measured in instructions.
 */
static const char *const known_compatible[] = {
	"arm,gic-v3",      "arm,gic-400",     "arm,cortex-a15-gic",   "arm,cortex-a9-gic",
	"arm,armv8-timer", "arm,armv7-timer", "arm,psci-1.0",         "arm,psci-0.2",
	"arm,psci",        "arm,pl011",       "brcm,bcm2836-l1-intc", "brcm,bcm2836-armctrl-ic",
};

#define SCAN_MAX_NODES 1024

struct scan {
	int node_of[ARRAY_SIZE(known_compatible)];
	int mem[PLATFORM_MAX_RAM + 1];
	unsigned nmem;
	int virtio[PLATFORM_MAX_VIRTIO]; /* every "virtio,mmio" node, in tree order */
	unsigned nvirtio;
	/* Every node's offset (ascending) and its parent's: fdt_parent_offset rescans the tree. */
	unsigned nnodes;
	int off[SCAN_MAX_NODES];
	int parent[SCAN_MAX_NODES];
};

/*
 * The offset of "/<name>", a child of the root, from the scan: fdt_path_offset walks every
 * sibling before it (~150 k instructions on QEMU's DTB, whose root has dozens of children).
 * Deeper paths and aliases fall back to libfdt.
 */
static int root_child(const void *fdt, const struct scan *sc, const char *path, int len)
{
	if (len < 2 || path[0] != '/' || memchr(path + 1, '/', (size_t)len - 1))
		return fdt_path_offset_namelen(fdt, path, len);
	for (unsigned i = 0; i < sc->nnodes; i++) {
		int nlen;
		const char *name;
		if (sc->parent[i] != 0)
			continue;
		name = fdt_get_name(fdt, sc->off[i], &nlen);
		if (name && nlen == len - 1 && memcmp(name, path + 1, (size_t)nlen) == 0)
			return sc->off[i];
	}
	return -FDT_ERR_NOTFOUND;
}

static int parent_of(const struct scan *sc, int node)
{
	unsigned lo = 0, hi = sc->nnodes;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (sc->off[mid] < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sc->nnodes && sc->off[lo] == node ? sc->parent[lo] : -FDT_ERR_NOTFOUND;
}

static void scan_compatible(struct scan *sc, const char *list, int len, int node)
{
	for (int off = 0; off < len;) {
		const char *c = list + off;
		size_t n = strnlen(c, (size_t)(len - off));
		for (size_t i = 0; i < ARRAY_SIZE(known_compatible); i++)
			if (sc->node_of[i] < 0 && strcmp(known_compatible[i], c) == 0)
				sc->node_of[i] = node;
		off += (int)n + 1;
	}
}

static const char *scan_tree(struct scan *sc, const void *fdt)
{
	int node = 0, depth = 0, len, stack[16] = { -1 };

	for (size_t i = 0; i < ARRAY_SIZE(sc->node_of); i++)
		sc->node_of[i] = -FDT_ERR_NOTFOUND;
	sc->nmem = sc->nnodes = sc->nvirtio = 0;
	/* fdt_next_node leaves depth < 0 after the root's end; a negative offset is an error. */
	for (; node >= 0 && depth >= 0; node = fdt_next_node(fdt, node, &depth)) {
		const char *v;
		if (depth >= (int)ARRAY_SIZE(stack) - 1 || sc->nnodes == SCAN_MAX_NODES)
			return "DTB is too deep or has too many nodes";
		stack[depth + 1] = node;
		sc->off[sc->nnodes] = node;
		sc->parent[sc->nnodes++] = stack[depth];
		v = fdt_getprop(fdt, node, "compatible", &len);
		if (v && len > 0)
			scan_compatible(sc, v, len, node);
		if (v && len > 0 && sc->nvirtio < PLATFORM_MAX_VIRTIO &&
		    fdt_stringlist_contains(v, len, "virtio,mmio"))
			sc->virtio[sc->nvirtio++] = node;
		v = fdt_getprop(fdt, node, "device_type", &len);
		if (v && len == sizeof("memory") && memcmp(v, "memory", sizeof("memory")) == 0) {
			if (sc->nmem == ARRAY_SIZE(sc->mem))
				return "DTB has too many memory nodes";
			sc->mem[sc->nmem++] = node;
		}
	}
	return node >= 0 || node == -FDT_ERR_NOTFOUND ? NULL : "DTB structure ends unexpectedly";
}

static int find_compatible(const struct scan *sc, const char *const *list)
{
	for (; *list; list++)
		for (size_t i = 0; i < ARRAY_SIZE(known_compatible); i++)
			if (sc->node_of[i] >= 0 && strcmp(known_compatible[i], *list) == 0)
				return sc->node_of[i];
	return -FDT_ERR_NOTFOUND;
}

/*
 * Cell counts for @node's children, looked up through its ancestors when it has none, as Linux
 * does (of_n_addr_cells): QEMU's guest-loader writes /chosen/module reg with the root's counts
 * and gives /chosen none of its own.
 */
static struct cells inherited_cells(const void *fdt, const struct scan *sc, int node)
{
	struct cells c = { -1, -1 };
	int len;

	for (int n = node; n >= 0 && (c.addr < 0 || c.size < 0); n = parent_of(sc, n)) {
		const fdt32_t *a = fdt_getprop(fdt, n, "#address-cells", &len);
		if (c.addr < 0 && a && len == 4)
			c.addr = (int)fdt32_ld(a);
		a = fdt_getprop(fdt, n, "#size-cells", &len);
		if (c.size < 0 && a && len == 4)
			c.size = (int)fdt32_ld(a);
		if (n == 0)
			break;
	}
	return (struct cells){ c.addr < 0 ? 2 : c.addr, c.size < 0 ? 1 : c.size };
}

/** Translates a bus address of @node's children up to the root through "ranges" (DT spec 2.3.8). */
static bool translate(const void *fdt, const struct scan *sc, int node, uint64_t *addr)
{
	for (int bus = node; bus > 0; bus = parent_of(sc, bus)) {
		int parent = parent_of(sc, bus), len;
		const fdt32_t *r = fdt_getprop(fdt, bus, "ranges", &len);
		struct cells c = node_cells(fdt, bus), pc;
		int entry;
		bool hit = false;

		if (parent < 0)
			return false;
		if (!r)
			return false; /* no ranges: not translatable */
		pc = node_cells(fdt, parent);
		if (!cells_sane(c) || !cells_sane(pc))
			return false;
		entry = (c.addr + pc.addr + c.size) * 4;
		if (len == 0 || entry == 0)
			continue; /* identity */
		for (int off = 0; off + entry <= len && !hit; off += entry) {
			const fdt32_t *e = r + off / 4;
			uint64_t child = read_cells(e, c.addr);
			uint64_t par = read_cells(e + c.addr, pc.addr);
			uint64_t size = read_cells(e + c.addr + pc.addr, c.size);
			if (*addr >= child && *addr - child < size) {
				*addr = *addr - child + par;
				hit = true;
			}
		}
		if (!hit)
			return false;
	}
	return true;
}

/* Reads entry @idx of @node's "reg" as written (a bus address of @node's parent). */
static bool reg_raw(const void *fdt, const struct scan *sc, int node, int idx, uint64_t *base,
		    uint64_t *size)
{
	int parent = parent_of(sc, node), len;
	struct cells c;
	const fdt32_t *reg;
	int entry;

	if (parent < 0)
		return false;
	c = inherited_cells(fdt, sc, parent);
	if (!cells_sane(c))
		return false;
	reg = fdt_getprop(fdt, node, "reg", &len);
	entry = (c.addr + c.size) * 4;
	if (!reg || len < 0 || (idx + 1) * entry > len)
		return false;
	*base = read_cells(reg + idx * (entry / 4), c.addr);
	*size = c.size ? read_cells(reg + idx * (entry / 4) + c.addr, c.size) : 0;
	return true;
}

/** Reads entry @idx of @node's "reg" in CPU physical addresses. */
static bool reg_at(const void *fdt, const struct scan *sc, int node, int idx, uint64_t *base,
		   uint64_t *size)
{
	return reg_raw(fdt, sc, node, idx, base, size) &&
	       translate(fdt, sc, parent_of(sc, node), base);
}

static void copy_str(char *dst, size_t size, const void *fdt, int node, const char *prop)
{
	int len;
	const char *s = fdt_getprop(fdt, node, prop, &len);

	dst[0] = '\0';
	if (s && len > 0)
		snprintf(dst, size, "%.*s", (int)strnlen(s, (size_t)len), s);
}

static const char *parse_memory(struct platform *p, const void *fdt, const struct scan *sc)
{
	uint64_t base, size;

	for (unsigned m = 0; m < sc->nmem; m++) {
		for (int i = 0; reg_at(fdt, sc, sc->mem[m], i, &base, &size); i++) {
			if (!size)
				continue;
			if (p->nram == PLATFORM_MAX_RAM)
				return "DTB lists more than 8 memory ranges";
			if (base + size < base)
				return "DTB memory range wraps around the address space";
			p->ram[p->nram++] =
				(struct pa_range){ pa_init(base), pa_init(base + size) };
		}
	}
	return p->nram ? NULL : "DTB has no memory node with a usable \"reg\"";
}

static const char *add_reserved(struct platform *p, uint64_t base, uint64_t size)
{
	if (!size)
		return NULL;
	if (p->nreserved == PLATFORM_MAX_RESERVED)
		return "DTB reserves more than 16 memory ranges";
	if (base + size < base)
		return "DTB reserved range wraps around the address space";
	p->reserved[p->nreserved++] = (struct pa_range){ pa_init(base), pa_init(base + size) };
	return NULL;
}

/* /memreserve/ entries and /reserved-memory children (DT spec 3.5 and 5.3). */
static const char *parse_reserved(struct platform *p, const void *fdt, const struct scan *sc)
{
	const char *err = NULL;
	uint64_t base, size;
	int rm, child;

	for (int i = 0; i < fdt_num_mem_rsv(fdt) && !err; i++)
		if (fdt_get_mem_rsv(fdt, i, &base, &size) == 0)
			err = add_reserved(p, base, size);
	rm = root_child(fdt, sc, "/reserved-memory", (int)sizeof("/reserved-memory") - 1);
	if (rm >= 0)
		fdt_for_each_subnode(child, fdt, rm)
			for (int i = 0; !err && reg_at(fdt, sc, child, i, &base, &size); i++)
				err = add_reserved(p, base, size);
	return err;
}

/* The console UART: /chosen/stdout-path (an alias or a path, options after ':'), else any PL011. */
static int stdout_node(const void *fdt, const struct scan *sc)
{
	static const char *const uarts[] = { "arm,pl011", NULL };
	int chosen = root_child(fdt, sc, "/chosen", (int)sizeof("/chosen") - 1), len, node;
	const char *path = chosen >= 0 ? fdt_getprop(fdt, chosen, "stdout-path", &len) : NULL;

	if (path && len > 0) {
		const char *colon = memchr(path, ':', (size_t)len);
		int n = (int)(colon ? colon - path : (int)strnlen(path, (size_t)len));
		node = root_child(fdt, sc, path, n);
		if (node >= 0)
			return node;
	}
	return find_compatible(sc, uarts);
}

static const char *parse_uart(struct platform *p, const void *fdt, const struct scan *sc)
{
	int node = stdout_node(fdt, sc);

	if (node < 0)
		return "DTB names no console UART (no /chosen/stdout-path and no PL011)";
	if (!reg_at(fdt, sc, node, 0, &p->uart.base.pa, &p->uart.size))
		return "console UART node has no usable \"reg\"";
	copy_str(p->uart.compatible, sizeof(p->uart.compatible), fdt, node, "compatible");
	return NULL;
}

/** GIC interrupt specifier (type, number, flags) to an INTID (GIC binding: 0 = SPI, 1 = PPI). */
static uint32_t gic_intid(const fdt32_t *spec)
{
	uint32_t type = fdt32_ld(spec), num = fdt32_ld(spec + 1);

	return type == 1 ? num + 16 : num + 32;
}

/* No GIC: the Raspberry Pi 2/3's per-core local controller (binding brcm,bcm2836-l1-intc). */
static const char *parse_bcm2836(struct platform *p, const void *fdt, const struct scan *sc)
{
	static const char *const l1[] = { "brcm,bcm2836-l1-intc", NULL };
	static const char *const armctrl[] = { "brcm,bcm2836-armctrl-ic", NULL };
	int node = find_compatible(sc, l1);
	uint64_t unused;

	p->gic.kind = node < 0 ? IRQCHIP_NONE : IRQCHIP_BCM2836;
	if (node >= 0 && !reg_at(fdt, sc, node, 0, &p->gic.dist.pa, &p->gic.dist_size))
		return "BCM2836 local interrupt controller node has no usable \"reg\"";
	/* The peripherals' controller behind it (the local controller's GPU input), if listed. */
	node = node >= 0 ? find_compatible(sc, armctrl) : node;
	if (node >= 0 && !reg_at(fdt, sc, node, 0, &p->gic.cpuif.pa, &unused))
		return "BCM2835 interrupt controller node has no usable \"reg\"";
	return NULL;
}

static const char *parse_gic(struct platform *p, const void *fdt, const struct scan *sc)
{
	static const char *const v3[] = { "arm,gic-v3", NULL };
	static const char *const v2[] = { "arm,gic-400", "arm,cortex-a15-gic", "arm,cortex-a9-gic",
					  NULL };
	struct platform_gic *g = &p->gic;
	int node = find_compatible(sc, v3), len;
	uint64_t unused;
	const fdt32_t *irq;

	g->kind = IRQCHIP_GICV3;
	if (node < 0) {
		node = find_compatible(sc, v2);
		g->kind = IRQCHIP_GICV2;
	}
	if (node < 0)
		return parse_bcm2836(p, fdt, sc);
	if (!reg_at(fdt, sc, node, 0, &g->dist.pa, &g->dist_size))
		return "GIC node has no distributor \"reg\"";
	if (g->kind == IRQCHIP_GICV3) {
		if (!reg_at(fdt, sc, node, 1, &g->redist.pa, &g->redist_size))
			return "GICv3 node has no redistributor \"reg\"";
	} else {
		if (!reg_at(fdt, sc, node, 1, &g->cpuif.pa, &unused))
			return "GICv2 node has no CPU-interface \"reg\"";
		reg_at(fdt, sc, node, 2, &g->hyp.pa, &unused);
		reg_at(fdt, sc, node, 3, &g->vcpu.pa, &unused);
	}
	irq = fdt_getprop(fdt, node, "interrupts", &len);
	if (irq && len >= 12)
		g->maint_intid = gic_intid(irq);
	return NULL;
}

/* The console UART's receive interrupt, when it is wired to a GIC (so root can sleep on input). */
static void parse_uart_irq(struct platform *p, const void *fdt, const struct scan *sc)
{
	int node = stdout_node(fdt, sc), len;
	const fdt32_t *irq = node >= 0 ? fdt_getprop(fdt, node, "interrupts", &len) : NULL;

	if (irq && len >= 12 && (p->gic.kind == IRQCHIP_GICV2 || p->gic.kind == IRQCHIP_GICV3))
		p->uart.intid = gic_intid(irq);
	/* BCM2835 <bank number> (binding brcm,bcm2835-armctrl-ic), numbered 32 + bank * 32 + n. */
	if (irq && len >= 8 && p->gic.kind == IRQCHIP_BCM2836 && pa_addr(p->gic.cpuif) &&
	    fdt32_ld(irq) <= 2 && fdt32_ld(irq + 1) < 32)
		p->uart.intid = 32 + fdt32_ld(irq) * 32 + fdt32_ld(irq + 1);
}

/*
 * One "interrupts" entry in the controller's own numbering: GIC <type number flags> (3 cells),
 * BCM2836 local controller <number flags> (2 cells, the number used as is).
 */
static uint32_t irq_number(enum irqchip_kind kind, const fdt32_t *spec)
{
	return kind == IRQCHIP_BCM2836 ? fdt32_ld(spec) : gic_intid(spec);
}

/* arm,armv8-timer "interrupts": secure phys, non-secure phys, virtual, hyp phys (timer binding). */
static const char *parse_timer(struct platform *p, const void *fdt, const struct scan *sc)
{
	static const char *const t[] = { "arm,armv8-timer", "arm,armv7-timer", NULL };
	int node = find_compatible(sc, t), len, cells;
	enum irqchip_kind kind = p->gic.kind;
	const fdt32_t *irq;

	if (node < 0)
		return "DTB has no arm,armv8-timer node";
	irq = fdt_getprop(fdt, node, "interrupts", &len);
	if (kind == IRQCHIP_NONE)
		return NULL; /* interrupts are specified for a controller we do not know */
	cells = kind == IRQCHIP_BCM2836 ? 2 : 3;
	if (!irq || len < 4 * cells * 4)
		return "timer node's \"interrupts\" lists fewer than 4 interrupts";
	p->timer.sec_phys = irq_number(kind, irq);
	p->timer.phys = irq_number(kind, irq + cells);
	p->timer.virt = irq_number(kind, irq + 2 * cells);
	p->timer.hyp_phys = irq_number(kind, irq + 3 * cells);
	return NULL;
}

static void parse_psci(struct platform *p, const void *fdt, const struct scan *sc)
{
	static const char *const psci[] = { "arm,psci-1.0", "arm,psci-0.2", "arm,psci", NULL };
	int node = find_compatible(sc, psci), len;
	const char *m = node >= 0 ? fdt_getprop(fdt, node, "method", &len) : NULL;

	p->psci = FW_CONDUIT_NONE;
	if (m && len >= 4 && strncmp(m, "smc", 4) == 0)
		p->psci = FW_CONDUIT_SMC;
	else if (m && len >= 4 && strncmp(m, "hvc", 4) == 0)
		p->psci = FW_CONDUIT_HVC;
}

/*
 * A CPU the firmware holds on a spin table (Linux's arm64 "spin-table" enable-method binding):
 * it waits for a start address at cpu-release-addr (a 64-bit value, in one or two cells).
 */
static uint64_t spin_table_release(const void *fdt, int node)
{
	int len;
	const char *method = fdt_getprop(fdt, node, "enable-method", &len);
	const fdt32_t *addr;

	if (!method || len != sizeof("spin-table") || memcmp(method, "spin-table", (size_t)len))
		return 0;
	addr = fdt_getprop(fdt, node, "cpu-release-addr", &len);
	return addr && (len == 4 || len == 8) ? read_cells(addr, len / 4) : 0;
}

static const char *parse_cpus(struct platform *p, const void *fdt, const struct scan *sc)
{
	int cpus = root_child(fdt, sc, "/cpus", (int)sizeof("/cpus") - 1), node, len;

	if (cpus < 0)
		return "DTB has no /cpus node";
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *type = fdt_getprop(fdt, node, "device_type", &len);
		struct cells c = node_cells(fdt, cpus);
		const fdt32_t *reg;

		if (!type || len != 4 || memcmp(type, "cpu", 4) != 0)
			continue;
		reg = fdt_getprop(fdt, node, "reg", &len);
		if (!reg || c.addr < 1 || c.addr > 2 || len < c.addr * 4)
			return "a /cpus/cpu node has no usable \"reg\"";
		if (p->ncpus < PLATFORM_MAX_CPUS) {
			p->cpu_release[p->ncpus] = spin_table_release(fdt, node);
			p->cpu_hwid[p->ncpus++] = read_cells(reg, c.addr);
		}
	}
	return p->ncpus ? NULL : "DTB lists no CPU under /cpus";
}

/* A node whose "status" says it is not there (DT spec 2.3.4: "okay" or absent means usable). */
static bool node_disabled(const void *fdt, int node)
{
	int len;
	const char *st = fdt_getprop(fdt, node, "status", &len);

	if (!st)
		return false;
	return len < 1 || st[len - 1] != '\0' || (strcmp(st, "okay") != 0 && strcmp(st, "ok") != 0);
}

/*
 * virtio-mmio transports (Linux binding virtio/mmio.yaml): "reg" through the buses' ranges, one
 * GIC interrupt. Which device (if any) sits behind each is for the driver to probe.
 */
static const char *parse_virtio(struct platform *p, const void *fdt, const struct scan *sc)
{
	bool gic = p->gic.kind == IRQCHIP_GICV2 || p->gic.kind == IRQCHIP_GICV3;

	for (unsigned i = 0; i < sc->nvirtio; i++) {
		struct platform_virtio *v = &p->virtio[p->nvirtio];
		int len;
		const fdt32_t *irq = fdt_getprop(fdt, sc->virtio[i], "interrupts", &len);

		if (node_disabled(fdt, sc->virtio[i]))
			continue;
		if (!reg_at(fdt, sc, sc->virtio[i], 0, &v->base.pa, &v->size) || !v->size ||
		    v->base.pa + v->size < v->base.pa)
			return "a virtio,mmio node has no usable \"reg\"";
		v->intid = gic && irq && len >= 12 ? gic_intid(irq) : 0;
		p->nvirtio++;
	}
	return NULL;
}

/* /chosen: bootargs and boot modules (QEMU guest-loader, U-Boot: compatible "multiboot,module"). */
static const char *parse_chosen(struct platform *p, const void *fdt, const struct scan *sc)
{
	int chosen = root_child(fdt, sc, "/chosen", (int)sizeof("/chosen") - 1), node;
	uint64_t base, size;

	if (chosen < 0)
		return NULL;
	copy_str(p->bootargs, sizeof(p->bootargs), fdt, chosen, "bootargs");
	fdt_for_each_subnode(node, fdt, chosen) {
		struct platform_module *m;

		if (fdt_node_check_compatible(fdt, node, "multiboot,module") != 0)
			continue;
		if (p->nmodules == PLATFORM_MAX_MODULES)
			return "DTB lists more than 16 boot modules";
		/* /chosen is not a bus: module addresses are CPU physical as written. */
		if (!reg_raw(fdt, sc, node, 0, &base, &size) || base + size < base)
			return "a /chosen module node has no usable \"reg\"";
		m = &p->modules[p->nmodules++];
		m->range = (struct pa_range){ pa_init(base), pa_init(base + size) };
		copy_str(m->compatible, sizeof(m->compatible), fdt, node, "compatible");
		copy_str(m->args, sizeof(m->args), fdt, node, "bootargs");
	}
	return NULL;
}

static const char *check_header(const void *fdt, size_t max_size)
{
	int err;

	if (!fdt)
		return "no DTB: the loader passed a null address in x0";
	if (max_size < sizeof(struct fdt_header)) /* fdt_check_header reads all of it */
		return "DTB is cut short: fewer bytes than its header";
	err = fdt_check_header(fdt);
	if (err)
		return fail("DTB header invalid (%s%s)", "", err);
	if (fdt_totalsize(fdt) > max_size) {
		snprintf(errbuf, sizeof(errbuf),
			 "DTB is %u bytes, over the %lu-byte limit of the arm64 boot protocol",
			 fdt_totalsize(fdt), (unsigned long)max_size);
		return errbuf;
	}
	err = fdt_check_full(fdt, fdt_totalsize(fdt));
	if (err)
		return fail("DTB structure is corrupt (%s%s)", "", err);
	return NULL;
}

const char *platform_parse_fdt(struct platform *p, const void *fdt, size_t max_size)
{
	static struct scan sc; /* 8 KiB: too big for the boot stack; boot is single-threaded */
	const char *err = check_header(fdt, max_size);

	memset(p, 0, sizeof(*p));
	if (err)
		return err;
	p->fdt = pa_init((uintptr_t)fdt);
	p->fdt_size = fdt_totalsize(fdt);
	copy_str(p->model, sizeof(p->model), fdt, 0, "model");
	copy_str(p->compatible, sizeof(p->compatible), fdt, 0, "compatible");
	if ((err = scan_tree(&sc, fdt)))
		return err;
	parse_psci(p, fdt, &sc);
	if ((err = parse_memory(p, fdt, &sc)) || (err = parse_reserved(p, fdt, &sc)) ||
	    (err = parse_uart(p, fdt, &sc)) || (err = parse_gic(p, fdt, &sc)) ||
	    (parse_uart_irq(p, fdt, &sc), false) || (err = parse_timer(p, fdt, &sc)) ||
	    (err = parse_cpus(p, fdt, &sc)) || (err = parse_chosen(p, fdt, &sc)) ||
	    (err = parse_virtio(p, fdt, &sc)))
		return err;
	return NULL;
}

uint64_t platform_ram_size(const struct platform *p)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < p->nram; i++)
		total += pa_range_size(p->ram[i]);
	return total;
}
