/*
 * bench.c: how fast certdesk reads a big server, against the floor that
 * GnuTLS itself sets.
 *
 * For each size N it makes a server root with N stored pairs (once; kept
 * for the next run), then measures in one run:
 *   - the floor: open, read and parse every .crt in sslcert/ with GnuTLS
 *     (gnutls_x509_crt_list_import2), nothing else, in this process;
 *   - the store alone: store_open + store_list_entries in this process
 *     (what list costs without exec and JSON);
 *   - `certdesk list --json` and `certdesk show NAME`, exec'd, with the
 *     children's peak memory (ru_maxrss);
 *   - the console's time to its first full screen through a pty (until
 *     the key bar's "F10" is drawn) and the answer time of key presses
 *     (Down, and typing a filter), when the console is built.
 * "cold" runs evict the certificate and key files from the page cache
 * first with posix_fadvise(POSIX_FADV_DONTNEED) (drop_caches needs more
 * privilege than a container has); "warm" runs are the median of three.
 *
 * The pairs: ONE ECDSA P-256 key, and N distinct self-signed certificates
 * (own serial, CN and subjectAltName each) signed with it, each stored as
 * NAME.crt + NAME.key (the same key bytes in every .key file).  Generating
 * N keys would take hours at 100,000; reading them is what is measured.
 *
 * Use: bench --certdesk PATH [--dir DIR] [N...]     (default 1000 10000)
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "certdesk/store.h"
#include "certdesk/util.h"

static const char	*bench_certdesk;
static const char	*bench_dir = "/tmp/certdesk-bench";

struct bench_run {
	double	ms;
	double	cpu_ms;		/* user + system */
	long	maxrss_kb;
	int	status;
};

static double
bench_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* This process's CPU time: the in-process figures on a shared machine. */
static double
bench_cpu_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
bench_die(const char *what, int ret)
{
	fprintf(stderr, "bench: %s: %s\n", what, ret < 0 ?
	    gnutls_strerror(ret) : strerror(errno));
	exit(1);
}

static void
bench_write(const char *path, const void *data, size_t len, mode_t mode)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) == -1 ||
	    write(fd, data, len) != (ssize_t)len || close(fd) == -1)
		bench_die(path, 0);
}

static int
bench_cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Make <dir>/N with N pairs, unless a finished one is there already. */
static char *
bench_make_root(unsigned n)
{
	gnutls_x509_privkey_t	 key;
	gnutls_x509_crt_t	 crt;
	gnutls_datum_t		 kd, cd;
	char			*root, *path, name[64], dns[96];
	unsigned char		 serial[8];
	time_t			 now = time(NULL);
	unsigned		 i;
	double			 t0;
	int			 ret, j;

	xasprintf(&root, "%s/%u", bench_dir, n);
	xasprintf(&path, "%s/.complete", root);
	if (access(path, F_OK) == 0) {
		free(path);
		return root;
	}
	free(path);
	t0 = bench_now_ms();
	mkdir(bench_dir, 0755);
	mkdir(root, 0755);
	xasprintf(&path, "%s/sslcert", root);
	mkdir(path, 0755);
	free(path);
	xasprintf(&path, "%s/sslca", root);
	mkdir(path, 0755);
	free(path);
	xasprintf(&path, "%s/certdesk.conf", root);
	bench_write(path, "[server]\nhostname = host000000.example.com\n",
	    43, 0644);
	free(path);

	if ((ret = gnutls_x509_privkey_init(&key)) < 0 ||
	    (ret = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
	    (ret = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM,
	    NULL, GNUTLS_PKCS_PLAIN, &kd)) < 0)
		bench_die("key", ret);
	for (i = 0; i <= n; i++) {
		/* Entry n is the active pair, a copy of host000000. */
		snprintf(name, sizeof name, "host%06u", i < n ? i : 0);
		snprintf(dns, sizeof dns, "%s.example.com", name);
		for (j = 0; j < 8; j++)
			serial[j] = (unsigned char)(((i + 1) >> (8 * (7 - j))) &
			    0xff);
		serial[0] = 0x01;	/* positive, never zero */
		if ((ret = gnutls_x509_crt_init(&crt)) < 0 ||
		    (ret = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
		    (ret = gnutls_x509_crt_set_serial(crt, serial,
		    sizeof serial)) < 0 ||
		    (ret = gnutls_x509_crt_set_dn_by_oid(crt,
		    GNUTLS_OID_X520_COMMON_NAME, 0, dns, strlen(dns))) < 0 ||
		    (ret = gnutls_x509_crt_set_subject_alt_name(crt,
		    GNUTLS_SAN_DNSNAME, dns, strlen(dns),
		    GNUTLS_FSAN_SET)) < 0 ||
		    (ret = gnutls_x509_crt_set_activation_time(crt,
		    now - 3600)) < 0 ||
		    (ret = gnutls_x509_crt_set_expiration_time(crt,
		    now + 365 * 86400)) < 0 ||
		    (ret = gnutls_x509_crt_set_key(crt, key)) < 0 ||
		    (ret = gnutls_x509_crt_sign2(crt, crt, key,
		    GNUTLS_DIG_SHA256, 0)) < 0 ||
		    (ret = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM,
		    &cd)) < 0)
			bench_die("certificate", ret);
		gnutls_x509_crt_deinit(crt);
		if (i == n)
			snprintf(name, sizeof name, "server");
		xasprintf(&path, "%s/sslcert/%s.crt", root, name);
		bench_write(path, cd.data, cd.size, 0644);
		free(path);
		xasprintf(&path, "%s/sslcert/%s.key", root, name);
		bench_write(path, kd.data, kd.size, 0600);
		free(path);
		gnutls_free(cd.data);
	}
	gnutls_free(kd.data);
	gnutls_x509_privkey_deinit(key);
	xasprintf(&path, "%s/.complete", root);
	bench_write(path, "", 0, 0644);
	free(path);
	fprintf(stderr, "bench: made %u pairs in %s in %.1f s\n", n, root,
	    (bench_now_ms() - t0) / 1e3);
	return root;
}

