/* Chunk boundaries (snapshot/snapshot.h): a row's key as the database's text of each key column. */
#include "config.h"

#include "snapshot/snapshot.h"

#include <stdlib.h>
#include <string.h>

void rc_chunk_key_clear(rc_chunk_key_t *k)
{
	for (int i = 0; i < k->n; i++)
		free(k->text[i]);
	free(k->text);
	k->text = NULL;
	k->n = 0;
}

int rc_chunk_key_copy(rc_chunk_key_t *dst, const rc_chunk_key_t *src)
{
	rc_chunk_key_t k = {0};

	if (src->n > 0) {
		if (!(k.text = calloc((size_t)src->n, sizeof *k.text)))
			return -1;
		for (; k.n < src->n; k.n++)
			if (!(k.text[k.n] = strdup(src->text[k.n]))) {
				rc_chunk_key_clear(&k);
				return -1;
			}
	}
	rc_chunk_key_clear(dst);
	*dst = k;
	return 0;
}
