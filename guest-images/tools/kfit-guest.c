/*
 * kfit-guest: kfit's instrument inside the guest.
 *
 * Every step prints one JSON object per line on stdout, stamped with
 * CLOCK_MONOTONIC nanoseconds ("t_ns"), so that durations are measured in
 * the guest and the orchestrator only parses events.
 *
 *   kfit-guest pin --file PATH [--size BYTES] [--hold SECONDS] [--device NAME] [--odp]
 *       mmap PATH (e.g. /sys/bus/pci/devices/BDF/p2pmem/allocate), register
 *       it with ibv_reg_mr (long-term pin; with --odp an on-demand-paging
 *       registration, which pins nothing), hold it, then deregister.
 *       SIGTERM, SIGINT or SIGUSR1 release early; SIGUSR2 makes the holder
 *       read and write its mapping once and say what happened ("access").
 *   kfit-guest write [--at T_NS] FILE VALUE
 *       wait until CLOCK_MONOTONIC reaches T_NS, then write VALUE to FILE
 *       (a sysfs attribute such as a driver's unbind) and time the write.
 *   kfit-guest now [--lines]
 *       print the current CLOCK_MONOTONIC time; with --lines, once for each
 *       line read from stdin, until EOF (the orchestrator's clock calibration:
 *       round trips without a fork and exec each).
 *   kfit-guest serve --file PATH [--size BYTES] [--port N] [--device NAME]
 *                    [--gid-index N] [--hold SECONDS] [--odp]
 *       like pin, but also create an RC QP, accept one peer on TCP port N
 *       (default 18515), exchange QP and buffer info with it, move the QP to
 *       RTS, so that the peer can RDMA WRITE/READ the pinned buffer; hold
 *       (counted from the registration) or until SIGTERM/SIGINT/SIGUSR1,
 *       then deregister.
 *   kfit-guest rdma-writer --server HOST [--port N] [--device NAME]
 *                    [--gid-index N] [--size BYTES] [--duration SECONDS]
 *                    [--interval-ms N] [--op write|read]
 *       connect to a serve instance and post one RDMA WRITE (or READ) at a
 *       time to its buffer for SECONDS; one "wc" event per completion, a
 *       "tick" every second, a "summary" at the end.
 *   kfit-guest vfio-hold --bdf BDF [--bar N] [--hold SECONDS]
 *                    [--on-request ignore|release]
 *       open a function bound to vfio-pci (container, group, device), map
 *       its BAR, register the request eventfd and hold the device open;
 *       "vfio_request" per request; release on the first one with
 *       --on-request release.
 *   kfit-guest dmabuf-hold --bdf BDF [--bar N] [--size BYTES] [--hold SECONDS]
 *                    [--on-request ignore|release] [--close-device-after S]
 *                    [--reset-after S]
 *       export the BAR as a dma-buf through VFIO's cdev and import it into
 *       an iommufd IOAS; "probe" says whether it still maps after a close,
 *       a reset or SIGUSR2.  "unsupported" where the kernel lacks a piece.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <infiniband/verbs.h>
#include <linux/vfio.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Prints {"ev":NAME,"t_ns":T, EXTRA} and flushes: one line per event. */
static void event(const char *name, const char *fmt, ...)
{
	printf("{\"ev\":\"%s\",\"t_ns\":%llu", name, (unsigned long long)now_ns());
	if (fmt && *fmt) {
		va_list ap;
		putchar(',');
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	puts("}");
	fflush(stdout);
}

/* JSON-safe copy of a short string (paths, device names, strerror). */
static const char *js(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	for (; *s && o + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = c;
		} else if (c < 0x20) {
			o += snprintf(buf + o, len - o, "\\u%04x", c);
		} else {
			buf[o++] = c;
		}
	}
	buf[o] = 0;
	return buf;
}

static void fail(const char *step, int err)
{
	char b[256];
	event("error", "\"step\":\"%s\",\"errno\":%d,\"message\":\"%s\"", step, err,
	      js(strerror(err), b, sizeof(b)));
}

static volatile sig_atomic_t release_signal;

static void on_signal(int sig)
{
	release_signal = sig;
}

static struct ibv_context *open_device(const char *want)
{
	int n = 0;
	struct ibv_device **list = ibv_get_device_list(&n);
	struct ibv_context *ctx = NULL;

	if (!list)
		return NULL;
	for (int i = 0; i < n && !ctx; i++) {
		if (!want || strcmp(ibv_get_device_name(list[i]), want) == 0)
			ctx = ibv_open_device(list[i]);
	}
	ibv_free_device_list(list);
	return ctx;
}

/*
 * SIGTERM and SIGINT (and SIGUSR1 where asked) release early.  Only the
 * commands with a peer socket ignore SIGPIPE: pin keeps dying with its
 * stdout, as it always has.
 */
static void install_signals(int with_usr1, int ignore_pipe)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (with_usr1)
		sigaction(SIGUSR1, &sa, NULL);
	if (ignore_pipe)
		signal(SIGPIPE, SIG_IGN);
}

/* The options of all commands; each command takes its own subset. */
struct cmd_opts {
	const char *file, *device, *server, *op, *bdf, *on_request;
	size_t size;
	double hold, duration, close_after, reset_after;
	long interval_ms;
	int port, gid_index, odp, bar, release_on_close;
};

static const struct option all_opts[] = {
	{ "file", required_argument, 0, 'f' },
	{ "size", required_argument, 0, 's' },
	{ "hold", required_argument, 0, 'h' },
	{ "device", required_argument, 0, 'd' },
	{ "port", required_argument, 0, 'p' },
	{ "gid-index", required_argument, 0, 'g' },
	{ "server", required_argument, 0, 'S' },
	{ "duration", required_argument, 0, 'D' },
	{ "interval-ms", required_argument, 0, 'i' },
	{ "op", required_argument, 0, 'o' },
	{ "odp", no_argument, 0, 'O' },
	{ "bdf", required_argument, 0, 'b' },
	{ "bar", required_argument, 0, 'B' },
	{ "on-request", required_argument, 0, 'r' },
	{ "close-device-after", required_argument, 0, 'C' },
	{ "reset-after", required_argument, 0, 'R' },
	{ "release-on-close", no_argument, 0, 'E' },
};

/*
 * Parses the options that letters (a getopt short-option string) names into
 * o, which holds the command's defaults; 0, or 2 after getopt's message.
 * The long table is built in the order of letters, so that each command
 * accepts only its own options and abbreviations resolve (and ambiguities
 * are listed) as with a table of its own.
 */
static int parse_opts(int argc, char **argv, const char *letters, struct cmd_opts *o)
{
	const size_t n_all = sizeof(all_opts) / sizeof(all_opts[0]);
	struct option opts[sizeof(all_opts) / sizeof(all_opts[0]) + 1];
	size_t n = 0;
	int c;

	for (const char *l = letters; *l; l++)
		for (size_t i = 0; i < n_all; i++)
			if (all_opts[i].val == *l)
				opts[n++] = all_opts[i];
	opts[n] = (struct option){ 0, 0, 0, 0 };

	while ((c = getopt_long(argc, argv, letters, opts, NULL)) != -1) {
		switch (c) {
		case 'f': o->file = optarg; break;
		case 's': o->size = strtoull(optarg, NULL, 0); break;
		case 'h': o->hold = strtod(optarg, NULL); break;
		case 'd': o->device = optarg; break;
		case 'p': o->port = atoi(optarg); break;
		case 'g': o->gid_index = atoi(optarg); break;
		case 'S': o->server = optarg; break;
		case 'D': o->duration = strtod(optarg, NULL); break;
		case 'i': o->interval_ms = strtol(optarg, NULL, 0); break;
		case 'o': o->op = optarg; break;
		case 'O': o->odp = 1; break;
		case 'b': o->bdf = optarg; break;
		case 'B': o->bar = atoi(optarg); break;
		case 'r': o->on_request = optarg; break;
		case 'C': o->close_after = strtod(optarg, NULL); break;
		case 'R': o->reset_after = strtod(optarg, NULL); break;
		case 'E': o->release_on_close = 1; break;
		default: return 2;
		}
	}
	return 0;
}

/*
 * Whether the device does RC RDMA WRITE into on-demand-paging memory, as
 * ibv_query_device_ex reports it: "odp_caps" with the raw capability bits.
 */
