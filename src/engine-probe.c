/*
 * engine-probe: connect to the engine as a mail client would, do the
 * STARTTLS dialogue when the port needs one, and read the certificate
 * chain it serves.  Nothing is verified: the point is to see what the
 * engine serves, which may well be wrong.  Every step is bounded by one
 * deadline, so a silent or half-open server cannot hang us.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "certdesk/engine.h"
#include "certdesk/util.h"

/* A server's STARTTLS chatter is short; more than this is not a reply. */
#define PROBE_MAX_REPLY		16384
#define PROBE_MAX_LINE		1024

static long long
probe_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
probe_left_ms(long long deadline)
{
	long long	left = deadline - probe_now_ms();

	return left < 0 ? 0 : (int)left;
}

/* Split "host:port" or "[v6]:port"; the caller frees *host and *port. */
static int
probe_split_hostport(const char *hostport, char **host, char **port,
    char **cause)
{
	const char	*colon, *end;

	*host = *port = NULL;
	if (hostport[0] == '[') {
		end = strchr(hostport, ']');
		if (end == NULL || end[1] != ':')
			goto bad;
		*host = xstrndup(hostport + 1, end - hostport - 1);
		colon = end + 1;
	} else {
		colon = strrchr(hostport, ':');
		if (colon == NULL || strchr(hostport, ':') != colon)
			goto bad;
		*host = xstrndup(hostport, colon - hostport);
	}
	if (**host == '\0' || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535)
		goto bad;
	*port = xstrdup(colon + 1);
	return STORE_OK;

bad:
	free(*host);
	*host = NULL;
	util_set_cause(cause, "probe '%s' is not HOST:PORT (an IPv6 address "
	    "goes in brackets: [::1]:993)", hostport);
	return STORE_INVALID;
}

/* Used by the configuration to refuse a bad probe before any network. */
int
engine_probe_check_hostport(const char *hostport, char **cause)
{
	char	*host, *port;
	int	 ret;

	ret = probe_split_hostport(hostport, &host, &port, cause);
	free(host);
	free(port);
	return ret;
}

/* Connect to one address within the deadline. */
static int
probe_connect_addr(const struct addrinfo *ai, long long deadline, int *error)
{
	struct pollfd	pfd;
	socklen_t	len;
	int		fd, flags, ret, soerr;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd < 0) {
		*error = errno;
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	for (;;) {
		ret = poll(&pfd, 1, probe_left_ms(deadline));
		if (ret < 0 && errno == EINTR)
			continue;
		break;
	}
	if (ret < 0)
		goto fail;
	if (ret == 0) {
		errno = ETIMEDOUT;
		goto fail;
	}
	len = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
	return fd;

fail:
	*error = errno;
	close(fd);
	return -1;
}

static int
probe_connect(const char *hostport, long long deadline, bool *refused,
    char **cause)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		*host, *port;
	int		 fd = -1, error = 0, ret;

	*refused = false;
	if (probe_split_hostport(hostport, &host, &port, cause) != STORE_OK)
		return -1;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret != 0) {
		util_set_cause(cause, "cannot find the engine's address %s: "
		    "%s", host, gai_strerror(ret));
		goto out;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		if (probe_left_ms(deadline) == 0) {
			error = ETIMEDOUT;
			break;
		}
		fd = probe_connect_addr(ai, deadline, &error);
	}
	if (fd < 0) {
		if (error == ECONNREFUSED) {
			*refused = true;
			util_set_cause(cause, "connection refused at %s: "
			    "nothing listens there (is the engine running?)",
			    hostport);
		} else if (error == ETIMEDOUT)
			util_set_cause(cause, "no answer from %s: the "
			    "connection timed out", hostport);
		else
			util_set_cause(cause, "cannot connect to %s: %s",
			    hostport, strerror(error));
	}

out:
	if (res != NULL)
		freeaddrinfo(res);
	free(host);
	free(port);
	return fd;
}

/* Send all of s before the deadline. */
static int
probe_send(int fd, const char *hostport, const char *s, long long deadline,
    char **cause)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLOUT };
	size_t		len = strlen(s), off = 0;
	ssize_t		n;

	while (off < len) {
		n = send(fd, s + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (poll(&pfd, 1, probe_left_ms(deadline)) == 0) {
				util_set_cause(cause, "%s stopped answering "
				    "during STARTTLS (timed out)", hostport);
				return STORE_FAIL;
			}
			continue;
		}
		util_set_cause(cause, "%s closed the connection during "
		    "STARTTLS: %s", hostport, strerror(errno));
		return STORE_FAIL;
	}
	return STORE_OK;
}

