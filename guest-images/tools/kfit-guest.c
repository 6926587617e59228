/*
 * kfit-guest: kfit's instrument inside the guest.
 *
 * Every step prints one JSON object per line on stdout, stamped with
 * CLOCK_MONOTONIC nanoseconds ("t_ns"), so that durations are measured in
 * the guest and the orchestrator only parses events.
 *
 *   kfit-guest pin --file PATH [--size BYTES] [--hold SECONDS] [--device NAME]
 *       mmap PATH (e.g. /sys/bus/pci/devices/BDF/p2pmem/allocate), register
 *       it with ibv_reg_mr (long-term pin), hold it, then deregister.
 *       SIGTERM, SIGINT or SIGUSR1 release early.
 *   kfit-guest write [--at T_NS] FILE VALUE
 *       wait until CLOCK_MONOTONIC reaches T_NS, then write VALUE to FILE
 *       (a sysfs attribute such as a driver's unbind) and time the write.
 *   kfit-guest now
 *       print the current CLOCK_MONOTONIC time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <infiniband/verbs.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

static int cmd_pin(int argc, char **argv)
{
	const char *file = NULL, *device = NULL;
	size_t size = 2 << 20;
	double hold = 10;
	char b1[512], b2[128];
	static const struct option opts[] = {
		{ "file", required_argument, 0, 'f' },
		{ "size", required_argument, 0, 's' },
		{ "hold", required_argument, 0, 'h' },
		{ "device", required_argument, 0, 'd' },
		{ 0, 0, 0, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "f:s:h:d:", opts, NULL)) != -1) {
		switch (c) {
		case 'f': file = optarg; break;
		case 's': size = strtoull(optarg, NULL, 0); break;
		case 'h': hold = strtod(optarg, NULL); break;
		case 'd': device = optarg; break;
		default: return 2;
		}
	}
	if (!file || size == 0 || hold < 0) {
		fprintf(stderr, "usage: kfit-guest pin --file PATH [--size BYTES] [--hold SECONDS] [--device NAME]\n");
		return 2;
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	event("start", "\"pid\":%d,\"file\":\"%s\",\"size\":%zu,\"hold_s\":%.3f",
	      getpid(), js(file, b1, sizeof(b1)), size, hold);

	int fd = open(file, O_RDWR);
	if (fd < 0) {
		fail("open", errno);
		return 1;
	}
	void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (buf == MAP_FAILED) {
		fail("mmap", errno);
		return 1;
	}
	memset(buf, 0x6b, size); /* fault the pages in, as a real user would */
	event("mapped", "\"addr\":\"%p\"", buf);

	struct ibv_context *ctx = open_device(device);
	if (!ctx) {
		fail("open_device", errno ? errno : ENODEV);
		return 1;
	}
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	if (!pd) {
		fail("alloc_pd", errno);
		return 1;
	}
	event("reg_start", "\"device\":\"%s\"", js(ibv_get_device_name(ctx->device), b2, sizeof(b2)));
	errno = 0;
	struct ibv_mr *mr = ibv_reg_mr(pd, buf, size,
				       IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				       IBV_ACCESS_REMOTE_READ);
	if (!mr) {
		int err = errno;
		event("reg_failed", "\"errno\":%d,\"message\":\"%s\"", err, js(strerror(err), b1, sizeof(b1)));
		munmap(buf, size);
		close(fd);
		event("exit", "\"status\":0");
		return 0;
	}
	uint64_t reg_t = now_ns();
	event("registered", "\"lkey\":%u,\"rkey\":%u", mr->lkey, mr->rkey);

	/* Hold the pin: sleep in short steps so that a signal releases promptly. */
	uint64_t until = reg_t + (uint64_t)(hold * 1e9);
	while (!release_signal && now_ns() < until) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	const char *why = release_signal ? "signal" : "hold_elapsed";
	event("release_start", "\"reason\":\"%s\"", why);
	int rc = ibv_dereg_mr(mr);
	event("released", "\"rc\":%d", rc);
	munmap(buf, size);
	close(fd);
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

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "pin") == 0)
		return cmd_pin(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "write") == 0)
		return cmd_write(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "now") == 0) {
		event("now", NULL);
		return 0;
	}
	fprintf(stderr, "usage: kfit-guest pin|write|now ...\n");
	return 2;
}
