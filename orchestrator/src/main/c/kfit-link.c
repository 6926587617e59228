/*
 * kfit-link: kfit's user-space link emulator, in the middle of one guest link.
 *
 *   kfit-link --a ADDR:PORT --b ADDR:PORT --control 127.0.0.1:PORT
 *
 * Sides A and B each accept one QEMU socket netdev (-netdev socket,connect=...).
 * QEMU frames its stream as a 4-byte big-endian length and the Ethernet frame;
 * frames from A are re-framed to B and back. The machines kfit runs on have no
 * sch_netem, so the impairments are applied here, per direction:
 * delay +- uniform jitter, loss, duplication, reordering (as netem does it: a
 * reordered frame is sent at once, ahead of the delayed ones), and partition.
 *
 * The control socket takes one-line commands, each answered by one JSON line:
 *   netem [dir=both|a_to_b|b_to_a] delay_us=N jitter_us=N loss_ppm=N dup_ppm=N reorder_ppm=N
 *   partition | heal | stats
 * Each command replaces a direction's whole impairment (missing keys are 0).
 * Once a second while anything happened, a JSON line of counters goes to stdout.
 * Exits 0 on SIGTERM/SIGINT, 2 on bad arguments or a failed bind. stdin is not read.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* QEMU's socket netdev refuses frames above NET_BUFSIZE (64 KiB + 4 KiB of headroom). */
#define MAX_FRAME (65536 + 4096)
#define RX_CAP (4 * (MAX_FRAME + 4))
/* Delayed frames per direction; beyond this they are dropped and counted, as a full qdisc would. */
#define QUEUE_LIMIT (64L << 20)
/* Bytes waiting for a slow receiver: above this the sender is not read (TCP pushes back on QEMU). */
#define OUT_LIMIT (4L << 20)
#define MAX_CONTROL 4
#define MAX_DELAY_US 60000000L
#define PPM 1000000L

enum { A, B };
static const char *side_name[2] = {"a", "b"};
static const char *dir_name[2] = {"a_to_b", "b_to_a"};

struct frame {
	int64_t release_ns;
	uint64_t seq; /* equal release times keep arrival order */
	uint32_t len;
	unsigned char data[]; /* length prefix + frame, ready to send */
};

struct impairment {
	int partitioned;
	long delay_us, jitter_us, loss_ppm, dup_ppm, reorder_ppm;
};

struct counters {
	uint64_t frames, bytes, dropped_loss, dropped_partition, dropped_unconnected, dropped_queue_full,
		duplicated, reordered;
};

/* One direction: frames from side `dir` to side `!dir`. */
struct direction {
	struct impairment imp;
	struct counters c;
	struct frame **heap; /* min-heap on (release_ns, seq) */
	size_t n, cap;
	long queued_bytes;
};

struct side {
	int listen_fd, fd;
	unsigned char rx[RX_CAP];
	size_t rx_len;
	unsigned char *out; /* bytes for this side's QEMU, written when it can take them */
	size_t out_head, out_len, out_cap;
	uint64_t connects, rejected;
};

struct control {
	int fd;
	char line[1024];
	size_t len;
};

static struct side sides[2];
static struct direction dirs[2];
static struct control controls[MAX_CONTROL];
static int control_listen = -1;
static uint64_t seq, rng_state, activity, reported_activity;
static volatile sig_atomic_t stopping;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kfit-link: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* xorshift64*: the impairments need cheap, decent randomness, not crypto. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static int chance(long ppm)
{
	return ppm > 0 && (long)(rnd() % PPM) < ppm;
}

/* ---- the delay queues */

static int before(const struct frame *x, const struct frame *y)
{
	return x->release_ns < y->release_ns || (x->release_ns == y->release_ns && x->seq < y->seq);
}

static void heap_push(struct direction *d, struct frame *f)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 256;
		d->heap = realloc(d->heap, d->cap * sizeof *d->heap);
		if (!d->heap)
			die("out of memory");
	}
	size_t i = d->n++;
	while (i > 0 && before(f, d->heap[(i - 1) / 2])) {
		d->heap[i] = d->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	d->heap[i] = f;
	d->queued_bytes += f->len;
}

static struct frame *heap_pop(struct direction *d)
{
	struct frame *top = d->heap[0], *last = d->heap[--d->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= d->n)
			break;
		if (c + 1 < d->n && before(d->heap[c + 1], d->heap[c]))
			c++;
		if (!before(d->heap[c], last))
			break;
		d->heap[i] = d->heap[c];
		i = c;
	}
	if (d->n > 0)
		d->heap[i] = last;
	d->queued_bytes -= top->len;
	return top;
}