/* Evict every file of sslcert/ from the page cache. */
static void
bench_evict(const char *root)
{
	struct dirent	*de;
	DIR		*d;
	char		*dir, *path;
	int		 fd;

	xasprintf(&dir, "%s/sslcert", root);
	if ((d = opendir(dir)) == NULL)
		bench_die(dir, 0);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path = util_path_join(dir, de->d_name);
		if ((fd = open(path, O_RDONLY)) != -1) {
			fdatasync(fd);
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
			close(fd);
		}
		free(path);
	}
	closedir(d);
	free(dir);
}

/* The entry cache's folder ($CERTDESK_CACHE): empty it, or evict it. */
static void
bench_cache(const char *dir, bool remove)
{
	struct dirent	*de;
	DIR		*d;
	char		*path;
	int		 fd;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		path = util_path_join(dir, de->d_name);
		if (remove)
			unlink(path);
		else if ((fd = open(path, O_RDONLY)) != -1) {
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
			close(fd);
		}
		free(path);
	}
	closedir(d);
}

/* The floor: read and parse every certificate, nothing else. */
static double
bench_floor(const char *root, unsigned *parsed, double *cpu)
{
	struct dirent		*de;
	struct stat		 sb;
	gnutls_x509_crt_t	*certs;
	gnutls_datum_t		 d;
	unsigned char		*buf;
	unsigned		 n, i;
	size_t			 len;
	DIR			*dir;
	char			*sslcert, *path;
	double			 t0;
	int			 fd;

	*parsed = 0;
	xasprintf(&sslcert, "%s/sslcert", root);
	*cpu = bench_cpu_ms();
	t0 = bench_now_ms();
	if ((dir = opendir(sslcert)) == NULL)
		bench_die(sslcert, 0);
	while ((de = readdir(dir)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".crt") != 0)
			continue;
		path = util_path_join(sslcert, de->d_name);
		if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1)
			bench_die(path, 0);
		buf = xmalloc(sb.st_size + 1);
		if (read(fd, buf, sb.st_size) != sb.st_size)
			bench_die(path, 0);
		close(fd);
		d.data = buf;
		d.size = (unsigned)sb.st_size;
		if (gnutls_x509_crt_list_import2(&certs, &n, &d,
		    GNUTLS_X509_FMT_PEM, 0) < 0)
			bench_die(path, -1);
		for (i = 0; i < n; i++)
			gnutls_x509_crt_deinit(certs[i]);
		gnutls_free(certs);
		free(buf);
		free(path);
		(*parsed)++;
	}
	closedir(dir);
	free(sslcert);
	*cpu = bench_cpu_ms() - *cpu;
	return bench_now_ms() - t0;
}

