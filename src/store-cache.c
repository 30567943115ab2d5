/*
 * store-cache.c: a cache of described entries, so that listing thousands
 * of certificates (and the console's first screen) does not parse and
 * check every file each time.  An entry is reused only while its files
 * keep their identity (device, inode, size, mtime and ctime to the
 * nanosecond) and while everything its checks depend on is unchanged
 * (hostname, sslca/, the trust store, the active pair); date checks are
 * recomputed on every use.  The cache lives outside the server root
 * ($CERTDESK_CACHE, else $XDG_CACHE_HOME/certdesk, else ~/.cache/certdesk)
 * so the root is never touched by a read.  A missing, foreign or damaged
 * cache file is simply rebuilt.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/crypto.h>

#include "store-internal.h"

#define CACHE_MAGIC	"certdesk-cache-1\n"

struct cache_record {
	char			*name;
	char			*ident;
	const unsigned char	*data;	/* the serialized entry, in the map */
	size_t			 len;
	bool			 used;
};

struct store_cache {
	char			*path;
	unsigned char		*map;	/* the cache file, read-only */
	size_t			 map_len;
	size_t			 dropped;	/* pages of map given back */
	char			 context[65];
	struct cache_record	*v;	/* read from the file, sorted */
	size_t			 n;
	struct cache_record	*fresh;	/* described in this run */
	size_t			 n_fresh;
	bool			 dirty;
};

static void
cache_stat_text(struct util_buf *b, const char *path)
{
	struct stat	sb;

	if (stat(path, &sb) == -1) {
		util_buf_add(b, "-|", 2);
		return;
	}
	util_buf_printf(b, "%lu:%lu:%lld:%lld.%09ld:%lld.%09ld|",
	    (unsigned long)sb.st_dev, (unsigned long)sb.st_ino,
	    (long long)sb.st_size, (long long)sb.st_mtim.tv_sec,
	    sb.st_mtim.tv_nsec, (long long)sb.st_ctim.tv_sec,
	    sb.st_ctim.tv_nsec);
}

static int
cache_compare_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What every entry's checks depend on, as one hash. */
static void
cache_context(struct store *st, enum store_area area, char out[65])
{
	struct util_buf	 b = { 0 };
	struct dirent	*de;
	DIR		*d;
	char		*trust, **names = NULL, *path;
	size_t		 n = 0, i;
	unsigned char	 h[32];

	util_buf_printf(&b, "%s|%d|%s|", st->root, (int)area, st->hostname);
	trust = store_trust_file(st);
	util_buf_printf(&b, "%s|", trust != NULL ? trust : "");
	cache_stat_text(&b, trust != NULL ? trust :
	    "/etc/ssl/certs/ca-certificates.crt");
	free(trust);
	path = util_path_join(st->sslcert, "server.crt");
	cache_stat_text(&b, path);
	free(path);
	if ((d = opendir(st->sslca)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrdup(de->d_name);
		}
		closedir(d);
	}
	if (n > 1)	/* qsort(NULL, 0) is undefined: an empty sslca/ */
		qsort(names, n, sizeof *names, cache_compare_text);
	for (i = 0; i < n; i++) {
		util_buf_printf(&b, "%s=", names[i]);
		path = util_path_join(st->sslca, names[i]);
		cache_stat_text(&b, path);
		free(path);
		free(names[i]);
	}
	free(names);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, b.data, b.len, h);
	util_hex(h, 32, out);
	util_buf_done(&b);
}

/* The identity of an entry's files. */
static char *
cache_ident(struct store *st, enum store_area area, const char *name)
{
	/* The files store_entry_fill reads for this area, no more. */
	static const char *const server_exts[] = { ".crt", ".csr", ".key" };
	static const char *const ca_exts[] = { ".crt", ".pem", ".cer" };
	const char *const	*exts = area == STORE_AREA_CA ? ca_exts :
				    server_exts;
	struct util_buf		 b = { 0 };
	char			*path;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		path = store_entry_file(st, area, name, exts[i]);
		cache_stat_text(&b, path);
		free(path);
	}
	return util_buf_take_string(&b);
}

static char *
cache_file_path(struct store *st, enum store_area area)
{
	const char	*dir, *home;
	char		*base, *path, hex[65];
	unsigned char	 h[32];

	if ((dir = getenv("CERTDESK_CACHE")) != NULL && *dir != '\0')
		base = xstrdup(dir);
	else if ((dir = getenv("XDG_CACHE_HOME")) != NULL && *dir != '\0')
		base = util_path_join(dir, "certdesk");
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		xasprintf(&base, "%s/.cache/certdesk", home);
	else
		return NULL;
	gnutls_hash_fast(GNUTLS_DIG_SHA256, st->root, strlen(st->root), h);
	util_hex(h, 12, hex);
	xasprintf(&path, "%s/%s-%s", base, hex, area == STORE_AREA_CA ? "ca" :
	    "server");
	free(base);
	return path;
}