/* ---- sockets */

static void parse_addr(const char *opt, const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(text, ':');
	if (!colon || colon == text || strlen(text) >= sizeof host)
		die("%s '%s': expected ADDR:PORT", opt, text);
	size_t hl = (size_t)(colon - text);
	memcpy(host, text, hl);
	host[hl] = 0;
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') { /* [v6]:port */
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 1 || port > 65535)
		die("%s '%s': the port must be 1..65535", opt, text);
	/* inet_pton rather than getaddrinfo: a static binary must not need glibc's NSS at run time. */
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof *v4;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof *v6;
	} else {
		die("%s '%s': '%s' is not a numeric IPv4 or IPv6 address", opt, text, host);
	}
	/* Listening on every address would expose the link beyond the hosts' network. */
	if ((ss->ss_family == AF_INET && v4->sin_addr.s_addr == htonl(INADDR_ANY))
	    || (ss->ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr)))
		die("%s '%s': a wildcard address is not allowed, give the address to listen on", opt, text);
}

static int listen_on(const char *opt, const char *text)
{
	struct sockaddr_storage ss;
	socklen_t len;
	parse_addr(opt, text, &ss, &len);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		die("%s %s: socket: %s", opt, text, strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("%s %s: bind: %s", opt, text, strerror(errno));
	if (listen(fd, 4) < 0)
		die("%s %s: listen: %s", opt, text, strerror(errno));
	return fd;
}

static void print_counters(FILE *out, const char *lead)
{
	fprintf(out, "{%s\"t_ns\":%" PRId64, lead, now_ns());
	for (int d = 0; d < 2; d++) {
		struct direction *x = &dirs[d];
		fprintf(out, ",\"%s\":{\"frames\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"dropped_loss\":%" PRIu64
			",\"dropped_partition\":%" PRIu64 ",\"dropped_unconnected\":%" PRIu64
			",\"dropped_queue_full\":%" PRIu64 ",\"duplicated\":%" PRIu64 ",\"reordered\":%" PRIu64
			",\"queued\":%zu,\"queued_bytes\":%ld}",
			dir_name[d], x->c.frames, x->c.bytes, x->c.dropped_loss, x->c.dropped_partition,
			x->c.dropped_unconnected, x->c.dropped_queue_full, x->c.duplicated, x->c.reordered, x->n,
			x->queued_bytes);
	}
	for (int s = 0; s < 2; s++)
		fprintf(out, ",\"%s_connected\":%s,\"%s_connects\":%" PRIu64 ",\"%s_rejected\":%" PRIu64,
			side_name[s], sides[s].fd >= 0 ? "true" : "false", side_name[s], sides[s].connects,
			side_name[s], sides[s].rejected);
}

static void event(const char *what, int s)
{
	printf("{\"t_ns\":%" PRId64 ",\"event\":\"%s\",\"side\":\"%s\"}\n", now_ns(), what, side_name[s]);
}

static void disconnect(int s, const char *why)
{
	close(sides[s].fd);
	sides[s].fd = -1;
	sides[s].rx_len = 0;
	sides[s].out_head = sides[s].out_len = 0; /* bytes for a gone QEMU are lost, as on a cut wire */
	event(why, s);
	activity++;
}

/* Appends a framed packet to the side's output; the caller checked that it is connected. */
static void enqueue_out(int s, const unsigned char *buf, size_t len)
{
	struct side *x = &sides[s];
	if (x->out_head > 0 && x->out_head + x->out_len + len > x->out_cap) {
		memmove(x->out, x->out + x->out_head, x->out_len);
		x->out_head = 0;
	}
	if (x->out_len + len > x->out_cap) {
		x->out_cap = 2 * (x->out_len + len);
		x->out = realloc(x->out, x->out_cap);
		if (!x->out)
			die("out of memory");
	}
	memcpy(x->out + x->out_head + x->out_len, buf, len);
	x->out_len += len;
}

static void flush_out(int s)
{
	struct side *x = &sides[s];
	while (x->fd >= 0 && x->out_len > 0) {
		ssize_t n = send(x->fd, x->out + x->out_head, x->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				disconnect(s, "send_failed");
			return;
		}
		x->out_head += (size_t)n;
		x->out_len -= (size_t)n;
	}
	if (x->out_len == 0)
		x->out_head = 0;
}

/* Sends the frames whose time has come; returns the next release time, or -1. */
static int64_t release_due(int64_t now)
{
	int64_t next = -1;
	for (int d = 0; d < 2; d++) {
		struct direction *x = &dirs[d];
		int to = !d;
		while (x->n > 0 && x->heap[0]->release_ns <= now) {
			struct frame *f = heap_pop(x);
			uint32_t flen = f->len - 4;
			/* A partition or a lost peer also takes the frames still in flight. */
			if (x->imp.partitioned)
				x->c.dropped_partition++;
			else if (sides[to].fd < 0)
				x->c.dropped_unconnected++;
			else {
				enqueue_out(to, f->data, f->len);
				x->c.frames++;
				x->c.bytes += flen;
			}
			free(f);
			activity++;
		}
		flush_out(to);
		if (x->n > 0 && (next < 0 || x->heap[0]->release_ns < next))
			next = x->heap[0]->release_ns;
	}
	return next;
}

static void schedule(struct direction *x, const unsigned char *frame, uint32_t len, int64_t now, int reorder)
{
	if (x->queued_bytes + (long)len + 4 > QUEUE_LIMIT) {
		x->c.dropped_queue_full++;
		return;
	}
	struct frame *f = malloc(sizeof *f + len + 4);
	if (!f)
		die("out of memory");
	int64_t delay = 0;
	if (!reorder) {
		delay = x->imp.delay_us;
		if (x->imp.jitter_us > 0)
			delay += (int64_t)(rnd() % (uint64_t)(2 * x->imp.jitter_us + 1)) - x->imp.jitter_us;
		if (delay < 0)
			delay = 0;
	}
	f->release_ns = now + delay * 1000;
	f->seq = seq++;
	f->len = len + 4;
	uint32_t be = htonl(len);
	memcpy(f->data, &be, 4);
	memcpy(f->data + 4, frame, len);
	heap_push(x, f);
}

/* One frame read from side `from`: apply the direction's impairment. */
static void on_frame(int from, const unsigned char *frame, uint32_t len, int64_t now)
{
	struct direction *x = &dirs[from];
	activity++;
	if (x->imp.partitioned) {
		x->c.dropped_partition++;
		return;
	}
	if (sides[!from].fd < 0) {
		x->c.dropped_unconnected++;
		return;
	}
	if (chance(x->imp.loss_ppm)) {
		x->c.dropped_loss++;
		return;
	}
	int copies = 1;
	if (chance(x->imp.dup_ppm)) {
		x->c.duplicated++;
		copies = 2;
	}
	for (int i = 0; i < copies; i++) {
		/* netem reorders only what it delays: without a delay nothing can be overtaken. */
		int reorder = x->imp.delay_us > 0 && chance(x->imp.reorder_ppm);
		if (reorder)
			x->c.reordered++;
		schedule(x, frame, len, now, reorder);
	}
}

static void read_side(int s, int64_t now)
{
	struct side *x = &sides[s];
	ssize_t n = recv(x->fd, x->rx + x->rx_len, RX_CAP - x->rx_len, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		disconnect(s, "disconnected");
		return;
	}
	if (n < 0)
		return;
	x->rx_len += (size_t)n;
	size_t off = 0;
	while (x->rx_len - off >= 4) {
		uint32_t be;
		memcpy(&be, x->rx + off, 4);
		uint32_t len = ntohl(be);
		if (len == 0 || len > MAX_FRAME) {
			/* Not QEMU's framing: resynchronising is guesswork, so drop the connection. */
			fprintf(stderr, "kfit-link: side %s sent a frame length of %u, disconnecting\n", side_name[s], len);
			disconnect(s, "bad_frame");
			return;
		}
		if (x->rx_len - off < 4 + (size_t)len)
			break;
		on_frame(s, x->rx + off + 4, len, now);
		off += 4 + len;
	}
	memmove(x->rx, x->rx + off, x->rx_len - off);
	x->rx_len -= off;
}

static void accept_side(int s)
{
	int fd = accept4(sides[s].listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (sides[s].fd >= 0) { /* one QEMU per side: a second one is a wiring mistake */
		close(fd);
		sides[s].rejected++;
		event("rejected", s);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* the delay is ours to add */
	sides[s].fd = fd;
	sides[s].connects++;
	event("connected", s);
	activity++;
}

/* ---- control */

static void reply(struct control *c, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* Replies are small and the reader waits for them: a short blocking send is fine. */
	if (n > 0 && send(c->fd, buf, (size_t)n, MSG_NOSIGNAL) != n) {
		close(c->fd);
		c->fd = -1;
	}
}

static void ok(struct control *c)
{
	reply(c, "{\"ok\":true,\"t_ns\":%" PRId64 "}\n", now_ns());
}

static void fail(struct control *c, const char *fmt, const char *arg)
{
	char msg[512];
	snprintf(msg, sizeof msg, fmt, arg);
	for (char *p = msg; *p; p++) /* keep the JSON string valid */
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			*p = '\'';
	reply(c, "{\"ok\":false,\"error\":\"%s\"}\n", msg);
}

static void set_both(const struct impairment *imp, int which)
{
	for (int d = 0; d < 2; d++)
		if (which < 0 || which == d)
			dirs[d].imp = *imp;
	activity++;
}

static void command_netem(struct control *c, char *args)
{
	struct impairment imp = {0};
	int which = -1;
	for (char *tok = strtok(args, " \t"); tok; tok = strtok(NULL, " \t")) {
		char *eq = strchr(tok, '=');
		if (!eq) {
			fail(c, "netem: expected KEY=VALUE, got %s", tok);
			return;
		}
		*eq = 0;
		const char *v = eq + 1;
		if (!strcmp(tok, "dir")) {
			if (!strcmp(v, "both"))
				which = -1;
			else if (!strcmp(v, dir_name[A]))
				which = A;
			else if (!strcmp(v, dir_name[B]))
				which = B;
			else {
				fail(c, "netem: dir must be both, a_to_b or b_to_a, got %s", v);
				return;
			}
			continue;
		}
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (errno || end == v || *end || n < 0) {
			fail(c, "netem: %s needs a non-negative whole number", tok);
			return;
		}
		long *field = !strcmp(tok, "delay_us") ? &imp.delay_us : !strcmp(tok, "jitter_us") ? &imp.jitter_us
			: !strcmp(tok, "loss_ppm") ? &imp.loss_ppm : !strcmp(tok, "dup_ppm") ? &imp.dup_ppm
			: !strcmp(tok, "reorder_ppm") ? &imp.reorder_ppm : NULL;
		if (!field) {
			fail(c, "netem: unknown key %s (known: dir, delay_us, jitter_us, loss_ppm, dup_ppm, reorder_ppm)", tok);
			return;
		}
		long max = field == &imp.delay_us || field == &imp.jitter_us ? MAX_DELAY_US : PPM;
		if (n > max) {
			fail(c, "netem: %s is out of range", tok);
			return;
		}
		*field = n;
	}
	set_both(&imp, which);
	ok(c);
}

static void command(struct control *c, char *line)
{
	size_t l = strlen(line);
	while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == ' '))
		line[--l] = 0;
	char *rest = line + strcspn(line, " \t");
	if (*rest)
		*rest++ = 0;
	static const struct impairment none, cut = {.partitioned = 1};
	if (!strcmp(line, "netem")) {
		command_netem(c, rest);
	} else if (!strcmp(line, "partition") && !*rest) {
		set_both(&cut, -1);
		ok(c);
	} else if (!strcmp(line, "heal") && !*rest) {
		set_both(&none, -1);
		ok(c);
	} else if (!strcmp(line, "stats") && !*rest) {
		char buf[2048];
		FILE *m = fmemopen(buf, sizeof buf, "w");
		print_counters(m, "\"ok\":true,");
		fputs("}\n", m);
		fclose(m);
		reply(c, "%s", buf);
	} else {
		fail(c, "unknown command '%s' (known: netem, partition, heal, stats)", line);
	}
}

static void read_control(struct control *c)
{
	ssize_t n = recv(c->fd, c->line + c->len, sizeof c->line - 1 - c->len, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(c->fd);
			c->fd = -1;
		}
		return;
	}
	c->len += (size_t)n;
	c->line[c->len] = 0;
	char *nl;
	while (c->fd >= 0 && (nl = strchr(c->line, '\n'))) {
		*nl = 0;
		command(c, c->line);
		size_t used = (size_t)(nl + 1 - c->line);
		memmove(c->line, nl + 1, c->len - used + 1);
		c->len -= used;
	}
	if (c->fd >= 0 && c->len == sizeof c->line - 1) {
		fail(c, "command longer than %s bytes", "1023");
		close(c->fd);
		c->fd = -1;
	}
}

