/* jsonscan-diff.c: tests' differential check of lib/jsonscan against lib/jsonr, line by line. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonr.h"
#include "jsonscan.h"

/*
 * Reads lines on stdin (any bytes; the last one may lack its newline) and asks both readers
 * about each: is it a record (a JSON object with a string "type", as ndjson_next reads it),
 * and of which type; and for a record, whether the values jsonscan_line_fields finds for
 * its top-level keys (and for a key it lacks) are the values jsonr built.  A disagreement is printed with its line number and makes the exit
 * status 1.  The last line of output counts lines, records and non-records.
 */
/* jsonscan_line_fields on a record jsonr built as `v`: 0 when every field is found as built. */
static int fields_differ(struct jsonscan *scan, const char *line, size_t len, json_t *v)
{
	struct jsonscan_field fields[17];
	size_t n = 0;
	const char *key;
	json_t *value;
	json_object_foreach(v, key, value) {
		if (n == 16)
			break;
		if (strcmp(key, "type") != 0)
			fields[n++] = (struct jsonscan_field){ .key = key };
	}
	fields[n++] = (struct jsonscan_field){ .key = "no such key" };
	struct jsonscan_type type;
	if (jsonscan_line_fields(scan, line, len, NULL, &type, fields, n) != JSONSCAN_RECORD)
		return 1;
	if (fields[n - 1].value)
		return 1;
	for (size_t i = 0; i + 1 < n; i++) {
		struct jsonr_error err;
		json_t *found = fields[i].value ? jsonr_parse(fields[i].value, fields[i].len, &err) : NULL;
		int same = found && json_equal(found, json_object_get(v, fields[i].key));
		json_decref(found);
		if (!same)
			return 1;
	}
	return 0;
}

int main(void)
{
	aura_set_progname("jsonscan-diff");
	struct jsonscan *scan = jsonscan_new();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0, records = 0, invalid = 0, disagree = 0;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		size_t len = (size_t)n;
		lineno++;
		if (len && line[len - 1] == '\n')
			len--;
		if (len && line[len - 1] == '\r')
			len--;
		struct jsonr_error err;
		json_t *v = jsonr_parse(line, len, &err);
		json_t *t = json_object_get(v, "type");
		bool full_record = json_is_object(v) && json_is_string(t);

		struct jsonscan_type type;
		bool scan_record = jsonscan_line(scan, line, len, NULL, &type) == JSONSCAN_RECORD;
		if (full_record != scan_record) {
			printf("line %lu: jsonr says %s (%s), jsonscan says %s\n", lineno,
			       full_record ? "record" : "not a record", v ? "parsed" : err.text,
			       scan_record ? "record" : "not a record");
			disagree++;
		} else if (full_record && (type.len != json_string_length(t) ||
					   (type.len <= JSONSCAN_TYPE_MAX &&
					    memcmp(type.name, json_string_value(t), type.len) != 0))) {
			printf("line %lu: type '%s' (jsonr) and '%s' (jsonscan)\n", lineno,
			       json_string_value(t), type.name);
			disagree++;
		} else if (full_record && fields_differ(scan, line, len, v)) {
			printf("line %lu: jsonscan_line_fields does not find the values jsonr built\n",
			       lineno);
			disagree++;
		}
		records += full_record;
		invalid += !full_record;
		json_decref(v);
	}
	printf("%lu lines, %lu records, %lu not records, %lu disagreements\n", lineno, records,
	       invalid, disagree);
	free(line);
	jsonscan_free(scan);
	return disagree ? 1 : 0;
}