/* The store alone, in this process: open and list. */
static double
bench_store_list(const char *root, size_t *entries, double *cpu)
{
	struct store_options	 o;
	struct store		*st;
	struct store_list	*list;
	char			*cause = NULL, *note = NULL;
	double			 t0;

	memset(&o, 0, sizeof o);
	o.root = root;
	o.system_conf = "/nonexistent";
	*cpu = bench_cpu_ms();
	t0 = bench_now_ms();
	if (store_open(&o, &st, &note, &cause) != STORE_OK ||
	    store_list_entries(st, STORE_AREA_SERVER, &list, &cause) !=
	    STORE_OK) {
		fprintf(stderr, "bench: store: %s\n", cause);
		exit(1);
	}
	t0 = bench_now_ms() - t0;
	*cpu = bench_cpu_ms() - *cpu;
	*entries = list->n;
	store_list_free(list);
	store_free(st);
	free(note);
	return t0;
}

/*
 * The same in a child process.  Linux counts a child's memory from the
 * moment of fork, so a benchmark that had grown by listing in-process
 * would make every later exec'd certdesk look as large as itself.
 */
static double
bench_store_list_apart(const char *root, size_t *entries, double *cpu)
{
	struct {
		double	ms, cpu;
		size_t	entries;
	} out;
	int		 fds[2], status;
	pid_t		 pid;

	if (pipe(fds) == -1 || (pid = fork()) == -1)
		bench_die("fork", 0);
	if (pid == 0) {
		close(fds[0]);
		out.ms = bench_store_list(root, &out.entries, &out.cpu);
		if (write(fds[1], &out, sizeof out) != (ssize_t)sizeof out)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &out, sizeof out) != (ssize_t)sizeof out)
		bench_die("store list child", 0);
	close(fds[0]);
	waitpid(pid, &status, 0);
	*entries = out.entries;
	*cpu = out.cpu;
	return out.ms;
}

/* Run certdesk --root ROOT ARGS... with stdout to /dev/null. */
static void
bench_exec(const char *root, const char *a1, const char *a2,
    struct bench_run *r)
{
	struct rusage	 ru;
	pid_t		 pid;
	double		 t0;
	int		 fd;

	t0 = bench_now_ms();
	if ((pid = fork()) == -1)
		bench_die("fork", 0);
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(bench_certdesk, "certdesk", "--root", root, a1, a2,
		    (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &r->status, 0, &ru) == -1)
		bench_die("wait4", 0);
	r->ms = bench_now_ms() - t0;
	r->cpu_ms = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
	    ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
	r->maxrss_kb = ru.ru_maxrss;
}

static void
bench_exec_median(const char *root, const char *a1, const char *a2,
    struct bench_run *r)
{
	double	ms[3], cpu[3];
	long	rss = 0;
	int	i;

	for (i = 0; i < 3; i++) {
		bench_exec(root, a1, a2, r);
		ms[i] = r->ms;
		cpu[i] = r->cpu_ms;
		if (r->maxrss_kb > rss)
			rss = r->maxrss_kb;
	}
	qsort(ms, 3, sizeof ms[0], bench_cmp_double);
	qsort(cpu, 3, sizeof cpu[0], bench_cmp_double);
	r->ms = ms[1];
	r->cpu_ms = cpu[1];
	r->maxrss_kb = rss;
}

/* Read from the pty until needle shows or timeout_ms passes. */
static int
bench_pty_wait(int fd, const char *needle, int timeout_ms, char *seen,
    size_t size, size_t *have)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	double		end = bench_now_ms() + timeout_ms;
	ssize_t		n;
	int		left;

	for (;;) {
		seen[*have] = '\0';
		if (needle != NULL && memmem(seen, *have, needle,
		    strlen(needle)) != NULL)
			return 0;
		left = (int)(end - bench_now_ms());
		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		if (*have + 4096 >= size) {
			/* Keep the tail: the needle may straddle reads. */
			memmove(seen, seen + *have - 64, 64);
			*have = 64;
		}
		n = read(fd, seen + *have, size - *have - 1);
		if (n <= 0)
			return -1;	/* the child is gone */
		*have += (size_t)n;
	}
}