static int odp_supported(struct ibv_context *ctx)
{
	struct ibv_device_attr_ex attr;

	memset(&attr, 0, sizeof(attr));
	if (ibv_query_device_ex(ctx, NULL, &attr)) {
		fail("query_device_ex", errno ? errno : EIO);
		return 0;
	}
	int ok = (attr.odp_caps.general_caps & IBV_ODP_SUPPORT) &&
		 (attr.odp_caps.per_transport_caps.rc_odp_caps & IBV_ODP_SUPPORT_WRITE);
	event("odp_caps", "\"general_caps\":%llu,\"rc_caps\":%u,\"supported\":%s",
	      (unsigned long long)attr.odp_caps.general_caps,
	      attr.odp_caps.per_transport_caps.rc_odp_caps, ok ? "true" : "false");
	return ok;
}

static volatile sig_atomic_t probe_signal;
static sigjmp_buf probe_jmp;

static void on_probe(int sig)
{
	(void)sig;
	probe_signal = 1;
}

static void on_fault(int sig)
{
	siglongjmp(probe_jmp, sig);
}

/*
 * Reads and then writes the first byte of a mapping once: "access" says
 * whether each worked or which signal it raised.  After an unbind this is
 * what the holder's own view of the memory is.
 */
static void probe_mapping(volatile unsigned char *buf)
{
	struct sigaction sa = { .sa_handler = on_fault }, old_bus, old_segv;
	/* volatile: assigned between sigsetjmp and a possible siglongjmp */
	const char *volatile read_r = "ok";
	const char *volatile write_r = "ok";
	volatile int value = -1;

	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	/* Read and write are tried apart: a mapping may refuse one and allow the other. */
	int sig = sigsetjmp(probe_jmp, 1);
	if (sig)
		read_r = sig == SIGBUS ? "sigbus" : "sigsegv";
	else
		value = buf[0];
	sig = sigsetjmp(probe_jmp, 1);
	if (sig) {
		write_r = sig == SIGBUS ? "sigbus" : "sigsegv";
	} else {
		buf[0] = (unsigned char)(value < 0 ? 0x5a : value);
		write_r = "ok";
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	event("access", "\"read\":\"%s\",\"write\":\"%s\",\"value\":%d", read_r, write_r, value);
}

static void install_probe_signal(void)
{
	struct sigaction sa = { .sa_handler = on_probe };
	sigaction(SIGUSR2, &sa, NULL);
}

/* A file (p2pmem/allocate) mapped and registered: what pin and serve hold. */
struct pinned {
	int fd;
	void *buf;
	size_t size;
	struct ibv_mr *mr;
	uint64_t until; /* end of the hold */
};

/* Opens and maps file, faults its pages in: "mapped"; -1 after "error". */
static int pin_map(struct pinned *p, const char *file, size_t size)
{
	memset(p, 0, sizeof(*p));
	p->size = size;
	p->fd = open(file, O_RDWR);
	if (p->fd < 0) {
		fail("open", errno);
		return -1;
	}
	p->buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->buf == MAP_FAILED) {
		fail("mmap", errno);
		return -1;
	}
	memset(p->buf, 0x6b, size); /* fault the pages in, as a real user would */
	event("mapped", "\"addr\":\"%p\"", p->buf);
	return 0;
}

/*
 * Registers the mapping with ibv_reg_mr (the long-term pin) and starts the
 * hold.  A refused registration is an outcome, not an error: "reg_failed",
 * -1.  with_addr adds the address to "registered" (serve's peer needs it).
 */
static int pin_register(struct pinned *p, struct ibv_pd *pd, double hold, int with_addr, int odp)
{
	char b1[512], b2[128];
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	int odp_ok = odp ? odp_supported(pd->context) : 0;

	if (odp)
		access |= IBV_ACCESS_ON_DEMAND;
	event("reg_start", "\"device\":\"%s\",\"odp\":%s",
	      js(ibv_get_device_name(pd->context->device), b2, sizeof(b2)), odp ? "true" : "false");
	errno = 0;
	p->mr = ibv_reg_mr(pd, p->buf, p->size, access);
	if (!p->mr) {
		int err = errno;
		event("reg_failed", "\"errno\":%d,\"message\":\"%s\"", err, js(strerror(err), b1, sizeof(b1)));
		/* A device without ODP refusing an ODP registration: the mechanism is absent, not broken. */
		if (odp && !odp_ok)
			event("unsupported", "\"what\":\"odp\",\"reason\":\"%s reports no on-demand paging for RC "
			      "RDMA WRITE; ibv_reg_mr(IBV_ACCESS_ON_DEMAND): %s\"",
			      b2, js(strerror(err), b1, sizeof(b1)));
		return -1;
	}
	p->until = now_ns() + (uint64_t)(hold * 1e9);
	if (with_addr)
		event("registered", "\"lkey\":%u,\"rkey\":%u,\"addr\":%llu", p->mr->lkey, p->mr->rkey,
		      (unsigned long long)(uintptr_t)p->buf);
	else
		event("registered", "\"lkey\":%u,\"rkey\":%u", p->mr->lkey, p->mr->rkey);
	return 0;
}

/* Unpins: "release_start" with why, then "released" with ibv_dereg_mr's rc. */
static void pin_release(struct pinned *p, const char *why)
{
	event("release_start", "\"reason\":\"%s\"", why);
	int rc = ibv_dereg_mr(p->mr);
	event("released", "\"rc\":%d", rc);
	p->mr = NULL;
}

static void pin_unmap(struct pinned *p)
{
	munmap(p->buf, p->size);
	close(p->fd);
}

static int cmd_pin(int argc, char **argv)
{
	struct cmd_opts o = { .size = 2 << 20, .hold = 10 };
	struct pinned pin;
	char b1[512];

	if (parse_opts(argc, argv, "f:s:h:d:O", &o))
		return 2;
	if (!o.file || o.size == 0 || o.hold < 0) {
		fprintf(stderr, "usage: kfit-guest pin --file PATH [--size BYTES] [--hold SECONDS] [--device NAME] [--odp]\n");
		return 2;
	}
	install_signals(1, 0);
	install_probe_signal();

	event("start", "\"pid\":%d,\"file\":\"%s\",\"size\":%zu,\"hold_s\":%.3f",
	      getpid(), js(o.file, b1, sizeof(b1)), o.size, o.hold);
	if (pin_map(&pin, o.file, o.size))
		return 1;

	struct ibv_context *ctx = open_device(o.device);
	if (!ctx) {
		fail("open_device", errno ? errno : ENODEV);
		return 1;
	}
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	if (!pd) {
		fail("alloc_pd", errno);
		return 1;
	}
	if (pin_register(&pin, pd, o.hold, 0, o.odp)) {
		pin_unmap(&pin);
		event("exit", "\"status\":0");
		return 0;
	}

	/* Hold the pin: sleep in short steps so that a signal releases promptly. */
	while (!release_signal && now_ns() < pin.until) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (probe_signal) {
			probe_signal = 0;
			probe_mapping(pin.buf);
		}
	}
	pin_release(&pin, release_signal ? "signal" : "hold_elapsed");
	pin_unmap(&pin);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	event("exit", "\"status\":0");
	return 0;
}

