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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/crypto.h>

#include "store-internal.h"

#define CACHE_MAGIC	"certdesk-cache-1\n"

struct cache_record {
	char		*name;
	char		*ident;
	unsigned char	*data;		/* the serialized entry */
	size_t		 len;
	bool		 used;
};

struct store_cache {
	char			*path;
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

static void
cache_hex(const unsigned char *in, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
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
	cache_hex(h, 32, out);
	util_buf_done(&b);
}

/* The identity of an entry's files. */
static char *
cache_ident(struct store *st, enum store_area area, const char *name)
{
	static const char *const exts[] = { ".crt", ".csr", ".key", ".pem",
	    ".cer" };
	struct util_buf	 b = { 0 };
	char		*path;
	size_t		 i;

	for (i = 0; i < sizeof exts / sizeof exts[0]; i++) {
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
	cache_hex(h, 12, hex);
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

/* Length-prefixed bytes, NUL-terminated for convenience. */
static unsigned char *
cache_get_bytes(struct cache_reader *r, size_t *out_len)
{
	uint64_t	 len = cache_get_u64(r);
	unsigned char	*s;

	*out_len = 0;
	if (r->bad || len == UINT64_MAX)
		return NULL;
	if (len > r->left) {
		r->bad = true;
		return NULL;
	}
	s = xmalloc((size_t)len + 1);
	memcpy(s, r->p, (size_t)len);
	s[len] = '\0';
	r->p += len;
	r->left -= len;
	*out_len = (size_t)len;
	return s;
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
		free(c->v[i].data);
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

static void
cache_read(struct store_cache *c)
{
	struct cache_reader	 r;
	struct cache_record	 rec;
	unsigned char		*data;
	size_t			 len, magic = strlen(CACHE_MAGIC);
	char			*context;
	uint64_t		 count, i;

	if (util_read_file(c->path, 256 * 1024 * 1024, &data, &len, NULL) !=
	    STORE_OK)
		return;
	if (len < magic || memcmp(data, CACHE_MAGIC, magic) != 0) {
		free(data);
		return;
	}
	r.p = data + magic;
	r.left = len - magic;
	r.bad = false;
	context = cache_get_str(&r);
	if (context == NULL || strcmp(context, c->context) != 0) {
		free(context);
		free(data);
		return;
	}
	free(context);
	count = cache_get_u64(&r);
	for (i = 0; i < count && !r.bad; i++) {
		memset(&rec, 0, sizeof rec);
		rec.name = cache_get_str(&r);
		rec.ident = cache_get_str(&r);
		rec.data = cache_get_bytes(&r, &rec.len);
		if (rec.name == NULL || rec.ident == NULL || rec.data == NULL) {
			free(rec.name);
			free(rec.ident);
			free(rec.data);
			r.bad = true;
			break;
		}
		c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
		c->v[c->n++] = rec;
	}
	free(data);
	if (r.bad) {
		cache_records_free(c);
		return;
	}
	if (c->n > 1)
		qsort(c->v, c->n, sizeof *c->v, cache_compare_records);
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
	struct util_buf		 b = { 0 };

	if (c == NULL || e->error != NULL)
		return;
	cache_serialize(e, &b);
	c->fresh = xreallocarray(c->fresh, c->n_fresh + 1, sizeof *c->fresh);
	rec = &c->fresh[c->n_fresh++];
	rec->name = xstrdup(e->name);
	rec->ident = cache_ident(st, area, e->name);
	rec->len = b.len;
	rec->data = b.data;	/* taken from b */
	rec->used = true;
	c->dirty = true;
}

static void
cache_write(struct store_cache *c)
{
	struct util_buf	 b = { 0 };
	char		*dir, *slash;
	size_t		 i, count = 0;

	for (i = 0; i < c->n; i++)
		count += c->v[i].used;
	count += c->n_fresh;
	util_buf_add(&b, CACHE_MAGIC, strlen(CACHE_MAGIC));
	cache_put_str(&b, c->context);
	cache_put_u64(&b, count);
	for (i = 0; i < c->n + c->n_fresh; i++) {
		struct cache_record *rec = i < c->n ? &c->v[i] :
		    &c->fresh[i - c->n];
		if (!rec->used)
			continue;
		cache_put_str(&b, rec->name);
		cache_put_str(&b, rec->ident);
		cache_put_u64(&b, rec->len);
		util_buf_add(&b, rec->data, rec->len);
	}
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
store_cache_close(struct store_cache *c)
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
		cache_write(c);
	cache_records_free(c);
	for (i = 0; i < c->n_fresh; i++) {
		free(c->fresh[i].name);
		free(c->fresh[i].ident);
		free(c->fresh[i].data);
	}
	free(c->fresh);
	free(c->path);
	free(c);
}