/* Wait for the first byte of an answer, then for 30 ms of quiet. */
static double
bench_pty_answer(int fd, const char *keys)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		buf[65536];
	double		t0, first = -1;

	t0 = bench_now_ms();
	if (write(fd, keys, strlen(keys)) < 0)
		return -1;
	for (;;) {
		if (poll(&pfd, 1, first < 0 ? 2000 : 30) <= 0)
			break;
		if (read(fd, buf, sizeof buf) <= 0)
			break;
		if (first < 0)
			first = bench_now_ms() - t0;
	}
	return first;
}

struct bench_console {
	bool	measured;
	double	first_screen_ms;
	double	move_ms;	/* median of Down presses */
	double	move_max_ms;
	double	filter_ms;	/* median of filter keystrokes */
	double	filter_max_ms;
	long	maxrss_kb;
	char	why[128];
};

static void
bench_console(const char *root, struct bench_console *c)
{
	struct winsize	 ws = { 50, 160, 0, 0 };
	struct rusage	 ru;
	static char	 seen[1 << 20];
	size_t		 have = 0;
	double		 t0, ms[20], fm[9];
	const char	*filter = "host0001";
	char		 key[2];
	pid_t		 pid;
	int		 fd, status, i, nf;

	memset(c, 0, sizeof *c);
	t0 = bench_now_ms();
	if ((pid = forkpty(&fd, NULL, NULL, &ws)) == -1)
		bench_die("forkpty", 0);
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		execl(bench_certdesk, "certdesk", "--root", root,
		    (char *)NULL);
		_exit(127);
	}
	if (bench_pty_wait(fd, "F10", 30000, seen, sizeof seen, &have) != 0) {
		snprintf(c->why, sizeof c->why, "no key bar within 30 s: %.60s",
		    have > 0 ? seen : "(no output)");
		for (i = 0; c->why[i] != '\0'; i++) {
			if ((unsigned char)c->why[i] < 0x20)
				c->why[i] = ' ';
		}
		kill(pid, SIGKILL);
		goto done;
	}
	c->first_screen_ms = bench_now_ms() - t0;
	c->measured = true;
	bench_pty_answer(fd, "");	/* let the screen settle */

	for (i = 0; i < 20; i++)
		ms[i] = bench_pty_answer(fd, "\033OB");	/* keypad mode */
	qsort(ms, 20, sizeof ms[0], bench_cmp_double);
	c->move_ms = ms[10];
	c->move_max_ms = ms[19];

	bench_pty_answer(fd, "/");
	for (nf = 0; filter[nf] != '\0' && nf < 9; nf++) {
		key[0] = filter[nf];
		key[1] = '\0';
		fm[nf] = bench_pty_answer(fd, key);
	}
	qsort(fm, nf, sizeof fm[0], bench_cmp_double);
	c->filter_ms = fm[nf / 2];
	c->filter_max_ms = fm[nf - 1];
	bench_pty_answer(fd, "\033");
	(void)!write(fd, "q", 1);
	for (i = 0; i < 50; i++) {
		if (wait4(pid, &status, WNOHANG, &ru) == pid)
			break;
		usleep(20000);
	}
	if (i < 50) {
		c->maxrss_kb = ru.ru_maxrss;
		close(fd);
		return;
	}
	kill(pid, SIGKILL);
done:
	memset(&ru, 0, sizeof ru);
	wait4(pid, &status, 0, &ru);
	c->maxrss_kb = ru.ru_maxrss;
	close(fd);
}

struct bench_size {
	unsigned		n;
	double			floor_cold, floor_warm, floor_cpu;
	double			store_warm;	/* in-process, no cache */
	double			store_cpu;
	struct bench_run	list_cold, list_warm;	/* no cache */
	struct bench_run	cached_cold, cached_warm;
	struct bench_run	show_warm;
	struct bench_console	con;
};

