#ifndef CLUSTERCTL_CLIBSSH2_SHIM_H
#define CLUSTERCTL_CLIBSSH2_SHIM_H
#include <string.h>
#include <libssh2.h>
#include <libssh2_sftp.h>

/*
 * libssh2 spells many of its entry points as function-like macros over an
 * `_ex` function; Swift cannot see macros, so each one SSHKit uses is
 * re-exposed here as a static inline function with the same meaning.
 */

static inline LIBSSH2_SESSION *cssh_session_init(void) {
    return libssh2_session_init_ex(NULL, NULL, NULL, NULL);
}

static inline int cssh_session_disconnect(LIBSSH2_SESSION *session, const char *description) {
    return libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, description, "");
}

static inline int cssh_userauth_publickey_fromfile(LIBSSH2_SESSION *session, const char *user,
                                                   const char *private_key_path) {
    /* NULL public key: libssh2 derives it from the private key. */
    return libssh2_userauth_publickey_fromfile_ex(session, user, (unsigned int)strlen(user),
                                                  NULL, private_key_path, NULL);
}

static inline LIBSSH2_CHANNEL *cssh_channel_open_session(LIBSSH2_SESSION *session) {
    return libssh2_channel_open_ex(session, "session", sizeof("session") - 1,
                                   LIBSSH2_CHANNEL_WINDOW_DEFAULT,
                                   LIBSSH2_CHANNEL_PACKET_DEFAULT, NULL, 0);
}

static inline LIBSSH2_CHANNEL *cssh_channel_direct_tcpip(LIBSSH2_SESSION *session, const char *host,
                                                         int port, int originator_port) {
    return libssh2_channel_direct_tcpip_ex(session, host, port, "127.0.0.1", originator_port);
}

static inline int cssh_channel_exec(LIBSSH2_CHANNEL *channel, const char *command) {
    return libssh2_channel_process_startup(channel, "exec", sizeof("exec") - 1,
                                           command, (unsigned int)strlen(command));
}

static inline ssize_t cssh_channel_read(LIBSSH2_CHANNEL *channel, char *buffer, size_t length) {
    return libssh2_channel_read_ex(channel, 0, buffer, length);
}

static inline ssize_t cssh_channel_read_stderr(LIBSSH2_CHANNEL *channel, char *buffer, size_t length) {
    return libssh2_channel_read_ex(channel, SSH_EXTENDED_DATA_STDERR, buffer, length);
}

static inline ssize_t cssh_channel_write(LIBSSH2_CHANNEL *channel, const char *buffer, size_t length) {
    return libssh2_channel_write_ex(channel, 0, buffer, length);
}

static inline LIBSSH2_SFTP_HANDLE *cssh_sftp_create_exclusive(LIBSSH2_SFTP *sftp, const char *path,
                                                              long mode) {
    return libssh2_sftp_open_ex(sftp, path, (unsigned int)strlen(path),
                                LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL,
                                mode, LIBSSH2_SFTP_OPENFILE);
}

static inline int cssh_sftp_fchmod(LIBSSH2_SFTP_HANDLE *handle, unsigned long mode) {
    LIBSSH2_SFTP_ATTRIBUTES attributes;
    memset(&attributes, 0, sizeof(attributes));
    attributes.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
    attributes.permissions = mode;
    return libssh2_sftp_fstat_ex(handle, &attributes, 1);
}

static inline int cssh_sftp_close(LIBSSH2_SFTP_HANDLE *handle) {
    return libssh2_sftp_close_handle(handle);
}

static inline int cssh_sftp_unlink(LIBSSH2_SFTP *sftp, const char *path) {
    return libssh2_sftp_unlink_ex(sftp, path, (unsigned int)strlen(path));
}

#endif
