/*
 * Small helpers shared by every module: allocation that cannot fail
 * (running out of memory aborts, as in tmux), messages into a caller-owned
 * *cause, escaping of untrusted text, and safe file I/O.
 */
#ifndef CERTDESK_UTIL_H
#define CERTDESK_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));

/*
 * Set *cause (when cause is not NULL) to a new formatted message.  An
 * earlier message in *cause is freed, so *cause starts out NULL.
 */
void	 util_set_cause(char **cause, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Return a copy of s in which every control character (C0, DEL, C1 and
 * invalid UTF-8) is shown as \xNN, so text from certificates and file
 * names can never drive the terminal.  Valid UTF-8 passes through.
 */
char	*util_escape(const char *s);

/* Display width in terminal columns of a UTF-8 string (wcwidth). */
int	 util_display_width(const char *s);

/* Lowercase hex of len bytes into out (2 * len + 1 bytes). */
void	 util_hex(const unsigned char *in, size_t len, char *out);

/* Wipe and free a secret. */
void	 util_free_secret(void *, size_t);

/* Growable byte buffer. */
struct util_buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 size;
};
void	 util_buf_add(struct util_buf *, const void *, size_t);
void	 util_buf_printf(struct util_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
char	*util_buf_take_string(struct util_buf *);	/* NUL-terminated */
void	 util_buf_done(struct util_buf *);

/*
 * Read a whole regular file of at most max bytes.  Directories, devices,
 * FIFOs and larger files are refused with a clear message, quickly and
 * with bounded memory.  *data is NUL-terminated (not counted in *len).
 */
int	 util_read_file(const char *path, size_t max, unsigned char **data,
	    size_t *len, char **cause);

/*
 * Read a password file: the first line, without its line ending.  FIFOs
 * and process substitution are allowed (bounded to 4 KiB).
 */
int	 util_read_password_file(const char *path, char **password,
	    char **cause);

/*
 * Write data to path atomically: a temporary file in the same folder,
 * created with mode (0600 for keys: never chmod after), written, fsynced,
 * renamed over the target, then the folder fsynced.  A symlink at path is
 * replaced, never written through.  With replace false an existing path
 * is kept and the call fails.
 */
int	 util_write_atomic(const char *path, const void *data, size_t len,
	    mode_t mode, bool replace, char **cause);

/* Write data to a temporary file beside path and fsync it; *tmp names it. */
int	 util_write_temp(const char *path, const void *data, size_t len,
	    mode_t mode, char **tmp, char **cause);

/* fsync the folder holding path. */
int	 util_sync_dir_of(const char *path, char **cause);

bool	 util_file_exists(const char *path);	/* lstat: any kind */

/* Join a folder and a file name. */
char	*util_path_join(const char *dir, const char *name);

/* ISO 8601 / RFC 3339 UTC time, "2027-11-27T08:00:00Z". */
char	*util_format_time(time_t);

#endif
