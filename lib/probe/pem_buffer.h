/*
 * pem_buffer.h - a chain from PEM text in memory (what libcurl's CERTINFO
 * hands back), for callers that saw certificates without a tp_probe.
 * Proposed for tlsprobe.h's certificate section; kept apart until then.
 */
#ifndef TLSPROBE_PEM_BUFFER_H
#define TLSPROBE_PEM_BUFFER_H

#include <stddef.h>

#include "tlsprobe.h"

/*
 * Loads every certificate of the LEN bytes of PEM text at PEM, in order.
 * Returns NULL with a sentence in ERR when there is no certificate in it
 * or memory runs out. Text between certificates is ignored.
 */
struct tp_chain *tp_chain_load_pem_buffer(const char *pem, size_t len, char *err,
    size_t errlen);

#endif