static int cmd_write(int argc, char **argv)
{
	uint64_t at = 0;
	char b1[512], b2[512];
	int c;
	static const struct option opts[] = {
		{ "at", required_argument, 0, 'a' },
		{ 0, 0, 0, 0 },
	};

	while ((c = getopt_long(argc, argv, "a:", opts, NULL)) != -1) {
		if (c != 'a')
			return 2;
		at = strtoull(optarg, NULL, 0);
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: kfit-guest write [--at T_NS] FILE VALUE\n");
		return 2;
	}
	const char *file = argv[optind], *value = argv[optind + 1];

	event("write_armed", "\"pid\":%d,\"file\":\"%s\",\"at_ns\":%llu", getpid(),
	      js(file, b1, sizeof(b1)), (unsigned long long)at);
	if (at) {
		struct timespec ts = { (time_t)(at / 1000000000ull), (long)(at % 1000000000ull) };
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	event("write_start", "\"file\":\"%s\",\"value\":\"%s\"", js(file, b1, sizeof(b1)),
	      js(value, b2, sizeof(b2)));
	int fd = open(file, O_WRONLY);
	int err = 0;
	if (fd < 0) {
		err = errno;
	} else {
		ssize_t n = write(fd, value, strlen(value));
		if (n < 0)
			err = errno;
		if (close(fd) < 0 && !err)
			err = errno;
	}
	if (err)
		event("write_end", "\"ok\":false,\"errno\":%d,\"message\":\"%s\"", err,
		      js(strerror(err), b1, sizeof(b1)));
	else
		event("write_end", "\"ok\":true");
	return err ? 1 : 0;
}

/* ---------------------------------------------------------------------------
 * RC QP between two guests: serve (the pin holder) and rdma-writer (the user).
 * ------------------------------------------------------------------------- */

#define RC_DEFAULT_PORT 18515
#define RC_IB_PORT 1
#define RC_SQ_DEPTH 64
#define RC_EXCHANGE_MS 60000
#define RC_WC_TIMEOUT_NS (5ull * 1000000000ull)

/* What each side tells the other over TCP, as one text line. */
struct rc_info {
	uint32_t qpn, psn;
	union ibv_gid gid;
	int mtu; /* enum ibv_mtu */
	uint64_t addr;
	uint32_t rkey;
	uint64_t size;
};

struct rc_ctx {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	int gid_index;
	union ibv_gid gid;
	enum ibv_mtu mtu;
};

static const char *wc_status_name(enum ibv_wc_status s)
{
	static const char *const names[] = {
		"IBV_WC_SUCCESS", "IBV_WC_LOC_LEN_ERR", "IBV_WC_LOC_QP_OP_ERR",
		"IBV_WC_LOC_EEC_OP_ERR", "IBV_WC_LOC_PROT_ERR", "IBV_WC_WR_FLUSH_ERR",
		"IBV_WC_MW_BIND_ERR", "IBV_WC_BAD_RESP_ERR", "IBV_WC_LOC_ACCESS_ERR",
		"IBV_WC_REM_INV_REQ_ERR", "IBV_WC_REM_ACCESS_ERR", "IBV_WC_REM_OP_ERR",
		"IBV_WC_RETRY_EXC_ERR", "IBV_WC_RNR_RETRY_EXC_ERR", "IBV_WC_LOC_RDD_VIOL_ERR",
		"IBV_WC_REM_INV_RD_REQ_ERR", "IBV_WC_REM_ABORT_ERR", "IBV_WC_INV_EECN_ERR",
		"IBV_WC_INV_EEC_STATE_ERR", "IBV_WC_FATAL_ERR", "IBV_WC_RESP_TIMEOUT_ERR",
		"IBV_WC_GENERAL_ERR", "IBV_WC_TM_ERR", "IBV_WC_TM_RNDV_INCOMPLETE",
	};
	if ((unsigned)s < sizeof(names) / sizeof(names[0]))
		return names[s];
	return "IBV_WC_UNKNOWN";
}

static const char *qp_state_name(enum ibv_qp_state s)
{
	static const char *const names[] = {
		"IBV_QPS_RESET", "IBV_QPS_INIT", "IBV_QPS_RTR", "IBV_QPS_RTS",
		"IBV_QPS_SQD", "IBV_QPS_SQE", "IBV_QPS_ERR",
	};
	if ((unsigned)s < sizeof(names) / sizeof(names[0]))
		return names[s];
	return "IBV_QPS_UNKNOWN";
}

static void gid_to_str(const union ibv_gid *gid, char *out, size_t len)
{
	struct in6_addr a;
	memcpy(&a, gid->raw, sizeof(a));
	if (!inet_ntop(AF_INET6, &a, out, len))
		snprintf(out, len, "?");
}

static int gid_is_zero(const union ibv_gid *gid)
{
	for (int i = 0; i < 16; i++)
		if (gid->raw[i])
			return 0;
	return 1;
}

/* Reads the first line of a small sysfs file; 0 on success. */
static int read_sysfs_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/*
 * The GID index to use: the first RoCE v2 GID that holds an IPv4-mapped
 * address (::ffff:a.b.c.d), else 1, else 0.  "how" says which rule chose it.
 */
static int pick_gid_index(struct ibv_context *ctx, int tbl_len, const char **how)
{
	const char *dev = ibv_get_device_name(ctx->device);
	char path[256], type[64], gid[64];

	for (int i = 0; i < tbl_len && i < 1024; i++) {
		snprintf(path, sizeof(path), "/sys/class/infiniband/%s/ports/%d/gid_attrs/types/%d",
			 dev, RC_IB_PORT, i);
		if (read_sysfs_line(path, type, sizeof(type)) || strcmp(type, "RoCE v2") != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/class/infiniband/%s/ports/%d/gids/%d", dev,
			 RC_IB_PORT, i);
		if (read_sysfs_line(path, gid, sizeof(gid)))
			continue;
		if (strncmp(gid, "0000:0000:0000:0000:0000:ffff:", 30) == 0) {
			*how = "roce_v2_ipv4";
			return i;
		}
	}
	for (int i = 1; i >= 0; i--) {
		union ibv_gid g;
		if (i < tbl_len && ibv_query_gid(ctx, RC_IB_PORT, i, &g) == 0 && !gid_is_zero(&g)) {
			*how = "fallback";
			return i;
		}
	}
	*how = "fallback";
	return 0;
}

/* Opens the device and makes PD, CQ and an RC QP in RESET; fills rc. */
static int rc_open(struct rc_ctx *rc, const char *device, int gid_index)
{
	char b1[128], b2[64];
	const char *how = "given";
	struct ibv_port_attr pa;

	memset(rc, 0, sizeof(*rc));
	errno = 0;
	rc->ctx = open_device(device);
	if (!rc->ctx) {
		fail("open_device", errno ? errno : ENODEV);
		return -1;
	}
	if (ibv_query_port(rc->ctx, RC_IB_PORT, &pa)) {
		fail("query_port", errno ? errno : EIO);
		return -1;
	}
	rc->mtu = pa.active_mtu;
	if (gid_index < 0)
		gid_index = pick_gid_index(rc->ctx, pa.gid_tbl_len, &how);
	rc->gid_index = gid_index;
	if (ibv_query_gid(rc->ctx, RC_IB_PORT, gid_index, &rc->gid)) {
		fail("query_gid", errno ? errno : EINVAL);
		return -1;
	}
	gid_to_str(&rc->gid, b2, sizeof(b2));
	event("device", "\"device\":\"%s\",\"port_state\":\"%s\",\"active_mtu\":%d,\"gid_index\":%d,"
	      "\"gid_choice\":\"%s\",\"gid\":\"%s\"",
	      js(ibv_get_device_name(rc->ctx->device), b1, sizeof(b1)),
	      ibv_port_state_str(pa.state), 128 << pa.active_mtu, gid_index, how, b2);
	/* Async events are drained without blocking (see drain_async). */
	int fl = fcntl(rc->ctx->async_fd, F_GETFL);
	if (fl >= 0)
		fcntl(rc->ctx->async_fd, F_SETFL, fl | O_NONBLOCK);
	rc->pd = ibv_alloc_pd(rc->ctx);
	if (!rc->pd) {
		fail("alloc_pd", errno);
		return -1;
	}
	return 0;
}

static int rc_create_qp(struct rc_ctx *rc)
{
	rc->cq = ibv_create_cq(rc->ctx, RC_SQ_DEPTH * 2, NULL, NULL, 0);
	if (!rc->cq) {
		fail("create_cq", errno);
		return -1;
	}
	struct ibv_qp_init_attr ia = {
		.send_cq = rc->cq,
		.recv_cq = rc->cq,
		.cap = { .max_send_wr = RC_SQ_DEPTH, .max_recv_wr = 1, .max_send_sge = 1,
			 .max_recv_sge = 1 },
		.qp_type = IBV_QPT_RC,
		.sq_sig_all = 1,
	};
	rc->qp = ibv_create_qp(rc->pd, &ia);
	if (!rc->qp) {
		fail("create_qp", errno);
		return -1;
	}
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.pkey_index = 0,
		.port_num = RC_IB_PORT,
		.qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ,
	};
	int err = ibv_modify_qp(rc->qp, &a,
				IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
	if (err) {
		fail("qp_init", err);
		return -1;
	}
	return 0;
}

/* The path MTU: the smaller of the two ends' active MTUs. */
static enum ibv_mtu rc_path_mtu(const struct rc_ctx *rc, const struct rc_info *peer)
{
	return (enum ibv_mtu)(peer->mtu < (int)rc->mtu ? peer->mtu : (int)rc->mtu);
}

static int rc_connect_qp(struct rc_ctx *rc, const struct rc_info *me, const struct rc_info *peer)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_RTR,
		.path_mtu = rc_path_mtu(rc, peer),
		.dest_qp_num = peer->qpn,
		.rq_psn = peer->psn,
		.max_dest_rd_atomic = 4,
		.min_rnr_timer = 12,
		.ah_attr = {
			.is_global = 1,
			.grh = { .dgid = peer->gid, .sgid_index = (uint8_t)rc->gid_index,
				 .hop_limit = 64 },
			.sl = 0,
			.src_path_bits = 0,
			.port_num = RC_IB_PORT,
		},
	};
	int err = ibv_modify_qp(rc->qp, &a,
				IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
				IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER);
	if (err) {
		fail("qp_rtr", err);
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 16;	/* 4.096 us * 2^16 = 268 ms per try */
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = me->psn;
	a.max_rd_atomic = 4;
	err = ibv_modify_qp(rc->qp, &a,
			    IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			    IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
	if (err) {
		fail("qp_rts", err);
		return -1;
	}
	return 0;
}

static void rc_close(struct rc_ctx *rc)
{
	if (rc->qp)
		ibv_destroy_qp(rc->qp);
	if (rc->cq)
		ibv_destroy_cq(rc->cq);
	if (rc->pd)
		ibv_dealloc_pd(rc->pd);
	if (rc->ctx)
		ibv_close_device(rc->ctx);
	memset(rc, 0, sizeof(*rc));
}

/* Prints (and acks) pending asynchronous events, never blocking. */
static void drain_async(struct rc_ctx *rc)
{
	struct ibv_async_event ae;
	while (rc->ctx && ibv_get_async_event(rc->ctx, &ae) == 0) {
		event("async_event", "\"type\":\"%s\",\"code\":%d",
		      ibv_event_type_str(ae.event_type), (int)ae.event_type);
		ibv_ack_async_event(&ae);
	}
}

static int qp_state_now(struct rc_ctx *rc, enum ibv_qp_state *st)
{
	struct ibv_qp_attr a;
	struct ibv_qp_init_attr ia;
	int err = ibv_query_qp(rc->qp, &a, IBV_QP_STATE, &ia);
	if (err)
		return err;
	*st = a.qp_state;
	return 0;
}

static void print_qp_state(struct rc_ctx *rc)
{
	enum ibv_qp_state st;
	int err = qp_state_now(rc, &st);
	if (err)
		fail("query_qp", err);
	else
		event("qp_state", "\"state\":\"%s\",\"code\":%d", qp_state_name(st), (int)st);
}

static int ms_left(uint64_t deadline)
{
	uint64_t t = now_ns();
	if (t >= deadline)
		return 0;
	uint64_t ms = (deadline - t + 999999) / 1000000;
	return ms > 1000000 ? 1000000 : (int)ms;
}

/* Sends all of buf; every wait bounded by deadline. 0 or an errno. */
static int send_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
	while (len) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int ms = ms_left(deadline);
		if (ms == 0)
			return ETIMEDOUT;
		int r = poll(&p, 1, ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (r == 0)
			return ETIMEDOUT;
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one '\n'-terminated line (byte by byte: the messages are tiny). */
static int recv_line(int fd, char *buf, size_t len, uint64_t deadline)
{
	size_t o = 0;
	for (;;) {
		if (release_signal)
			return EINTR;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ms = ms_left(deadline);
		if (ms == 0)
			return ETIMEDOUT;
		int r = poll(&p, 1, ms > 200 ? 200 : ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (r == 0)
			continue;
		char ch;
		ssize_t n = recv(fd, &ch, 1, MSG_DONTWAIT);
		if (n == 0)
			return ECONNRESET;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno;
		}
		if (ch == '\n') {
			buf[o] = 0;
			return 0;
		}
		if (o + 1 >= len)
			return EMSGSIZE;
		buf[o++] = ch;
	}
}

static void format_info(const struct rc_info *in, char *out, size_t len)
{
	char hex[33];
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", in->gid.raw[i]);
	snprintf(out, len, "KFIT1 %u %u %s %d %llx %u %llu\n", in->qpn, in->psn, hex, in->mtu,
		 (unsigned long long)in->addr, in->rkey, (unsigned long long)in->size);
}

static int parse_info(const char *line, struct rc_info *out)
{
	char hex[40];
	unsigned long long addr, size;
	memset(out, 0, sizeof(*out));
	if (sscanf(line, "KFIT1 %u %u %39s %d %llx %u %llu", &out->qpn, &out->psn, hex, &out->mtu,
		   &addr, &out->rkey, &size) != 7 || strlen(hex) != 32)
		return EPROTO;
	for (int i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return EPROTO;
		out->gid.raw[i] = (uint8_t)v;
	}
	if (out->mtu < IBV_MTU_256 || out->mtu > IBV_MTU_4096)
		return EPROTO;
	out->addr = addr;
	out->size = size;
	return 0;
}

/*
 * Sends our info, reads the peer's, and (after the caller's QP transition,
 * see rc_sync) both sides say "READY" so that nobody posts before the
 * other's QP is in RTR.
 */
static int rc_exchange(int fd, const struct rc_info *me, struct rc_info *peer)
{
	char line[256];
	uint64_t deadline = now_ns() + (uint64_t)RC_EXCHANGE_MS * 1000000ull;
	int err;

	format_info(me, line, sizeof(line));
	if ((err = send_all(fd, line, strlen(line), deadline))) {
		fail("exchange_send", err);
		return -1;
	}
	if ((err = recv_line(fd, line, sizeof(line), deadline))) {
		fail("exchange_recv", err);
		return -1;
	}
	if ((err = parse_info(line, peer))) {
		fail("exchange_parse", err);
		return -1;
	}
	return 0;
}

static int rc_sync(int fd)
{
	char line[64];
	uint64_t deadline = now_ns() + (uint64_t)RC_EXCHANGE_MS * 1000000ull;
	int err;
	if ((err = send_all(fd, "READY\n", 6, deadline))) {
		fail("sync_send", err);
		return -1;
	}
	if ((err = recv_line(fd, line, sizeof(line), deadline))) {
		fail("sync_recv", err);
		return -1;
	}
	if (strcmp(line, "READY") != 0) {
		fail("sync_parse", EPROTO);
		return -1;
	}
	return 0;
}

static uint32_t random_psn(void)
{
	return (uint32_t)((now_ns() ^ ((uint64_t)getpid() << 16)) & 0xffffff);
}

/*
 * Tells the peer on fd our QP and buffer (addr, size, mr's rkey), learns
 * its, and brings the QP to RTS in step with it; -1 after "error".
 */
static int rc_handshake(struct rc_ctx *rc, int fd, const void *addr, size_t size,
			const struct ibv_mr *mr, struct rc_info *me, struct rc_info *peer)
{
	*me = (struct rc_info){ .qpn = rc->qp->qp_num, .psn = random_psn(), .gid = rc->gid,
				.mtu = rc->mtu, .addr = (uintptr_t)addr, .rkey = mr->rkey,
				.size = size };
	if (rc_exchange(fd, me, peer) || rc_connect_qp(rc, me, peer) || rc_sync(fd))
		return -1;
	return 0;
}

static int listen_any(int port)
{
	int one = 1, zero = 0;
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
					   .sin6_addr = IN6ADDR_ANY_INIT };
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0 && listen(fd, 1) == 0)
			return fd;
		close(fd);
	}
	/* No IPv6 in this kernel: IPv4 only. */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr = { htonl(INADDR_ANY) } };
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a4, sizeof(a4)) || listen(fd, 1)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void addr_str(const struct sockaddr *sa, socklen_t len, char *host, size_t hlen, int *port)
{
	char serv[16];
	if (getnameinfo(sa, len, host, hlen, serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(host, hlen, "?");
		*port = 0;
		return;
	}
	*port = atoi(serv);
}

static int cmd_serve(int argc, char **argv)
{
	struct cmd_opts o = { .size = 2 << 20, .hold = 30, .port = RC_DEFAULT_PORT, .gid_index = -1 };
	struct pinned pin;
	char b1[512], b2[128];

	if (parse_opts(argc, argv, "f:s:h:d:p:g:OE", &o))
		return 2;
	if (!o.file || o.size == 0 || o.hold < 0 || o.port <= 0 || o.port > 65535) {
		fprintf(stderr, "usage: kfit-guest serve --file PATH [--size BYTES] [--port N] "
				"[--device NAME] [--gid-index N] [--hold SECONDS] [--odp] [--release-on-close]\n");
		return 2;
	}
	install_signals(1, 1);
	install_probe_signal();

	event("start", "\"pid\":%d,\"file\":\"%s\",\"size\":%zu,\"hold_s\":%.3f,\"port\":%d",
	      getpid(), js(o.file, b1, sizeof(b1)), o.size, o.hold, o.port);
	if (pin_map(&pin, o.file, o.size))
		return 1;

	struct rc_ctx rc;
	if (rc_open(&rc, o.device, o.gid_index))
		return 1;
	if (pin_register(&pin, rc.pd, o.hold, 1, o.odp)) {
		rc_close(&rc);
		pin_unmap(&pin);
		event("exit", "\"status\":0");
		return 0;
	}

	/* The peer: everything up to qp_ready; any failure releases early. */
	int status = 0, lfd = -1, cfd = -1;
	const char *why = NULL;
	if (rc_create_qp(&rc)) {
		why = "error";
		goto release;
	}
	lfd = listen_any(o.port);
	if (lfd < 0) {
		fail("listen", errno);
		why = "error";
		goto release;
	}
	event("listening", "\"port\":%d", o.port);
	for (;;) {
		if (release_signal) {
			why = "signal";
			goto release;
		}
		int ms = ms_left(pin.until);
		if (ms == 0) {
			fail("accept", ETIMEDOUT);
			why = "hold_elapsed";
			goto release;
		}
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int r = poll(&p, 1, ms > 100 ? 100 : ms);
		if (r < 0 && errno != EINTR) {
			fail("accept_poll", errno);
			why = "error";
			goto release;
		}
		if (r <= 0)
			continue;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		cfd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
				continue;
			fail("accept", errno);
			why = "error";
			goto release;
		}
		char host[NI_MAXHOST];
		int pport;
		addr_str((struct sockaddr *)&ss, sl, host, sizeof(host), &pport);
		event("peer_connected", "\"peer\":\"%s\",\"peer_port\":%d", js(host, b1, sizeof(b1)), pport);
		break;
	}
	close(lfd);
	lfd = -1;
	int one = 1;
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	struct rc_info me, peer;
	if (rc_handshake(&rc, cfd, pin.buf, pin.size, pin.mr, &me, &peer)) {
		why = release_signal ? "signal" : "error";
		goto release;
	}
	gid_to_str(&peer.gid, b2, sizeof(b2));
	event("qp_ready", "\"qpn\":%u,\"peer_qpn\":%u,\"peer_gid\":\"%s\",\"gid_index\":%d,"
	      "\"path_mtu\":%d", me.qpn, peer.qpn, b2, rc.gid_index,
	      128 << rc_path_mtu(&rc, &peer));

	/* Hold the pin; watch the peer's socket and async events meanwhile. */
	while (!release_signal && now_ns() < pin.until) {
		struct pollfd p[2] = { { .fd = cfd, .events = POLLIN },
				       { .fd = rc.ctx->async_fd, .events = POLLIN } };
		if (probe_signal) {
			probe_signal = 0;
			probe_mapping(pin.buf);
		}
		if (poll(p, 2, 10) <= 0)
			continue;
		if (p[1].revents)
			drain_async(&rc);
		if (cfd >= 0 && p[0].revents) {
			char tmp[64];
			ssize_t n = recv(cfd, tmp, sizeof(tmp), MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				event("peer_closed", "\"errno\":%d", n < 0 ? errno : 0);
				close(cfd);
				cfd = -1;
				/*
				 * A writer that closed in order has finished its writes: with
				 * --release-on-close, let go as a server frees a client's
				 * buffer (perftest's server does the same). A reset or a
				 * peer that vanished without a word keeps the hold.
				 */
				if (o.release_on_close && n == 0) {
					why = "peer_closed";
					goto release;
				}
			}
		}
	}
	why = release_signal ? "signal" : "hold_elapsed";

release:
	if (strcmp(why, "error") == 0)
		status = 1;
	pin_release(&pin, why);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	drain_async(&rc);
	rc_close(&rc);
	pin_unmap(&pin);
	event("exit", "\"status\":%d", status);
	return status;
}

