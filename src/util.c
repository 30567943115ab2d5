/*
 * util.c: allocation, messages and text helpers shared by every module.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include <gnutls/gnutls.h>

#include "certdesk/util.h"

static void __attribute__((noreturn))
util_out_of_memory(void)
{
	/* As in tmux: without memory there is nothing sensible left to do. */
	fputs("certdesk: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		util_out_of_memory();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		util_out_of_memory();
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if (size != 0 && n > SIZE_MAX / size)
		util_out_of_memory();
	if ((p = realloc(old, n * size == 0 ? 1 : n * size)) == NULL)
		util_out_of_memory();
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		util_out_of_memory();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		util_out_of_memory();
	return p;
}

int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	n;

	if ((n = vasprintf(ret, fmt, ap)) < 0)
		util_out_of_memory();
	return n;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return n;
}

void
util_set_cause(char **cause, const char *fmt, ...)
{
	va_list	ap;

	if (cause == NULL)
		return;
	free(*cause);
	va_start(ap, fmt);
	xvasprintf(cause, fmt, ap);
	va_end(ap);
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t
util_utf8_sequence(const unsigned char *s)
{
	size_t		n, i;
	uint32_t	cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls (U+0080..U+009F) act on terminals too. */
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;
	return n;
}

char *
util_escape(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct util_buf		 b = { 0 };
	size_t			 n;

	if (s == NULL)
		return xstrdup("");
	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f) {
			util_buf_printf(&b, "\\x%02x", *p);
			p++;
			continue;
		}
		if ((n = util_utf8_sequence(p)) == 0) {
			util_buf_printf(&b, "\\x%02x", *p);
			p++;
			continue;
		}
		util_buf_add(&b, p, n);
		p += n;
	}
	return util_buf_take_string(&b);
}

int
util_display_width(const char *s)
{
	mbstate_t	 st;
	wchar_t		 wc;
	size_t		 n, left = strlen(s);
	int		 width = 0, w;

	memset(&st, 0, sizeof st);
	while (left > 0) {
		n = mbrtowc(&wc, s, left, &st);
		if (n == (size_t)-1 || n == (size_t)-2) {
			/* Not text in this locale: one column a byte. */
			memset(&st, 0, sizeof st);
			width++;
			s++;
			left--;
			continue;
		}
		if (n == 0)
			break;
		w = wcwidth(wc);
		width += w < 0 ? 1 : w;
		s += n;
		left -= n;
	}
	return width;
}

void
util_hex(const unsigned char *in, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

void
util_free_secret(void *p, size_t len)
{
	if (p == NULL)
		return;
	gnutls_memset(p, 0, len);
	free(p);
}

void
util_buf_add(struct util_buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->size) {
		while (b->len + len + 1 > b->size)
			b->size = b->size == 0 ? 256 : b->size * 2;
		b->data = xreallocarray(b->data, 1, b->size);
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
util_buf_printf(struct util_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(&s, fmt, ap);
	va_end(ap);
	util_buf_add(b, s, (size_t)n);
	free(s);
}

char *
util_buf_take_string(struct util_buf *b)
{
	char	*s;

	if (b->data == NULL)
		return xstrdup("");
	s = (char *)b->data;
	b->data = NULL;
	b->len = b->size = 0;
	return s;
}

void
util_buf_done(struct util_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}

char *
util_path_join(const char *dir, const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", dir, name);
	return p;
}

char *
util_format_time(time_t t)
{
	struct tm	tm;
	char		buf[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return xstrdup("?");
	return xstrdup(buf);
}
