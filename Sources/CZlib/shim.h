#ifndef CLUSTERCTL_CZLIB_SHIM_H
#define CLUSTERCTL_CZLIB_SHIM_H
#include <zlib.h>

/*
 * deflateInit2 is a macro over deflateInit2_; Swift cannot see macros. windowBits 15 + 16
 * asks for the gzip format, which `gzip -d` on a node reads.
 */
static inline int czlib_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

#endif
