/* fuzz_jsonscan.c: libFuzzer harness: lib/jsonscan against lib/jsonr, the reader it stands in for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonr.h"
#include "jsonscan.h"

/*
 * A stage passes on (or drops) the records it does not use after lib/jsonscan has checked
 * them, without building them; every other reader builds them with lib/jsonr.  If the two
 * ever disagreed on whether a line is a record, or on its type, a line could mean one thing
 * to the stage that let it through and another to the next: so any disagreement aborts.
 * The first input byte picks a list of wanted types, so the early stop (JSONSCAN_WANTED) is
 * fuzzed too: it may be given only for a line whose first top-level "type" is wanted.
 * The values jsonscan_line_fields finds for a few top-level keys must be those jsonr built.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jsonscan *scan;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	aura_set_progname("fuzz-jsonscan");
	scan = jsonscan_new();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hit_file[] = { "hit", "file", NULL };
	static const char *const ast[] = { "ast", NULL };
	if (size == 0)
		return 0;
	const char *const *wanted = data[0] % 3 == 0 ? NULL : data[0] % 3 == 1 ? hit_file : ast;
	const char *line = (const char *)data + 1;
	size_t len = size - 1;

	struct jsonr_error err;
	json_t *v = jsonr_parse(line, len, &err);
	json_t *t = json_object_get(v, "type");
	bool record = json_is_object(v) && json_is_string(t);

	struct jsonscan_type type;
	struct jsonscan_field fields[] = { { .key = "a" }, { .key = "id" }, { .key = "content" },
					   { .key = "\xc3\xa9" } };
	size_t nfields = sizeof fields / sizeof fields[0];
	enum jsonscan_result res = jsonscan_line_fields(scan, line, len, wanted, &type, fields,
							nfields);
	if (res == JSONSCAN_RECORD) {
		if (!record || type.len != json_string_length(t))
			abort();	/* jsonscan let through what jsonr refuses, or misread the type */
		for (size_t i = 0; i < nfields; i++) {
			json_t *built = json_object_get(v, fields[i].key), *found = NULL;
			if (fields[i].value && !(found = jsonr_parse(fields[i].value, fields[i].len, &err)))
				abort();	/* a field's bytes are not the value */
			if (!built != !found || (found && !json_equal(built, found)))
				abort();	/* another value than jsonr's, or none */
			json_decref(found);
		}
		if (type.len <= JSONSCAN_TYPE_MAX && memcmp(type.name, json_string_value(t), type.len))
			abort();
		for (size_t i = 0; wanted && wanted[i]; i++)
			if (jsonscan_type_is(&type, wanted[i]))
				abort();	/* a wanted type must stop the scan */
	} else if (res == JSONSCAN_INVALID) {
		if (record)
			abort();	/* jsonscan refused a record jsonr reads */
	} else {
		bool known = false;
		for (size_t i = 0; wanted && wanted[i]; i++)
			known |= jsonscan_type_is(&type, wanted[i]);
		if (!known)
			abort();	/* stopped for a type nobody asked for */
		/* A record jsonr reads stops only at its own (only) type. */
		if (record && (type.len != json_string_length(t) ||
			       memcmp(type.name, json_string_value(t), type.len) != 0))
			abort();
	}
	json_decref(v);
	return 0;
}