/*
 * Read one line (without its CR LF) before the deadline.  Bytes are read
 * one at a time: after the STARTTLS reply the next bytes are TLS, and
 * they must stay in the socket for GnuTLS.
 */
static int
probe_read_line(int fd, const char *hostport, long long deadline,
    size_t *total, char line[PROBE_MAX_LINE], char **cause)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	size_t		len = 0;
	ssize_t		n;
	char		c;
	int		ret;

	for (;;) {
		n = recv(fd, &c, 1, 0);
		if (n == 1) {
			if (++*total > PROBE_MAX_REPLY) {
				util_set_cause(cause, "%s sent too much "
				    "before STARTTLS: is it a mail server?",
				    hostport);
				return STORE_FAIL;
			}
			if (c == '\n')
				break;
			if (len < PROBE_MAX_LINE - 1)
				line[len++] = c;
			continue;
		}
		if (n == 0) {
			util_set_cause(cause, "%s closed the connection during "
			    "STARTTLS", hostport);
			return STORE_FAIL;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			util_set_cause(cause, "%s closed the connection during "
			    "STARTTLS: %s", hostport, strerror(errno));
			return STORE_FAIL;
		}
		ret = poll(&pfd, 1, probe_left_ms(deadline));
		if (ret == 0 || (ret < 0 && errno != EINTR)) {
			util_set_cause(cause, "%s did not answer during "
			    "STARTTLS (timed out; if that port speaks TLS at "
			    "once, set probe_starttls = none)", hostport);
			return STORE_FAIL;
		}
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return STORE_OK;
}

/* Show a server's line in a message: escaped and short. */
static char *
probe_quote(const char *line)
{
	char	*e, *s;

	e = util_escape(line);
	if (strlen(e) > 80) {
		s = xstrndup(e, 80);
		free(e);
		return s;
	}
	return e;
}

static int
probe_refuse(const char *hostport, const char *what, const char *line,
    char **cause)
{
	char	*q = probe_quote(line);

	util_set_cause(cause, "%s %s: \"%s\"", hostport, what, q);
	free(q);
	return STORE_FAIL;
}

/* Read an SMTP reply (continuation lines "NNN-"); *code is NNN. */
static int
probe_smtp_reply(int fd, const char *hostport, long long deadline,
    size_t *total, int *code, bool *starttls, char last[PROBE_MAX_LINE],
    char **cause)
{
	for (;;) {
		if (probe_read_line(fd, hostport, deadline, total, last,
		    cause) != STORE_OK)
			return STORE_FAIL;
		if (strlen(last) < 3 || strspn(last, "0123456789") < 3)
			return probe_refuse(hostport, "is not an SMTP server",
			    last, cause);
		if (starttls != NULL && strlen(last) >= 12 &&
		    strncasecmp(last + 4, "STARTTLS", 8) == 0)
			*starttls = true;
		if (last[3] != '-')
			break;
	}
	*code = atoi(last);
	return STORE_OK;
}

static int
probe_starttls_smtp(int fd, const char *hostport, long long deadline,
    char **cause)
{
	char	line[PROBE_MAX_LINE];
	size_t	total = 0;
	bool	offered = false;
	int	code;

	if (probe_smtp_reply(fd, hostport, deadline, &total, &code, NULL,
	    line, cause) != STORE_OK)
		return STORE_FAIL;
	if (code != 220)
		return probe_refuse(hostport, "refused the SMTP session", line,
		    cause);
	if (probe_send(fd, hostport, "EHLO certdesk.invalid\r\n", deadline,
	    cause) != STORE_OK)
		return STORE_FAIL;
	if (probe_smtp_reply(fd, hostport, deadline, &total, &code, &offered,
	    line, cause) != STORE_OK)
		return STORE_FAIL;
	if (code != 250)
		return probe_refuse(hostport, "refused EHLO", line, cause);
	if (!offered) {
		util_set_cause(cause, "%s does not offer STARTTLS (is TLS "
		    "enabled in the engine?)", hostport);
		return STORE_FAIL;
	}
	if (probe_send(fd, hostport, "STARTTLS\r\n", deadline, cause) !=
	    STORE_OK)
		return STORE_FAIL;
	if (probe_smtp_reply(fd, hostport, deadline, &total, &code, NULL,
	    line, cause) != STORE_OK)
		return STORE_FAIL;
	if (code != 220)
		return probe_refuse(hostport, "refused STARTTLS", line, cause);
	return STORE_OK;
}