/* Connects to host:port, retrying for up to total_s seconds. */
static int connect_retry(const char *host, int port, double total_s, int *attempts)
{
	char serv[16], b1[256];
	uint64_t deadline = now_ns() + (uint64_t)(total_s * 1e9);
	int last_err = ETIMEDOUT;

	snprintf(serv, sizeof(serv), "%d", port);
	*attempts = 0;
	while (!release_signal) {
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
		struct addrinfo *res = NULL;
		int gr = getaddrinfo(host, serv, &hints, &res);
		if (gr) {
			event("resolve_failed", "\"host\":\"%s\",\"message\":\"%s\"",
			      js(host, b1, sizeof(b1)), gai_strerror(gr));
			last_err = gr == EAI_SYSTEM ? errno : EHOSTUNREACH;
		}
		for (struct addrinfo *ai = res; ai && !release_signal; ai = ai->ai_next) {
			++*attempts;
			int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
					ai->ai_protocol);
			if (fd < 0) {
				last_err = errno;
				continue;
			}
			int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
			if (r < 0 && errno == EINPROGRESS) {
				struct pollfd p = { .fd = fd, .events = POLLOUT };
				int ms = ms_left(deadline);
				int pr = poll(&p, 1, ms < 2000 ? (ms > 0 ? ms : 1) : 2000);
				if (pr > 0) {
					int so = 0;
					socklen_t sl = sizeof(so);
					getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl);
					r = so ? -1 : 0;
					errno = so;
				} else {
					r = -1;
					if (pr == 0)
						errno = ETIMEDOUT;
				}
			}
			if (r == 0) {
				freeaddrinfo(res);
				int fl = fcntl(fd, F_GETFL);
				fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
				return fd;
			}
			last_err = errno ? errno : ETIMEDOUT;
			close(fd);
		}
		if (res)
			freeaddrinfo(res);
		if (now_ns() >= deadline)
			break;
		struct timespec ts = { 0, 500 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (now_ns() >= deadline)
			break;
	}
	errno = release_signal ? EINTR : last_err;
	return -1;
}