static void accept_control(void)
{
	int fd = accept4(control_listen, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CONTROL; i++)
		if (controls[i].fd < 0) {
			controls[i].fd = fd;
			controls[i].len = 0;
			return;
		}
	close(fd); /* kfit uses one connection; more is a leak somewhere */
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

int main(int argc, char **argv)
{
	const char *addr[2] = {NULL, NULL}, *control = NULL;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			die("%s needs a value (usage: kfit-link --a ADDR:PORT --b ADDR:PORT --control ADDR:PORT)", argv[i]);
		if (!strcmp(argv[i], "--a"))
			addr[A] = argv[++i];
		else if (!strcmp(argv[i], "--b"))
			addr[B] = argv[++i];
		else if (!strcmp(argv[i], "--control"))
			control = argv[++i];
		else
			die("unknown argument '%s' (usage: kfit-link --a ADDR:PORT --b ADDR:PORT --control ADDR:PORT)", argv[i]);
	}
	if (!addr[A] || !addr[B] || !control)
		die("usage: kfit-link --a ADDR:PORT --b ADDR:PORT --control ADDR:PORT");

	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: ppoll must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rng_state = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;

	for (int s = 0; s < 2; s++) {
		sides[s].fd = -1;
		sides[s].listen_fd = listen_on(s == A ? "--a" : "--b", addr[s]);
	}
	control_listen = listen_on("--control", control);
	for (int i = 0; i < MAX_CONTROL; i++)
		controls[i].fd = -1;
	printf("{\"t_ns\":%" PRId64 ",\"event\":\"listening\",\"a\":\"%s\",\"b\":\"%s\",\"control\":\"%s\"}\n",
	       now_ns(), addr[A], addr[B], control);

	int64_t next_report = now_ns() + 1000000000;
	while (!stopping) {
		int64_t now = now_ns();
		int64_t next = release_due(now);
		if (now >= next_report) {
			if (activity != reported_activity) {
				print_counters(stdout, "");
				fputs("}\n", stdout);
				reported_activity = activity;
			}
			next_report = now + 1000000000;
		}
		int64_t wake = next >= 0 && next < next_report ? next : next_report;

		struct pollfd p[5 + MAX_CONTROL];
		int n = 0, side_at[2] = {-1, -1}, ctl_at[MAX_CONTROL];
		for (int s = 0; s < 2; s++)
			p[n++] = (struct pollfd){.fd = sides[s].listen_fd, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = control_listen, .events = POLLIN};
		for (int s = 0; s < 2; s++) {
			if (sides[s].fd < 0)
				continue;
			short ev = sides[s].out_len > 0 ? POLLOUT : 0;
			/* Back pressure: stop reading while the receiver's backlog is full. */
			if (sides[!s].out_len < OUT_LIMIT)
				ev |= POLLIN;
			side_at[s] = n;
			p[n++] = (struct pollfd){.fd = sides[s].fd, .events = ev};
		}
		for (int i = 0; i < MAX_CONTROL; i++) {
			ctl_at[i] = -1;
			if (controls[i].fd >= 0) {
				ctl_at[i] = n;
				p[n++] = (struct pollfd){.fd = controls[i].fd, .events = POLLIN};
			}
		}
		int64_t wait = wake - now_ns();
		struct timespec ts = {.tv_sec = wait > 0 ? wait / 1000000000 : 0, .tv_nsec = wait > 0 ? wait % 1000000000 : 0};
		if (ppoll(p, (nfds_t)n, &ts, NULL) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		now = now_ns();
		for (int s = 0; s < 2; s++) {
			if (p[s].revents & POLLIN)
				accept_side(s);
			int at = side_at[s];
			if (at < 0 || sides[s].fd < 0)
				continue;
			if (p[at].revents & POLLOUT)
				flush_out(s);
			if (sides[s].fd >= 0 && (p[at].revents & (POLLIN | POLLHUP | POLLERR)))
				read_side(s, now);
		}
		if (p[2].revents & POLLIN)
			accept_control();
		for (int i = 0; i < MAX_CONTROL; i++)
			if (ctl_at[i] >= 0 && controls[i].fd >= 0 && (p[ctl_at[i]].revents & (POLLIN | POLLHUP | POLLERR)))
				read_control(&controls[i]);
	}
	print_counters(stdout, "\"event\":\"exit\",");
	fputs("}\n", stdout);
	return 0;
}
