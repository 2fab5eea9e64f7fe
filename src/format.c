#include "leakgate/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

char *lg_format_count(char *out, size_t size, int64_t n)
{
	char digits[32];
	char grouped[48];
	size_t len, j = 0;
	uint64_t mag = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;

	len = (size_t)snprintf(digits, sizeof(digits), "%llu",
			       (unsigned long long)mag);
	if (n < 0)
		grouped[j++] = '-';
	for (size_t i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			grouped[j++] = ',';
		grouped[j++] = digits[i];
	}
	grouped[j] = '\0';
	snprintf(out, size, "%s", grouped);
	return out;
}

char *lg_format_number(char *out, size_t size, double v)
{
	char tmp[64];
	int decimals;
	double mag = fabs(v);
	char *end;

	if (!isfinite(v)) {
		snprintf(out, size, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
		return out;
	}
	/* Three significant digits below 1000, whole numbers above. */
	if (mag >= 100 || mag == 0)
		decimals = 0;
	else if (mag >= 10)
		decimals = 1;
	else if (mag >= 1)
		decimals = 2;
	else
		decimals = 2 - (int)floor(log10(mag));
	if (decimals > 9)
		decimals = 9;
	snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	if (strchr(tmp, '.')) {
		end = tmp + strlen(tmp) - 1;
		while (*end == '0')
			*end-- = '\0';
		if (*end == '.')
			*end = '\0';
	}
	if (strcmp(tmp, "-0") == 0)
		strcpy(tmp, "0");
	snprintf(out, size, "%s", tmp);
	return out;
}

char *lg_format_seconds(char *out, size_t size, double seconds)
{
	snprintf(out, size, "%.3f", seconds);
	return out;
}