static int
probe_starttls_imap(int fd, const char *hostport, long long deadline,
    char **cause)
{
	char	line[PROBE_MAX_LINE];
	size_t	total = 0;

	if (probe_read_line(fd, hostport, deadline, &total, line, cause) !=
	    STORE_OK)
		return STORE_FAIL;
	if (strncasecmp(line, "* OK", 4) != 0)
		return probe_refuse(hostport, "is not an IMAP server ready "
		    "for us", line, cause);
	if (probe_send(fd, hostport, "a STARTTLS\r\n", deadline, cause) !=
	    STORE_OK)
		return STORE_FAIL;
	for (;;) {
		if (probe_read_line(fd, hostport, deadline, &total, line,
		    cause) != STORE_OK)
			return STORE_FAIL;
		if (strncmp(line, "* ", 2) == 0)
			continue;	/* untagged: capabilities and such */
		if (strncasecmp(line, "a OK", 4) == 0)
			return STORE_OK;
		return probe_refuse(hostport, "refused STARTTLS", line, cause);
	}
}

static int
probe_starttls_pop3(int fd, const char *hostport, long long deadline,
    char **cause)
{
	char	line[PROBE_MAX_LINE];
	size_t	total = 0;

	if (probe_read_line(fd, hostport, deadline, &total, line, cause) !=
	    STORE_OK)
		return STORE_FAIL;
	if (strncmp(line, "+OK", 3) != 0)
		return probe_refuse(hostport, "is not a POP3 server ready "
		    "for us", line, cause);
	if (probe_send(fd, hostport, "STLS\r\n", deadline, cause) != STORE_OK)
		return STORE_FAIL;
	if (probe_read_line(fd, hostport, deadline, &total, line, cause) !=
	    STORE_OK)
		return STORE_FAIL;
	if (strncmp(line, "+OK", 3) != 0)
		return probe_refuse(hostport, "refused STLS", line, cause);
	return STORE_OK;
}

/* SNI carries DNS names only (RFC 6066), never address literals. */
static bool
probe_is_dns_name(const char *name)
{
	unsigned char	addr[16];

	if (name == NULL || *name == '\0')
		return false;
	if (inet_pton(AF_INET, name, addr) == 1 ||
	    inet_pton(AF_INET6, name, addr) == 1)
		return false;
	return true;
}

static char *
probe_crt_cn(gnutls_x509_crt_t crt, bool issuer)
{
	char	 buf[1024];
	size_t	 size = sizeof buf;
	int	 ret;

	if (issuer)
		ret = gnutls_x509_crt_get_issuer_dn_by_oid(crt,
		    GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size);
	else
		ret = gnutls_x509_crt_get_dn_by_oid(crt,
		    GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size);
	if (ret < 0)
		return xstrdup("");
	return util_escape(buf);
}