static void
bench_size(struct bench_size *b)
{
	char		*root, *cache, name[32];
	unsigned	 parsed;
	size_t		 entries = 0;
	double		 ms[3], cpu[3], c;
	int		 i;
	bool		 big = b->n >= 50000;

	root = bench_make_root(b->n);
	snprintf(name, sizeof name, "host%06u", b->n / 2);
	xasprintf(&cache, "%s/cache-%u", bench_dir, b->n);
	mkdir(cache, 0700);
	setenv("CERTDESK_CACHE", cache, 1);

	bench_evict(root);
	b->floor_cold = bench_floor(root, &parsed, &c);
	for (i = 0; i < 3; i++)
		ms[i] = bench_floor(root, &parsed, &cpu[i]);
	qsort(ms, 3, sizeof ms[0], bench_cmp_double);
	qsort(cpu, 3, sizeof cpu[0], bench_cmp_double);
	b->floor_warm = ms[1];
	b->floor_cpu = cpu[1];

	/* Without the entry cache: every file parsed and checked. */
	bench_cache(cache, true);
	bench_evict(root);
	bench_exec(root, "list", "--json", &b->list_cold);
	for (i = 0; i < (big ? 1 : 3); i++) {
		bench_cache(cache, true);
		bench_exec(root, "list", "--json", &b->list_warm);
		ms[i] = b->list_warm.ms;
		cpu[i] = b->list_warm.cpu_ms;
	}
	if (!big) {
		qsort(ms, 3, sizeof ms[0], bench_cmp_double);
		qsort(cpu, 3, sizeof cpu[0], bench_cmp_double);
		b->list_warm.ms = ms[1];
		b->list_warm.cpu_ms = cpu[1];
	}
	for (i = 0; i < (big ? 1 : 3); i++) {
		bench_cache(cache, true);
		ms[i] = bench_store_list_apart(root, &entries, &cpu[i]);
	}
	if (!big) {
		qsort(ms, 3, sizeof ms[0], bench_cmp_double);
		qsort(cpu, 3, sizeof cpu[0], bench_cmp_double);
	}
	b->store_warm = big ? ms[0] : ms[1];
	b->store_cpu = big ? cpu[0] : cpu[1];

	/* With the cache a previous run left. */
	bench_exec(root, "list", "--json", &b->cached_warm);
	bench_exec_median(root, "list", "--json", &b->cached_warm);
	bench_evict(root);
	bench_cache(cache, false);
	bench_exec(root, "list", "--json", &b->cached_cold);
	bench_exec_median(root, "show", name, &b->show_warm);
	if (b->list_warm.status != 0)
		fprintf(stderr, "bench: list exited %d\n", b->list_warm.status);
	if (entries != b->n + 1)
		fprintf(stderr, "bench: list has %zu entries, not %u\n",
		    entries, b->n + 1);

	bench_console(root, &b->con);	/* the first start */
	if (b->con.measured)
		bench_console(root, &b->con);	/* warm: the figure */
	free(cache);
	free(root);
}