struct wr_stats {
	uint64_t ok, errors, bytes, timeouts;
	uint64_t first_error_t;
	int first_error_status; /* -1: none */
	uint64_t tick_bytes, tick_ops, last_tick, next_tick;
};

static void maybe_tick(struct wr_stats *st)
{
	uint64_t t = now_ns();
	if (t < st->next_tick)
		return;
	event("tick", "\"bytes_in_interval\":%llu,\"ops_in_interval\":%llu,\"interval_ns\":%llu",
	      (unsigned long long)st->tick_bytes, (unsigned long long)st->tick_ops,
	      (unsigned long long)(t - st->last_tick));
	st->tick_bytes = st->tick_ops = 0;
	st->last_tick = t;
	while (st->next_tick <= t)
		st->next_tick += 1000000000ull;
}

static int cmd_rdma_writer(int argc, char **argv)
{
	struct cmd_opts o = { .size = 65536, .duration = 10, .port = RC_DEFAULT_PORT,
			      .gid_index = -1, .op = "write" };
	char b1[512], b2[128];

	if (parse_opts(argc, argv, "S:p:d:g:s:D:i:o:", &o))
		return 2;
	int is_read = strcmp(o.op, "read") == 0;
	if (!o.server || o.size == 0 || o.size > (1ull << 31) || o.duration < 0 || o.interval_ms < 0 ||
	    o.port <= 0 || o.port > 65535 || (!is_read && strcmp(o.op, "write") != 0)) {
		fprintf(stderr, "usage: kfit-guest rdma-writer --server HOST [--port N] [--device NAME] "
				"[--gid-index N] [--size BYTES] [--duration SECONDS] "
				"[--interval-ms N] [--op write|read]\n");
		return 2;
	}
	install_signals(0, 1);

	event("start", "\"pid\":%d,\"server\":\"%s\",\"port\":%d,\"op\":\"%s\",\"size\":%zu,"
	      "\"duration_s\":%.3f,\"interval_ms\":%ld",
	      getpid(), js(o.server, b1, sizeof(b1)), o.port, is_read ? "read" : "write", o.size, o.duration,
	      o.interval_ms);

	int attempts = 0;
	int sfd = connect_retry(o.server, o.port, 30, &attempts);
	if (sfd < 0) {
		fail("connect", errno);
		event("exit", "\"status\":1");
		return 1;
	}
	int one = 1;
	setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	event("connected", "\"attempts\":%d", attempts);

	struct rc_ctx rc;
	void *buf = NULL;
	struct ibv_mr *mr = NULL;
	int status = 1;
	if (rc_open(&rc, o.device, o.gid_index))
		goto out;
	if (posix_memalign(&buf, 4096, o.size)) {
		fail("alloc", ENOMEM);
		goto out;
	}
	memset(buf, is_read ? 0 : 0x5a, o.size);
	mr = ibv_reg_mr(rc.pd, buf, o.size,
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	if (!mr) {
		fail("reg_mr", errno);
		goto out;
	}
	event("registered", "\"lkey\":%u,\"rkey\":%u,\"addr\":%llu", mr->lkey, mr->rkey,
	      (unsigned long long)(uintptr_t)buf);
	if (rc_create_qp(&rc))
		goto out;
	struct rc_info me, peer;
	if (rc_handshake(&rc, sfd, buf, o.size, mr, &me, &peer))
		goto out;
	size_t len = o.size;
	if (peer.size < len)
		len = (size_t)peer.size;
	if (len == 0) {
		fail("peer_size", EINVAL);
		goto out;
	}
	gid_to_str(&peer.gid, b2, sizeof(b2));
	event("qp_ready", "\"qpn\":%u,\"peer_qpn\":%u,\"peer_gid\":\"%s\",\"gid_index\":%d,"
	      "\"path_mtu\":%d,\"remote_addr\":%llu,\"remote_rkey\":%u,\"remote_size\":%llu,"
	      "\"op_bytes\":%zu",
	      me.qpn, peer.qpn, b2, rc.gid_index,
	      128 << rc_path_mtu(&rc, &peer),
	      (unsigned long long)peer.addr, peer.rkey, (unsigned long long)peer.size, len);

	struct wr_stats st = { .first_error_status = -1 };
	uint64_t post_t[RC_SQ_DEPTH] = { 0 };
	uint64_t start = now_ns(), end = start + (uint64_t)(o.duration * 1e9);
	st.last_tick = start;
	st.next_tick = start + 1000000000ull;
	uint64_t seq = 0;
	const char *stop = "duration";
	status = 0;

	while (!release_signal && now_ns() < end) {
		struct ibv_sge sge = { .addr = (uintptr_t)buf, .length = (uint32_t)len, .lkey = mr->lkey };
		struct ibv_send_wr wr = {
			.wr_id = seq,
			.sg_list = &sge,
			.num_sge = 1,
			.opcode = is_read ? IBV_WR_RDMA_READ : IBV_WR_RDMA_WRITE,
			.send_flags = IBV_SEND_SIGNALED,
			.wr = { .rdma = { .remote_addr = peer.addr, .rkey = peer.rkey } },
		}, *bad = NULL;
		post_t[seq % RC_SQ_DEPTH] = now_ns();
		int err = ibv_post_send(rc.qp, &wr, &bad);
		if (err) {
			fail("post_send", err);
			print_qp_state(&rc);
			stop = "post_error";
			break;
		}
		/* Wait for this WR's completion (earlier, late ones are reported too). */
		uint64_t wait_end = now_ns() + RC_WC_TIMEOUT_NS;
		int done = 0, errored = 0;
		while (!done) {
			struct ibv_wc wc[8];
			int n = ibv_poll_cq(rc.cq, 8, wc);
			if (n < 0) {
				fail("poll_cq", EIO);
				errored = 1;
				break;
			}
			for (int i = 0; i < n; i++) {
				uint64_t t = now_ns();
				uint64_t pt = post_t[wc[i].wr_id % RC_SQ_DEPTH];
				int okc = wc[i].status == IBV_WC_SUCCESS;
				event("wc", "\"seq\":%llu,\"status\":\"%s\",\"status_code\":%d,"
				      "\"status_str\":\"%s\",\"bytes\":%u,\"lat_us\":%llu,\"vendor_err\":%u",
				      (unsigned long long)wc[i].wr_id, wc_status_name(wc[i].status),
				      (int)wc[i].status, ibv_wc_status_str(wc[i].status),
				      okc ? (unsigned)len : 0u, (unsigned long long)((t - pt) / 1000),
				      wc[i].vendor_err);
				if (okc) {
					st.ok++;
					st.bytes += len;
					st.tick_bytes += len;
					st.tick_ops++;
				} else {
					st.errors++;
					if (st.first_error_status < 0) {
						st.first_error_status = wc[i].status;
						st.first_error_t = t;
						print_qp_state(&rc);
					}
					errored = 1;
				}
				if (wc[i].wr_id == seq)
					done = 1;
			}
			if (n > 0)
				continue;
			maybe_tick(&st);
			if (now_ns() >= wait_end) {
				event("wc_timeout", "\"seq\":%llu,\"waited_ms\":%llu",
				      (unsigned long long)seq, RC_WC_TIMEOUT_NS / 1000000ull);
				st.timeouts++;
				enum ibv_qp_state qs;
				int qerr = qp_state_now(&rc, &qs);
				print_qp_state(&rc);
				if (qerr || qs != IBV_QPS_RTS)
					errored = 1;
				break;
			}
			struct timespec ts = { 0, 200 * 1000 };
			nanosleep(&ts, NULL);
		}
		drain_async(&rc);
		seq++;
		maybe_tick(&st);
		if (errored) {
			stop = "error";
			break;
		}
		if (seq - st.ok - st.errors >= RC_SQ_DEPTH - 1) {
			/* Too many WRs lost without completion: the QP is not usable. */
			stop = "outstanding";
			break;
		}
		if (o.interval_ms > 0) {
			uint64_t wake = now_ns() + (uint64_t)o.interval_ms * 1000000ull;
			while (!release_signal && now_ns() < wake && now_ns() < end) {
				uint64_t left = wake - now_ns();
				if (st.next_tick > now_ns() && st.next_tick - now_ns() < left)
					left = st.next_tick - now_ns();
				struct timespec ts = { (time_t)(left / 1000000000ull),
						       (long)(left % 1000000000ull) };
				nanosleep(&ts, NULL);
				maybe_tick(&st);
			}
		}
	}
	if (release_signal && strcmp(stop, "duration") == 0)
		stop = "signal";
	uint64_t t_end = now_ns();
	/* Final partial tick, so that the series covers the whole run. */
	if (st.tick_ops || t_end > st.last_tick + 1000000ull)
		event("tick", "\"bytes_in_interval\":%llu,\"ops_in_interval\":%llu,\"interval_ns\":%llu,"
		      "\"final\":true", (unsigned long long)st.tick_bytes,
		      (unsigned long long)st.tick_ops, (unsigned long long)(t_end - st.last_tick));
	double secs = (double)(t_end - start) / 1e9;
	char fe[96];
	if (st.first_error_status >= 0)
		snprintf(fe, sizeof(fe), "%llu,\"first_error_status\":\"%s\"",
			 (unsigned long long)st.first_error_t,
			 wc_status_name((enum ibv_wc_status)st.first_error_status));
	else
		snprintf(fe, sizeof(fe), "null,\"first_error_status\":null");
	/* After reads, the local buffer holds what the server's buffer held. */
	event("summary", "\"op\":\"%s\",\"stop\":\"%s\",\"local_byte0\":%u,\"posted\":%llu,"
	      "\"ok\":%llu,\"errors\":%llu,"
	      "\"wc_timeouts\":%llu,\"bytes\":%llu,\"elapsed_ns\":%llu,\"mb_per_s\":%.3f,"
	      "\"first_error_t_ns\":%s",
	      is_read ? "read" : "write", stop, ((unsigned char *)buf)[0], (unsigned long long)seq, (unsigned long long)st.ok,
	      (unsigned long long)st.errors, (unsigned long long)st.timeouts,
	      (unsigned long long)st.bytes, (unsigned long long)(t_end - start),
	      secs > 0 ? (double)st.bytes / secs / 1e6 : 0.0, fe);

out:
	if (rc.ctx)
		drain_async(&rc);
	if (rc.qp) {
		ibv_destroy_qp(rc.qp);
		rc.qp = NULL;
	}
	if (mr)
		ibv_dereg_mr(mr);
	rc_close(&rc);
	free(buf);
	close(sfd);
	event("exit", "\"status\":%d", status);
	return status;
}

/*
 * VFIO holders.  The device is already bound to vfio-pci (kfit does that
 * through sysfs before starting the holder).  Both holders register an
 * eventfd on VFIO_PCI_REQ_IRQ_INDEX: the kernel signals it while an unbind
 * waits for the device's users, and "vfio_request" reports each signal.
 */

/* iommufd and VFIO's cdev/dma-buf interface, newer than the build host's
 * headers (Debian 12 ships 6.1's): only the layouts used here. */
#define KFIT_IOMMUFD_TYPE ';'
#define KFIT_IOMMU_IOAS_ALLOC _IO(KFIT_IOMMUFD_TYPE, 0x81)
#define KFIT_IOMMU_IOAS_UNMAP _IO(KFIT_IOMMUFD_TYPE, 0x86)
#define KFIT_IOMMU_IOAS_MAP_FILE _IO(KFIT_IOMMUFD_TYPE, 0x8f)
#define KFIT_IOAS_MAP_WRITEABLE (1u << 1)
#define KFIT_IOAS_MAP_READABLE (1u << 2)
#define KFIT_VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)
#define KFIT_VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)
#define KFIT_VFIO_DEVICE_FEATURE_DMA_BUF 11

struct kfit_ioas_alloc { uint32_t size, flags, out_ioas_id; };
struct kfit_ioas_unmap { uint32_t size, ioas_id; uint64_t iova, length; };
struct kfit_ioas_map_file {
	uint32_t size, flags, ioas_id;
	int32_t fd;
	uint64_t start, length, iova;
};
struct kfit_bind_iommufd { uint32_t argsz, flags; int32_t iommufd; uint32_t out_devid; uint64_t token_uuid_ptr; };
struct kfit_attach_pt { uint32_t argsz, flags, pt_id, pasid; };
struct kfit_feature_dma_buf {
	uint32_t argsz, flags; /* struct vfio_device_feature */
	uint32_t region_index, open_flags, db_flags, nr_ranges;
	uint64_t offset, length; /* one struct vfio_region_dma_range */
};

/* The IOMMU group number of a PCI function (its iommu_group link), or -1. */
static int iommu_group_of(const char *bdf)
{
	char path[256], target[256];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = 0;
	const char *slash = strrchr(target, '/');
	return atoi(slash ? slash + 1 : target);
}

/* Registers an eventfd as the device's request channel; the eventfd, or -1 after "error". */
static int vfio_request_channel(int dev)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		fail("eventfd", errno);
		return -1;
	}
	char buf[sizeof(struct vfio_irq_set) + sizeof(int)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_REQ_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &efd, sizeof(int));
	if (ioctl(dev, VFIO_DEVICE_SET_IRQS, set)) {
		fail("set_irqs_req", errno);
		close(efd);
		return -1;
	}
	return efd;
}

