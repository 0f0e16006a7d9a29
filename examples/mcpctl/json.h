/* A small JSON document model for mcpctl: parse the library's outputs and the user's config files, build and
 * write documents. Objects keep their members in order (a rewritten config file keeps its layout of keys), and
 * numbers keep their literal text (60000 stays 60000, big integers are not rounded). */
#ifndef MCPCTL_JSON_H
#define MCPCTL_JSON_H

#include <stddef.h>

typedef enum { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json json;
struct json {
    json_type type;
    char *key;          /* the member name, when this value sits in an object */
    char *text;         /* JSON_STRING: the decoded UTF-8; JSON_NUMBER: the literal */
    json *first, *last; /* JSON_ARRAY / JSON_OBJECT children */
    json *next;
    size_t count;
};

/* Parses a whole document. On failure returns NULL and writes "line L, column C: what" into error. */
json *json_parse(const char *text, char *error, size_t error_size);
void json_free(json *value);

/* Lookups are NULL-safe: a missing object or member gives NULL (or the fallback). */
json *json_get(const json *object, const char *key);
const char *json_str(const json *value, const char *fallback);
double json_num(const json *value, double fallback);
int json_is_true(const json *value);

/* A deep copy without the member name. */
json *json_clone(const json *value);
json *json_new(json_type type);
json *json_new_string(const char *text);
json *json_new_number(double number);
/* Takes ownership of value. json_set replaces a member of the same name in place (keeping its position). */
void json_append(json *array, json *value);
void json_set(json *object, const char *key, json *value);
/* Returns 1 when the member existed. */
int json_remove(json *object, const char *key);
/* Unlinks and returns a member (the caller frees it), or NULL. */
json *json_take(json *object, const char *key);

/* Writes a document: indent 0 is compact, otherwise pretty with that many spaces. malloc'd; free(). */
char *json_write(const json *value, int indent);

/* A growable string. */
typedef struct {
    char *data;
    size_t length, capacity;
} buf;
void buf_add(buf *b, const char *text);
void buf_addn(buf *b, const char *text, size_t length);
void buf_addf(buf *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Appends text as a quoted, escaped JSON string. */
void buf_add_quoted(buf *b, const char *text);
/* Returns the string (never NULL) and leaves b empty; free() it. */
char *buf_take(buf *b);

#endif