/* Serialization: strings length-prefixed, numbers as fixed 8 bytes. */
static void
cache_put_u64(struct util_buf *b, uint64_t v)
{
	unsigned char	x[8];
	int		i;

	for (i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	util_buf_add(b, x, 8);
}

static void
cache_put_str(struct util_buf *b, const char *s)
{
	if (s == NULL) {
		cache_put_u64(b, UINT64_MAX);
		return;
	}
	cache_put_u64(b, strlen(s));
	util_buf_add(b, s, strlen(s));
}

static void
cache_put_strings(struct util_buf *b, const struct store_strings *s)
{
	size_t	i;

	cache_put_u64(b, s->n);
	for (i = 0; i < s->n; i++)
		cache_put_str(b, s->v[i]);
}

struct cache_reader {
	const unsigned char	*p;
	size_t			 left;
	bool			 bad;
};

static uint64_t
cache_get_u64(struct cache_reader *r)
{
	uint64_t	v = 0;
	int		i;

	if (r->left < 8) {
		r->bad = true;
		return 0;
	}
	for (i = 0; i < 8; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += 8;
	r->left -= 8;
	return v;
}

static char *
cache_get_str(struct cache_reader *r)
{
	uint64_t	 len = cache_get_u64(r);
	char		*s;

	if (r->bad || len == UINT64_MAX)
		return NULL;
	if (len > r->left) {
		r->bad = true;
		return NULL;
	}
	s = xstrndup((const char *)r->p, (size_t)len);
	r->p += len;
	r->left -= len;
	return s;
}

static void
cache_get_strings(struct cache_reader *r, struct store_strings *s)
{
	uint64_t	n = cache_get_u64(r), i;

	s->v = NULL;
	s->n = 0;
	if (r->bad || n > 4096) {
		r->bad = true;
		return;
	}
	s->v = xcalloc(n, sizeof *s->v);
	for (i = 0; i < n && !r->bad; i++) {
		s->v[i] = cache_get_str(r);
		if (s->v[i] == NULL)
			s->v[i] = xstrdup("");
		s->n++;
	}
}

static void
cache_get_hex(struct cache_reader *r, char *out, size_t size)
{
	char	*s = cache_get_str(r);

	if (s == NULL || strlen(s) >= size)
		r->bad = true;
	else
		strcpy(out, s);
	free(s);
}

static void
cache_serialize(const struct store_entry *e, struct util_buf *b)
{
	int	i;

	cache_put_u64(b, (uint64_t)e->kind);
	cache_put_u64(b, e->active);
	cache_put_u64(b, e->has_key);
	cache_put_str(b, e->path);
	cache_put_str(b, e->key_path);
	cache_put_str(b, e->common_name);
	cache_put_str(b, e->subject);
	cache_put_str(b, e->issuer);
	cache_put_str(b, e->issuer_cn);
	cache_put_strings(b, &e->alt_names);
	cache_put_u64(b, e->self_signed);
	cache_put_u64(b, e->is_ca);
	cache_put_str(b, e->serial);
	cache_put_u64(b, (uint64_t)(int64_t)e->not_before);
	cache_put_u64(b, (uint64_t)(int64_t)e->not_after);
	cache_put_str(b, e->key_type);
	cache_put_u64(b, e->key_bits);
	cache_put_str(b, e->signature_algorithm);
	cache_put_strings(b, &e->key_usage);
	cache_put_strings(b, &e->ext_key_usage);
	cache_put_str(b, e->sha256);
	cache_put_str(b, e->sha1);
	cache_put_str(b, e->tlsa_311);
	cache_put_u64(b, e->chain_in_file);
	for (i = 0; i < STORE_CHECK_COUNT; i++) {
		cache_put_u64(b, e->checks[i].ok);
		cache_put_str(b, e->checks[i].why);
	}
}

static bool
cache_deserialize(struct store *st, const struct cache_record *rec,
    enum store_area area, struct store_entry *e)
{
	struct cache_reader	r = { rec->data, rec->len, false };
	int			i;

	memset(e, 0, sizeof *e);
	e->name = xstrdup(rec->name);
	e->area = area;
	e->kind = (enum store_kind)cache_get_u64(&r);
	e->active = cache_get_u64(&r) != 0;
	e->has_key = cache_get_u64(&r) != 0;
	e->path = cache_get_str(&r);
	e->key_path = cache_get_str(&r);
	e->common_name = cache_get_str(&r);
	e->subject = cache_get_str(&r);
	e->issuer = cache_get_str(&r);
	e->issuer_cn = cache_get_str(&r);
	cache_get_strings(&r, &e->alt_names);
	e->self_signed = cache_get_u64(&r) != 0;
	e->is_ca = cache_get_u64(&r) != 0;
	e->serial = cache_get_str(&r);
	e->not_before = (time_t)(int64_t)cache_get_u64(&r);
	e->not_after = (time_t)(int64_t)cache_get_u64(&r);
	e->key_type = cache_get_str(&r);
	e->key_bits = (unsigned)cache_get_u64(&r);
	e->signature_algorithm = cache_get_str(&r);
	cache_get_strings(&r, &e->key_usage);
	cache_get_strings(&r, &e->ext_key_usage);
	cache_get_hex(&r, e->sha256, sizeof e->sha256);
	cache_get_hex(&r, e->sha1, sizeof e->sha1);
	cache_get_hex(&r, e->tlsa_311, sizeof e->tlsa_311);
	e->chain_in_file = (unsigned)cache_get_u64(&r);
	for (i = 0; i < STORE_CHECK_COUNT; i++) {
		e->checks[i].ok = cache_get_u64(&r) != 0;
		e->checks[i].why = cache_get_str(&r);
	}
	if (r.bad || r.left != 0 || e->path == NULL || e->common_name == NULL ||
	    e->subject == NULL || e->key_type == NULL ||
	    (e->kind != STORE_KIND_CERTIFICATE &&
	    e->kind != STORE_KIND_REQUEST)) {
		store_entry_done(e);
		return false;
	}
	/* Dates move on while the files stay the same. */
	if (e->kind == STORE_KIND_CERTIFICATE)
		store_entry_date_check(st, e);
	return true;
}

static void
cache_records_free(struct store_cache *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].ident);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static int
cache_compare_records(const void *a, const void *b)
{
	return strcmp(((const struct cache_record *)a)->name,
	    ((const struct cache_record *)b)->name);
}

/*
 * Read the records through a read-only mapping of the file, dropping the
 * pages already copied out as it goes: the file is as large as the
 * records, so holding both would double the memory a long list needs.
 */
/* Give back the pages of the map below offset: they were read. */
static void
cache_drop_below(struct store_cache *c, size_t offset)
{
	size_t	page = (size_t)sysconf(_SC_PAGESIZE), end;

	end = offset / page * page;
	if (end > c->dropped + 64 * page) {
		madvise(c->map + c->dropped, end - c->dropped, MADV_DONTNEED);
		c->dropped = end;
	}
}

/*
 * Index the records of a read-only mapping of the file.  Entries are
 * described straight from the mapping, and the pages already read are
 * given back as the list goes on, so a long list never holds the file
 * and its entries in memory at once.
 */
static void
cache_read(struct store_cache *c)
{
	struct cache_reader	 r;
	struct cache_record	 rec;
	struct stat		 sb;
	size_t			 len, magic = strlen(CACHE_MAGIC);
	char			*context;
	uint64_t		 count, i, size;
	int			 fd;

	if ((fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (size_t)sb.st_size < magic) {
		close(fd);
		return;
	}
	len = (size_t)sb.st_size;
	c->map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		return;
	}
	c->map_len = len;
	if (memcmp(c->map, CACHE_MAGIC, magic) != 0)
		return;
	r.p = c->map + magic;
	r.left = len - magic;
	r.bad = false;
	context = cache_get_str(&r);
	if (context == NULL || strcmp(context, c->context) != 0) {
		free(context);
		return;
	}
	free(context);
	count = cache_get_u64(&r);
	for (i = 0; i < count && !r.bad; i++) {
		memset(&rec, 0, sizeof rec);
		rec.name = cache_get_str(&r);
		rec.ident = cache_get_str(&r);
		size = cache_get_u64(&r);
		if (rec.name == NULL || rec.ident == NULL || r.bad ||
		    size > r.left) {
			free(rec.name);
			free(rec.ident);
			r.bad = true;
			break;
		}
		rec.data = r.p;
		rec.len = (size_t)size;
		r.p += size;
		r.left -= size;
		c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
		c->v[c->n++] = rec;
		cache_drop_below(c, (size_t)(r.p - c->map));
	}
	if (r.bad)
		cache_records_free(c);
	else if (c->n > 1)
		qsort(c->v, c->n, sizeof *c->v, cache_compare_records);
	/* The entries are read again from the start. */
	madvise(c->map + c->dropped, len - c->dropped, MADV_DONTNEED);
	c->dropped = 0;
}

struct store_cache *
store_cache_open(struct store *st, enum store_area area)
{
	struct store_cache	*c;
	char			*path;

	if ((path = cache_file_path(st, area)) == NULL)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->path = path;
	cache_context(st, area, c->context);
	cache_read(c);
	return c;
}

static struct cache_record *
cache_find(struct store_cache *c, const char *name)
{
	struct cache_record	key = { .name = (char *)name };

	if (c->n == 0)
		return NULL;
	return bsearch(&key, c->v, c->n, sizeof *c->v, cache_compare_records);
}

bool
store_cache_get(struct store *st, struct store_cache *c, enum store_area area,
    const char *name, struct store_entry *e)
{
	struct cache_record	*rec;
	char			*ident;
	bool			 ok = false;

	if (c == NULL || (rec = cache_find(c, name)) == NULL)
		return false;
	ident = cache_ident(st, area, name);
	if (strcmp(ident, rec->ident) == 0 &&
	    cache_deserialize(st, rec, area, e)) {
		/*
		 * The entry holds it now: a rewrite serializes the entry and
		 * stats its files again, so thousands of entries cost no more
		 * memory than the list itself.
		 */
		cache_drop_below(c, (size_t)(rec->data - c->map));
		rec->data = NULL;
		rec->len = 0;
		free(rec->ident);
		rec->ident = NULL;
		rec->used = true;
		ok = true;
	}
	free(ident);
	return ok;
}

void
store_cache_put(struct store *st, struct store_cache *c, enum store_area area,
    const struct store_entry *e)
{
	struct cache_record	*rec;

	if (c == NULL || e->error != NULL)
		return;
	c->fresh = xreallocarray(c->fresh, c->n_fresh + 1, sizeof *c->fresh);
	rec = &c->fresh[c->n_fresh++];
	memset(rec, 0, sizeof *rec);
	rec->name = xstrdup(e->name);
	rec->ident = cache_ident(st, area, e->name);
	rec->used = true;
	c->dirty = true;
}

/* The identity of an entry of this run, or NULL: a new string. */
static char *
cache_entry_ident(struct store *st, struct store_cache *c,
    enum store_area area, const char *name)
{
	struct cache_record	 key = { .name = (char *)name }, *rec;

	rec = cache_find(c, name);
	if (rec != NULL && rec->used)
		return cache_ident(st, area, name);
	if (c->n_fresh == 0)
		return NULL;
	rec = bsearch(&key, c->fresh, c->n_fresh, sizeof *c->fresh,
	    cache_compare_records);
	return rec != NULL ? xstrdup(rec->ident) : NULL;
}

/* Write the cache from the listed entries themselves. */
static void
cache_write(struct store *st, struct store_cache *c, enum store_area area,
    const struct store_list *list)
{
	struct util_buf	 b = { 0 }, entry = { 0 };
	char		*ident;
	char		*dir, *slash;
	size_t		 i, count = 0, at;

	if (c->n_fresh > 1)
		qsort(c->fresh, c->n_fresh, sizeof *c->fresh,
		    cache_compare_records);
	util_buf_add(&b, CACHE_MAGIC, strlen(CACHE_MAGIC));
	cache_put_str(&b, c->context);
	at = b.len;
	cache_put_u64(&b, 0);	/* the count, filled in below */
	for (i = 0; i < list->n; i++) {
		if (list->v[i].error != NULL || (ident = cache_entry_ident(st,
		    c, area, list->v[i].name)) == NULL)
			continue;
		cache_put_str(&b, list->v[i].name);
		cache_put_str(&b, ident);
		free(ident);
		cache_serialize(&list->v[i], &entry);
		cache_put_u64(&b, entry.len);
		util_buf_add(&b, entry.data, entry.len);
		entry.len = 0;
		count++;
	}
	util_buf_done(&entry);
	for (i = 0; i < 8; i++)
		b.data[at + i] = (unsigned char)(count >> (8 * i));
	dir = xstrdup(c->path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		/* ~/.cache may not exist yet; a failure only costs speed. */
		if (mkdir(dir, 0700) == -1 && errno == ENOENT &&
		    (slash = strrchr(dir, '/')) != NULL) {
			*slash = '\0';
			mkdir(dir, 0700);
			*slash = '/';
			mkdir(dir, 0700);
		}
	}
	free(dir);
	/* Certificate details only, no keys: still private to the user. */
	util_write_atomic(c->path, b.data, b.len, 0600, true, NULL);
	util_buf_done(&b);
}

void
store_cache_close(struct store *st, struct store_cache *c,
    enum store_area area, const struct store_list *list)
{
	size_t	i;

	if (c == NULL)
		return;
	/* Entries whose files went away are dropped when it is written. */
	for (i = 0; i < c->n && !c->dirty; i++) {
		if (!c->v[i].used)
			c->dirty = true;
	}
	if (c->dirty)
		cache_write(st, c, area, list);
	cache_records_free(c);
	if (c->map != NULL)
		munmap(c->map, c->map_len);
	for (i = 0; i < c->n_fresh; i++) {
		free(c->fresh[i].name);
		free(c->fresh[i].ident);
	}
	free(c->fresh);
	free(c->path);
	free(c);
}