/* Reads the request eventfd; each signal is one "vfio_request".  The count so far. */
static int vfio_requests(int efd, int count)
{
	uint64_t v;
	while (efd >= 0 && read(efd, &v, sizeof(v)) == sizeof(v)) {
		for (uint64_t i = 0; i < v; i++) {
			count++;
			event("vfio_request", "\"count\":%d", count);
		}
	}
	return count;
}

static int on_request_release(const char *mode)
{
	return mode && strcmp(mode, "release") == 0;
}

/*
 * vfio-hold: the legacy container/group interface (6.12 and 7.2 alike);
 * maps the BAR and holds the device open until the hold ends, a signal, or
 * (with --on-request release) the kernel's first request.
 */
static int cmd_vfio_hold(int argc, char **argv)
{
	struct cmd_opts o = { .hold = 30, .bar = 2, .on_request = "ignore" };
	char b1[256], path[64];
	int container = -1, group = -1, dev = -1, efd = -1, requests = 0, status = 1;
	void *map = MAP_FAILED;
	size_t map_len = 0;
	const char *why = "error";

	if (parse_opts(argc, argv, "b:B:h:r:", &o))
		return 2;
	if (!o.bdf || o.hold < 0 || o.bar < 0 || o.bar > 5 ||
	    (strcmp(o.on_request, "ignore") && strcmp(o.on_request, "release"))) {
		fprintf(stderr, "usage: kfit-guest vfio-hold --bdf BDF [--bar N] [--hold SECONDS] "
				"[--on-request ignore|release]\n");
		return 2;
	}
	install_signals(1, 0);
	install_probe_signal();
	event("start", "\"pid\":%d,\"bdf\":\"%s\",\"bar\":%d,\"hold_s\":%.3f,\"on_request\":\"%s\"",
	      getpid(), js(o.bdf, b1, sizeof(b1)), o.bar, o.hold, o.on_request);

	int gnum = iommu_group_of(o.bdf);
	if (gnum < 0) {
		event("unsupported", "\"what\":\"vfio\",\"reason\":\"%s has no IOMMU group (no IOMMU in the guest?)\"",
		      js(o.bdf, b1, sizeof(b1)));
		event("exit", "\"status\":0");
		return 0;
	}
	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0) {
		fail("open_container", errno);
		goto out;
	}
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    !ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU)) {
		fail("container_type1v2", ENOTSUP);
		goto out;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", gnum);
	group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0) {
		fail("open_group", errno);
		goto out;
	}
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs) || !(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fail("group_viable", errno ? errno : EBUSY);
		goto out;
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		fail("set_container", errno);
		goto out;
	}
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, o.bdf);
	if (dev < 0) {
		fail("get_device_fd", errno);
		goto out;
	}
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = (uint32_t)o.bar };
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri)) {
		fail("region_info", errno);
		goto out;
	}
	if (ri.flags & VFIO_REGION_INFO_FLAG_MMAP && ri.size) {
		map_len = ri.size;
		map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, dev, (off_t)ri.offset);
		if (map == MAP_FAILED) {
			fail("mmap_bar", errno);
			goto out;
		}
		((volatile unsigned char *)map)[0] = 0x6b; /* fault it in, as a user of the BAR would */
	}
	event("vfio_open", "\"group\":%d,\"bar\":%d,\"bar_size\":%llu,\"mapped\":%s", gnum, o.bar,
	      (unsigned long long)ri.size, map != MAP_FAILED ? "true" : "false");
	efd = vfio_request_channel(dev);
	if (efd < 0)
		goto out;

	uint64_t until = now_ns() + (uint64_t)(o.hold * 1e9);
	why = "hold_elapsed";
	while (now_ns() < until) {
		if (release_signal) {
			why = "signal";
			break;
		}
		struct pollfd p = { .fd = efd, .events = POLLIN };
		if (poll(&p, 1, 10) > 0) {
			requests = vfio_requests(efd, requests);
			if (on_request_release(o.on_request)) {
				why = "request";
				break;
			}
		}
		if (probe_signal && map != MAP_FAILED) {
			probe_signal = 0;
			probe_mapping(map);
		}
	}
	status = 0;

