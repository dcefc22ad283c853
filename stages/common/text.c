/* text.c - Unicode normalisation of export fields (utf8proc). */
#include "text.h"

#include <utf8proc.h>

bool
text_utf8_valid(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t n;
	utf8proc_int32_t cp;

	while (len > 0) {
		if (*p < 0x80) {
			p++;
			len--;
			continue;
		}
		n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
		if (n < 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}