static void
bench_print(struct bench_size *v, size_t n)
{
	size_t	i;
	double	per;

	printf("Times (wall clock; warm = median of 3 runs, 1 run at 50,000 "
	    "pairs and more):\n\n");
	printf("| pairs | floor cold | floor warm | list --json cold, no cache "
	    "| list --json warm, no cache | store_list_entries warm, no cache "
	    "| list --json cold, cached | list --json warm, cached "
	    "| show warm |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < n; i++) {
		printf("| %u | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms "
		    "| %.0f ms | %.0f ms | %.0f ms |\n", v[i].n, v[i].floor_cold,
		    v[i].floor_warm, v[i].list_cold.ms, v[i].list_warm.ms,
		    v[i].store_warm, v[i].cached_cold.ms, v[i].cached_warm.ms,
		    v[i].show_warm.ms);
	}
	printf("\nRatios to the floor (target: list of 10,000 within 1.3x, "
	    "cold) and peak memory:\n\n");
	printf("| pairs | list/floor cold, no cache | list/floor warm, no cache "
	    "| list/floor cold, cached | list/floor warm, cached "
	    "| list peak RSS, no cache | list peak RSS, cached |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < n; i++) {
		printf("| %u | %.2fx | %.2fx | %.2fx | %.2fx | %.1f MiB "
		    "| %.1f MiB |\n", v[i].n, v[i].list_cold.ms / v[i].floor_cold,
		    v[i].list_warm.ms / v[i].floor_warm,
		    v[i].cached_cold.ms / v[i].floor_cold,
		    v[i].cached_warm.ms / v[i].floor_warm,
		    v[i].list_warm.maxrss_kb / 1024.0,
		    v[i].cached_warm.maxrss_kb / 1024.0);
	}
	printf("\nCPU time (user + system; what a shared or busy machine "
	    "does not distort):\n\n");
	printf("| pairs | floor | store_list_entries, no cache "
	    "| list --json, no cache | list --json, cached | show "
	    "| list/floor, no cache | list/floor, cached |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < n; i++) {
		printf("| %u | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms "
		    "| %.2fx | %.2fx |\n", v[i].n, v[i].floor_cpu,
		    v[i].store_cpu, v[i].list_warm.cpu_ms,
		    v[i].cached_warm.cpu_ms, v[i].show_warm.cpu_ms,
		    v[i].list_warm.cpu_ms / v[i].floor_cpu,
		    v[i].cached_warm.cpu_ms / v[i].floor_cpu);
	}
	printf("\nThe console (through a pty, 160x50, second start: warm, "
	    "cached):\n\n");
	printf("| pairs | first full screen | Down key (median / max) "
	    "| filter keystroke (median / max) | console peak RSS |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < n; i++) {
		if (!v[i].con.measured) {
			printf("| %u | not measured: %s | | | |\n", v[i].n,
			    v[i].con.why);
			continue;
		}
		printf("| %u | %.0f ms | %.1f / %.1f ms | %.1f / %.1f ms | "
		    "%.1f MiB |\n", v[i].n, v[i].con.first_screen_ms,
		    v[i].con.move_ms, v[i].con.move_max_ms, v[i].con.filter_ms,
		    v[i].con.filter_max_ms, v[i].con.maxrss_kb / 1024.0);
	}
	printf("\nMemory growth (peak RSS between sizes, per added entry; "
	    "target under 2 KiB):\n\n");
	for (i = 1; i < n; i++) {
		per = (double)(v[i].list_warm.maxrss_kb -
		    v[i - 1].list_warm.maxrss_kb) * 1024.0 /
		    (double)(v[i].n - v[i - 1].n);
		printf("- %u -> %u pairs: list --json %.0f bytes per entry "
		    "(no cache), ", v[i - 1].n, v[i].n, per);
		per = (double)(v[i].cached_warm.maxrss_kb -
		    v[i - 1].cached_warm.maxrss_kb) * 1024.0 /
		    (double)(v[i].n - v[i - 1].n);
		printf("%.0f bytes per entry (cached)", per);
		if (v[i].con.measured && v[i - 1].con.measured)
			printf("; console %.0f bytes per entry",
			    (double)(v[i].con.maxrss_kb -
			    v[i - 1].con.maxrss_kb) * 1024.0 /
			    (double)(v[i].n - v[i - 1].n));
		printf("\n");
	}
}

int
main(int argc, char **argv)
{
	struct bench_size	*v = NULL;
	size_t			 n = 0, i;
	int			 a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--certdesk") == 0 && a + 1 < argc)
			bench_certdesk = argv[++a];
		else if (strcmp(argv[a], "--dir") == 0 && a + 1 < argc)
			bench_dir = argv[++a];
		else {
			v = xreallocarray(v, n + 1, sizeof *v);
			memset(&v[n], 0, sizeof v[n]);
			v[n++].n = (unsigned)strtoul(argv[a], NULL, 10);
		}
	}
	if (bench_certdesk == NULL) {
		fprintf(stderr, "usage: bench --certdesk PATH [--dir DIR] "
		    "[N...]\n");
		return 2;
	}
	if (n == 0) {
		v = xcalloc(2, sizeof *v);
		v[0].n = 1000;
		v[1].n = 10000;
		n = 2;
	}
	unsetenv("CERTDESK_ROOT");
	if (gnutls_global_init() < 0)
		return 1;
	for (i = 0; i < n; i++) {
		fprintf(stderr, "bench: %u pairs\n", v[i].n);
		bench_size(&v[i]);
	}
	bench_print(v, n);
	free(v);
	return 0;
}