out:
	event("release_start", "\"reason\":\"%s\"", why);
	requests = vfio_requests(efd, requests);
	if (map != MAP_FAILED)
		munmap(map, map_len);
	if (efd >= 0)
		close(efd);
	int rc = dev >= 0 ? close(dev) : 0;
	if (group >= 0)
		close(group);
	if (container >= 0)
		close(container);
	event("released", "\"rc\":%d", rc);
	event("exit", "\"status\":%d", status);
	return status;
}

/* The vfio cdev of a PCI function (/dev/vfio/devices/vfioN), or NULL. */
static const char *vfio_cdev_of(const char *bdf, char *out, size_t len)
{
	char dir[256];
	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	struct dirent *e;
	const char *found = NULL;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "vfio", 4) == 0) {
			snprintf(out, len, "/dev/vfio/devices/%s", e->d_name);
			found = out;
			break;
		}
	}
	closedir(d);
	return found;
}

/* Maps the dma-buf into the IOAS once more: whether the exporter still gives its memory. */
static void dmabuf_probe(int iommufd, uint32_t ioas, int dmabuf, uint64_t length, const char *when)
{
	char b1[256];
	struct kfit_ioas_map_file mf = { .size = sizeof(mf), .ioas_id = ioas, .fd = dmabuf,
		.flags = KFIT_IOAS_MAP_READABLE | KFIT_IOAS_MAP_WRITEABLE, .start = 0, .length = length };
	if (ioctl(iommufd, KFIT_IOMMU_IOAS_MAP_FILE, &mf) == 0) {
		event("probe", "\"when\":\"%s\",\"ok\":true", when);
		struct kfit_ioas_unmap um = { .size = sizeof(um), .ioas_id = ioas, .iova = mf.iova, .length = length };
		ioctl(iommufd, KFIT_IOMMU_IOAS_UNMAP, &um);
	} else {
		int err = errno;
		event("probe", "\"when\":\"%s\",\"ok\":false,\"errno\":%d,\"message\":\"%s\"", when, err,
		      js(strerror(err), b1, sizeof(b1)));
	}
}

/*
 * dmabuf-hold: VFIO's device cdev bound to iommufd; the BAR exported as a
 * dma-buf (VFIO_DEVICE_FEATURE_DMA_BUF) and imported into an IOAS
 * (IOMMU_IOAS_MAP_FILE), which pins it revocably.  The device fd is closed
 * on the first request (--on-request release), after --close-device-after
 * seconds, or at the end; the import is kept to the end, and SIGUSR2 (and
 * each close or reset) probes whether the dma-buf still maps.
 */