/* The handshake, and the peer's chain read into result. */
static int
probe_tls(int fd, const char *hostport, const char *servername,
    long long deadline, struct engine_probe_result *result, char **cause)
{
	gnutls_certificate_credentials_t	 cred = NULL;
	gnutls_session_t			 session = NULL;
	gnutls_x509_crt_t			 crt = NULL;
	const gnutls_datum_t			*peers;
	unsigned				 n_peers = 0, i;
	unsigned char				 digest[32];
	int					 ret, status = STORE_FAIL;

	ret = gnutls_certificate_allocate_credentials(&cred);
	if (ret < 0) {
		util_set_cause(cause, "TLS failure with %s: %s", hostport,
		    gnutls_strerror(ret));
		goto fail;
	}
	ret = gnutls_init(&session, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL);
	if (ret < 0) {
		util_set_cause(cause, "TLS failure with %s: %s", hostport,
		    gnutls_strerror(ret));
		goto fail;
	}
	ret = gnutls_set_default_priority(session);
	if (ret < 0) {
		util_set_cause(cause, "TLS failure with %s: %s", hostport,
		    gnutls_strerror(ret));
		goto fail;
	}
	ret = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred);
	if (ret < 0) {
		util_set_cause(cause, "TLS failure with %s: %s", hostport,
		    gnutls_strerror(ret));
		goto fail;
	}
	if (probe_is_dns_name(servername)) {
		ret = gnutls_server_name_set(session, GNUTLS_NAME_DNS,
		    servername, strlen(servername));
		if (ret < 0) {
			util_set_cause(cause, "TLS failure with %s: cannot "
			    "send the name %s: %s", hostport, servername,
			    gnutls_strerror(ret));
			goto fail;
		}
	}
	gnutls_transport_set_int(session, fd);
	/* The socket is non-blocking; GnuTLS waits with this timeout. */
	gnutls_handshake_set_timeout(session, probe_left_ms(deadline) > 0 ?
	    (unsigned)probe_left_ms(deadline) : 1);
	do {
		ret = gnutls_handshake(session);
		if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
			struct pollfd pfd = { .fd = fd,
			    .events = gnutls_record_get_direction(session) ?
			    POLLOUT : POLLIN };

			if (probe_left_ms(deadline) == 0) {
				ret = GNUTLS_E_TIMEDOUT;
				break;
			}
			poll(&pfd, 1, probe_left_ms(deadline));
			continue;
		}
	} while (ret < 0 && gnutls_error_is_fatal(ret) == 0);
	if (ret < 0) {
		if (ret == GNUTLS_E_TIMEDOUT)
			util_set_cause(cause, "TLS failure with %s: the "
			    "handshake timed out", hostport);
		else if (ret == GNUTLS_E_UNEXPECTED_PACKET_LENGTH ||
		    ret == GNUTLS_E_UNEXPECTED_PACKET ||
		    ret == GNUTLS_E_UNSUPPORTED_VERSION_PACKET)
			util_set_cause(cause, "TLS failure with %s: %s (does "
			    "that port need probe_starttls?)", hostport,
			    gnutls_strerror(ret));
		else
			util_set_cause(cause, "TLS failure with %s: %s",
			    hostport, gnutls_strerror(ret));
		goto fail;
	}

	peers = gnutls_certificate_get_peers(session, &n_peers);
	if (peers == NULL || n_peers == 0) {
		util_set_cause(cause, "TLS failure with %s: the server sent "
		    "no certificate", hostport);
		goto fail;
	}
	ret = gnutls_x509_crt_init(&crt);
	if (ret < 0) {
		util_set_cause(cause, "TLS failure with %s: %s", hostport,
		    gnutls_strerror(ret));
		goto fail;
	}
	ret = gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER);
	if (ret < 0) {
		util_set_cause(cause, "%s serves a certificate that cannot be "
		    "read: %s", hostport, gnutls_strerror(ret));
		goto fail;
	}
	ret = gnutls_hash_fast(GNUTLS_DIG_SHA256, peers[0].data,
	    peers[0].size, digest);
	if (ret < 0) {
		util_set_cause(cause, "TLS failure with %s: %s", hostport,
		    gnutls_strerror(ret));
		goto fail;
	}
	for (i = 0; i < sizeof digest; i++)
		snprintf(result->sha256 + 2 * i, 3, "%02x", digest[i]);
	result->common_name = probe_crt_cn(crt, false);
	result->issuer_cn = probe_crt_cn(crt, true);
	result->chain_length = n_peers;
	result->ok = true;
	gnutls_bye(session, GNUTLS_SHUT_WR);
	status = STORE_OK;

fail:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (session != NULL)
		gnutls_deinit(session);
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	return status;
}

int
engine_probe(const char *hostport, enum engine_starttls starttls,
    const char *servername, int timeout_ms,
    struct engine_probe_result *result, char **cause)
{
	long long	 deadline = probe_now_ms() + timeout_ms;
	char		*why = NULL;
	int		 fd, ret;

	memset(result, 0, sizeof *result);
	result->hostport = xstrdup(hostport);

	fd = probe_connect(hostport, deadline, &result->refused, &why);
	if (fd < 0)
		goto fail;
	switch (starttls) {
	case ENGINE_STARTTLS_SMTP:
		ret = probe_starttls_smtp(fd, hostport, deadline, &why);
		break;
	case ENGINE_STARTTLS_IMAP:
		ret = probe_starttls_imap(fd, hostport, deadline, &why);
		break;
	case ENGINE_STARTTLS_POP3:
		ret = probe_starttls_pop3(fd, hostport, deadline, &why);
		break;
	default:
		ret = STORE_OK;
		break;
	}
	if (ret == STORE_OK)
		ret = probe_tls(fd, hostport, servername, deadline, result,
		    &why);
	close(fd);
	if (ret != STORE_OK)
		goto fail;
	return STORE_OK;

fail:
	result->ok = false;
	result->error = why;
	if (cause != NULL)
		*cause = xstrdup(why);
	return STORE_FAIL;
}

void
engine_probe_result_done(struct engine_probe_result *result)
{
	free(result->hostport);
	free(result->error);
	free(result->common_name);
	free(result->issuer_cn);
	memset(result, 0, sizeof *result);
}