static int cmd_dmabuf_hold(int argc, char **argv)
{
	struct cmd_opts o = { .hold = 30, .bar = 2, .size = 1 << 20, .on_request = "ignore" };
	char b1[256], cdev[300];
	int iommufd = -1, dev = -1, dmabuf = -1, efd = -1, requests = 0, status = 1;
	uint32_t ioas = 0;
	uint64_t iova = 0;
	int imported = 0;
	const char *why = "error";

	if (parse_opts(argc, argv, "b:B:s:h:r:C:R:", &o))
		return 2;
	if (!o.bdf || o.hold < 0 || o.bar < 0 || o.bar > 5 || o.size == 0 || o.close_after < 0 ||
	    o.reset_after < 0 || (strcmp(o.on_request, "ignore") && strcmp(o.on_request, "release"))) {
		fprintf(stderr, "usage: kfit-guest dmabuf-hold --bdf BDF [--bar N] [--size BYTES] [--hold SECONDS] "
				"[--on-request ignore|release] [--close-device-after SECONDS] "
				"[--reset-after SECONDS]\n");
		return 2;
	}
	install_signals(1, 0);
	install_probe_signal();
	event("start", "\"pid\":%d,\"bdf\":\"%s\",\"bar\":%d,\"size\":%zu,\"hold_s\":%.3f,\"on_request\":\"%s\"",
	      getpid(), js(o.bdf, b1, sizeof(b1)), o.bar, o.size, o.hold, o.on_request);

	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0) {
		int err = errno;
		event("unsupported", "\"what\":\"iommufd\",\"reason\":\"open /dev/iommu: %s\"",
		      js(strerror(err), b1, sizeof(b1)));
		status = 0;
		goto out;
	}
	if (!vfio_cdev_of(o.bdf, cdev, sizeof(cdev))) {
		event("unsupported", "\"what\":\"vfio_cdev\",\"reason\":\"%s has no vfio-dev cdev (not bound to vfio-pci, "
		      "or no CONFIG_VFIO_DEVICE_CDEV)\"", js(o.bdf, b1, sizeof(b1)));
		status = 0;
		goto out;
	}
	dev = open(cdev, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fail("open_cdev", errno);
		goto out;
	}
	struct kfit_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = iommufd };
	if (ioctl(dev, KFIT_VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		fail("bind_iommufd", errno);
		goto out;
	}
	struct kfit_ioas_alloc ia = { .size = sizeof(ia) };
	if (ioctl(iommufd, KFIT_IOMMU_IOAS_ALLOC, &ia)) {
		fail("ioas_alloc", errno);
		goto out;
	}
	ioas = ia.out_ioas_id;
	struct kfit_attach_pt at = { .argsz = sizeof(at), .pt_id = ioas };
	if (ioctl(dev, KFIT_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at)) {
		fail("attach_ioas", errno);
		goto out;
	}
	struct kfit_feature_dma_buf fd = {
		.argsz = sizeof(fd), .flags = VFIO_DEVICE_FEATURE_GET | KFIT_VFIO_DEVICE_FEATURE_DMA_BUF,
		.region_index = (uint32_t)o.bar, .open_flags = O_RDWR | O_CLOEXEC, .nr_ranges = 1,
		.offset = 0, .length = o.size,
	};
	dmabuf = ioctl(dev, VFIO_DEVICE_FEATURE, &fd);
	if (dmabuf < 0) {
		int err = errno;
		/* 6.12 knows no such feature: EINVAL/ENOTTY for an unknown one. */
		if (err == EINVAL || err == ENOTTY || err == EOPNOTSUPP)
			event("unsupported", "\"what\":\"vfio_dma_buf\",\"reason\":\"VFIO_DEVICE_FEATURE_DMA_BUF "
			      "on BAR %d: %s\"", o.bar, js(strerror(err), b1, sizeof(b1)));
		else
			fail("dma_buf_export", err);
		status = err == EINVAL || err == ENOTTY || err == EOPNOTSUPP ? 0 : 1;
		goto out;
	}
	event("dmabuf_exported", "\"fd\":%d,\"size\":%zu", dmabuf, o.size);
	struct kfit_ioas_map_file mf = { .size = sizeof(mf), .ioas_id = ioas, .fd = dmabuf,
		.flags = KFIT_IOAS_MAP_READABLE | KFIT_IOAS_MAP_WRITEABLE, .start = 0, .length = o.size };
	if (ioctl(iommufd, KFIT_IOMMU_IOAS_MAP_FILE, &mf)) {
		int err = errno;
		if (err == ENOTTY || err == EOPNOTSUPP) {
			event("unsupported", "\"what\":\"iommufd_dma_buf\",\"reason\":\"IOMMU_IOAS_MAP_FILE of a dma-buf: %s\"",
			      js(strerror(err), b1, sizeof(b1)));
			status = 0;
		} else {
			fail("ioas_map_file", err);
		}
		goto out;
	}
	iova = mf.iova;
	imported = 1;
	event("imported", "\"iova\":%llu,\"length\":%zu", (unsigned long long)iova, o.size);
	efd = vfio_request_channel(dev);
	if (efd < 0)
		goto out;

	uint64_t t0 = now_ns(), until = t0 + (uint64_t)(o.hold * 1e9);
	uint64_t close_at = o.close_after > 0 ? t0 + (uint64_t)(o.close_after * 1e9) : 0;
	uint64_t reset_at = o.reset_after > 0 ? t0 + (uint64_t)(o.reset_after * 1e9) : 0;
	why = "hold_elapsed";
	while (now_ns() < until) {
		if (release_signal) {
			why = "signal";
			break;
		}
		struct pollfd p = { .fd = efd, .events = POLLIN };
		int got = efd >= 0 && poll(&p, 1, 10) > 0;
		if (efd < 0) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		if (got)
			requests = vfio_requests(efd, requests);
		if (dev >= 0 && ((got && on_request_release(o.on_request)) || (close_at && now_ns() >= close_at))) {
			/* Closing the device revokes its dma-bufs; the import stays, its pages gone. */
			close(efd);
			efd = -1;
			int rc = close(dev);
			dev = -1;
			event("device_closed", "\"reason\":\"%s\",\"rc\":%d", got ? "request" : "close_after", rc);
			dmabuf_probe(iommufd, ioas, dmabuf, o.size, "after_close");
		}
		if (dev >= 0 && reset_at && now_ns() >= reset_at) {
			reset_at = 0;
			int rc = ioctl(dev, VFIO_DEVICE_RESET);
			event("device_reset", "\"rc\":%d,\"errno\":%d", rc, rc ? errno : 0);
			dmabuf_probe(iommufd, ioas, dmabuf, o.size, "after_reset");
		}
		if (probe_signal) {
			probe_signal = 0;
			dmabuf_probe(iommufd, ioas, dmabuf, o.size, "signal");
		}
	}
	status = 0;

out:
	event("release_start", "\"reason\":\"%s\"", why);
	requests = vfio_requests(efd, requests);
	if (imported) {
		struct kfit_ioas_unmap um = { .size = sizeof(um), .ioas_id = ioas, .iova = iova, .length = o.size };
		if (ioctl(iommufd, KFIT_IOMMU_IOAS_UNMAP, &um))
			fail("ioas_unmap", errno);
	}
	if (efd >= 0)
		close(efd);
	if (dmabuf >= 0)
		close(dmabuf);
	int rc = dev >= 0 ? close(dev) : 0;
	if (iommufd >= 0)
		close(iommufd);
	event("released", "\"rc\":%d", rc);
	event("exit", "\"status\":%d", status);
	return status;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "pin") == 0)
		return cmd_pin(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "write") == 0)
		return cmd_write(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "rdma-writer") == 0)
		return cmd_rdma_writer(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "vfio-hold") == 0)
		return cmd_vfio_hold(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "dmabuf-hold") == 0)
		return cmd_dmabuf_hold(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "now") == 0) {
		if (argc >= 3 && strcmp(argv[2], "--lines") == 0) {
			char line[256];
			while (fgets(line, sizeof(line), stdin))
				event("now", NULL);
			return 0;
		}
		event("now", NULL);
		return 0;
	}
	fprintf(stderr, "usage: kfit-guest pin|write|now|serve|rdma-writer|vfio-hold|dmabuf-hold ...\n");
	return 2;
}
