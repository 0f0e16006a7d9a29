/* The JSON model of json.h: a recursive-descent parser bounded in depth, and a writer. */
#include "json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 256

/* ---- growable strings ---------------------------------------------------------------------------------------- */

static void buf_reserve(buf *b, size_t extra) {
    if (b->length + extra + 1 <= b->capacity) return;
    size_t capacity = b->capacity ? b->capacity : 256;
    while (capacity < b->length + extra + 1) capacity *= 2;
    char *data = realloc(b->data, capacity);
    if (!data) {
        fputs("mcpctl: out of memory\n", stderr);
        exit(1);
    }
    b->data = data;
    b->capacity = capacity;
}

void buf_addn(buf *b, const char *text, size_t length) {
    buf_reserve(b, length);
    memcpy(b->data + b->length, text, length);
    b->length += length;
    b->data[b->length] = '\0';
}

void buf_add(buf *b, const char *text) { buf_addn(b, text, strlen(text)); }

void buf_addf(buf *b, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int needed = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (needed < 0) return;
    buf_reserve(b, (size_t)needed);
    va_start(args, format);
    vsnprintf(b->data + b->length, (size_t)needed + 1, format, args);
    va_end(args);
    b->length += (size_t)needed;
}

void buf_add_quoted(buf *b, const char *text) {
    buf_add(b, "\"");
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        switch (*c) {
        case '"': buf_add(b, "\\\""); break;
        case '\\': buf_add(b, "\\\\"); break;
        case '\n': buf_add(b, "\\n"); break;
        case '\r': buf_add(b, "\\r"); break;
        case '\t': buf_add(b, "\\t"); break;
        default:
            if (*c < 0x20) buf_addf(b, "\\u%04x", *c);
            else buf_addn(b, (const char *)c, 1);
        }
    }
    buf_add(b, "\"");
}

char *buf_take(buf *b) {
    if (!b->data) buf_reserve(b, 0), b->data[0] = '\0';
    char *data = b->data;
    *b = (buf){0};
    return data;
}

/* ---- values -------------------------------------------------------------------------------------------------- */

json *json_new(json_type type) {
    json *value = calloc(1, sizeof *value);
    if (!value) {
        fputs("mcpctl: out of memory\n", stderr);
        exit(1);
    }
    value->type = type;
    return value;
}

static char *copy_text(const char *text) {
    size_t length = strlen(text);
    char *out = malloc(length + 1);
    if (!out) {
        fputs("mcpctl: out of memory\n", stderr);
        exit(1);
    }
    memcpy(out, text, length + 1);
    return out;
}

json *json_new_string(const char *text) {
    json *value = json_new(JSON_STRING);
    value->text = copy_text(text);
    return value;
}

json *json_new_number(double number) {
    char literal[64];
    if (number > -9e15 && number < 9e15 && number == (double)(int64_t)number) snprintf(literal, sizeof literal, "%lld", (long long)number);
    else snprintf(literal, sizeof literal, "%.17g", number);
    json *value = json_new(JSON_NUMBER);
    value->text = copy_text(literal);
    return value;
}

void json_free(json *value) {
    while (value) {
        json *next = value->next;
        json_free(value->first);
        free(value->key);
        free(value->text);
        free(value);
        value = next;
    }
}

json *json_clone(const json *value) {
    json *copy = json_new(value->type);
    if (value->text) copy->text = copy_text(value->text);
    for (const json *child = value->first; child; child = child->next) {
        json *member = json_clone(child);
        if (child->key) member->key = copy_text(child->key);
        json_append(copy, member);
    }
    return copy;
}

json *json_get(const json *object, const char *key) {
    if (!object || object->type != JSON_OBJECT) return NULL;
    for (json *member = object->first; member; member = member->next)
        if (strcmp(member->key, key) == 0) return member;
    return NULL;
}

const char *json_str(const json *value, const char *fallback) {
    return value && value->type == JSON_STRING ? value->text : fallback;
}

double json_num(const json *value, double fallback) {
    return value && value->type == JSON_NUMBER ? strtod(value->text, NULL) : fallback;
}

int json_is_true(const json *value) { return value && value->type == JSON_TRUE; }

void json_append(json *array, json *value) {
    if (array->last) array->last->next = value;
    else array->first = value;
    array->last = value;
    value->next = NULL;
    array->count++;
}

void json_set(json *object, const char *key, json *value) {
    free(value->key);
    value->key = copy_text(key);
    for (json *member = object->first, *previous = NULL; member; previous = member, member = member->next) {
        if (strcmp(member->key, key) != 0) continue;
        value->next = member->next;
        if (previous) previous->next = value;
        else object->first = value;
        if (object->last == member) object->last = value;
        member->next = NULL;
        json_free(member);
        return;
    }
    json_append(object, value);
}

json *json_take(json *object, const char *key) {
    if (!object || object->type != JSON_OBJECT) return NULL;
    for (json *member = object->first, *previous = NULL; member; previous = member, member = member->next) {
        if (strcmp(member->key, key) != 0) continue;
        if (previous) previous->next = member->next;
        else object->first = member->next;
        if (object->last == member) object->last = previous;
        member->next = NULL;
        object->count--;
        return member;
    }
    return NULL;
}

int json_remove(json *object, const char *key) {
    json *member = json_take(object, key);
    json_free(member);
    return member != NULL;
}

/* ---- parser -------------------------------------------------------------------------------------------------- */

typedef struct {
    const char *start, *at;
    char *error;
    size_t error_size;
    int failed;
} parser;

static void fail(parser *p, const char *what) {
    if (p->failed) return;
    p->failed = 1;
    int line = 1, column = 1;
    for (const char *c = p->start; c < p->at; c++) {
        if (*c == '\n') line++, column = 1;
        else if (((unsigned char)*c & 0xC0) != 0x80) column++;
    }
    snprintf(p->error, p->error_size, "line %d, column %d: %s", line, column, what);
}

static void skip_space(parser *p) {
    while (*p->at == ' ' || *p->at == '\t' || *p->at == '\n' || *p->at == '\r') p->at++;
}

static int hex4(const char *at, unsigned *out) {
    unsigned value = 0;
    for (int i = 0; i < 4; i++) {
        char c = at[i];
        value <<= 4;
        if (c >= '0' && c <= '9') value |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') value |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') value |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = value;
    return 1;
}

static void add_utf8(buf *b, unsigned code) {
    char out[4];
    size_t n;
    if (code < 0x80) out[0] = (char)code, n = 1;
    else if (code < 0x800) out[0] = (char)(0xC0 | (code >> 6)), out[1] = (char)(0x80 | (code & 0x3F)), n = 2;
    else if (code < 0x10000)
        out[0] = (char)(0xE0 | (code >> 12)), out[1] = (char)(0x80 | ((code >> 6) & 0x3F)), out[2] = (char)(0x80 | (code & 0x3F)), n = 3;
    else
        out[0] = (char)(0xF0 | (code >> 18)), out[1] = (char)(0x80 | ((code >> 12) & 0x3F)),
        out[2] = (char)(0x80 | ((code >> 6) & 0x3F)), out[3] = (char)(0x80 | (code & 0x3F)), n = 4;
    buf_addn(b, out, n);
}

static char *parse_string(parser *p) {
    buf b = {0};
    p->at++; /* the opening quote */
    for (;;) {
        const char *run = p->at;
        while (*p->at && *p->at != '"' && *p->at != '\\' && (unsigned char)*p->at >= 0x20) p->at++;
        buf_addn(&b, run, (size_t)(p->at - run));
        if (*p->at == '"') {
            p->at++;
            return buf_take(&b);
        }
        if (*p->at != '\\') {
            fail(p, *p->at ? "control character in a string" : "unterminated string");
            free(b.data);
            return NULL;
        }
        p->at++;
        char escape = *p->at++;
        switch (escape) {
        case '"': buf_add(&b, "\""); break;
        case '\\': buf_add(&b, "\\"); break;
        case '/': buf_add(&b, "/"); break;
        case 'b': buf_add(&b, "\b"); break;
        case 'f': buf_add(&b, "\f"); break;
        case 'n': buf_add(&b, "\n"); break;
        case 'r': buf_add(&b, "\r"); break;
        case 't': buf_add(&b, "\t"); break;
        case 'u': {
            unsigned code, low;
            if (!hex4(p->at, &code)) goto bad;
            p->at += 4;
            if (code >= 0xD800 && code < 0xDC00 && p->at[0] == '\\' && p->at[1] == 'u' && hex4(p->at + 2, &low) &&
                low >= 0xDC00 && low < 0xE000) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                p->at += 6;
            } else if (code >= 0xD800 && code < 0xE000) {
                code = 0xFFFD; /* a lone surrogate */
            }
            add_utf8(&b, code);
            break;
        }
        default:
            p->at--;
            goto bad;
        }
    }
bad:
    fail(p, "bad escape in a string");
    free(b.data);
    return NULL;
}

static json *parse_value(parser *p, int depth);

static json *parse_container(parser *p, int depth, json_type type) {
    json *container = json_new(type);
    char close = type == JSON_OBJECT ? '}' : ']';
    p->at++;
    skip_space(p);
    if (*p->at == close) {
        p->at++;
        return container;
    }
    for (;;) {
        skip_space(p);
        char *key = NULL;
        if (type == JSON_OBJECT) {
            if (*p->at != '"') { fail(p, "expected a member name"); break; }
            key = parse_string(p);
            if (!key) break;
            skip_space(p);
            if (*p->at != ':') { free(key); fail(p, "expected ':'"); break; }
            p->at++;
        }
        json *member = parse_value(p, depth + 1);
        if (!member) { free(key); break; }
        member->key = key;
        json_append(container, member);
        skip_space(p);
        if (*p->at == ',') { p->at++; continue; }
        if (*p->at == close) { p->at++; return container; }
        fail(p, type == JSON_OBJECT ? "expected ',' or '}'" : "expected ',' or ']'");
        break;
    }
    json_free(container);
    return NULL;
}

static json *parse_value(parser *p, int depth) {
    if (depth > JSON_MAX_DEPTH) { fail(p, "nested too deeply"); return NULL; }
    skip_space(p);
    switch (*p->at) {
    case '{': return parse_container(p, depth, JSON_OBJECT);
    case '[': return parse_container(p, depth, JSON_ARRAY);
    case '"': {
        char *text = parse_string(p);
        if (!text) return NULL;
        json *value = json_new(JSON_STRING);
        value->text = text;
        return value;
    }
    case 't': if (strncmp(p->at, "true", 4) == 0) { p->at += 4; return json_new(JSON_TRUE); } break;
    case 'f': if (strncmp(p->at, "false", 5) == 0) { p->at += 5; return json_new(JSON_FALSE); } break;
    case 'n': if (strncmp(p->at, "null", 4) == 0) { p->at += 4; return json_new(JSON_NULL); } break;
    default: {
        /* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
        const char *start = p->at, *c = p->at;
        if (*c == '-') c++;
        if (*c == '0') c++;
        else if (*c >= '1' && *c <= '9') while (*c >= '0' && *c <= '9') c++;
        else break;
        if (*c == '.') {
            c++;
            if (!(*c >= '0' && *c <= '9')) break;
            while (*c >= '0' && *c <= '9') c++;
        }
        if (*c == 'e' || *c == 'E') {
            c++;
            if (*c == '+' || *c == '-') c++;
            if (!(*c >= '0' && *c <= '9')) break;
            while (*c >= '0' && *c <= '9') c++;
        }
        json *value = json_new(JSON_NUMBER);
        value->text = malloc((size_t)(c - start) + 1);
        if (!value->text) exit(1);
        memcpy(value->text, start, (size_t)(c - start));
        value->text[c - start] = '\0';
        p->at = c;
        return value;
    }
    }
    fail(p, *p->at ? "unexpected character" : "unexpected end of text");
    return NULL;
}

json *json_parse(const char *text, char *error, size_t error_size) {
    char ignored[8];
    parser p = {text, text, error ? error : ignored, error ? error_size : sizeof ignored, 0};
    json *value = parse_value(&p, 0);
    if (value) {
        skip_space(&p);
        if (*p.at) {
            fail(&p, "text after the document");
            json_free(value);
            value = NULL;
        }
    }
    return value;
}

/* ---- writer -------------------------------------------------------------------------------------------------- */

static void write_value(buf *b, const json *value, int indent, int level) {
    switch (value->type) {
    case JSON_NULL: buf_add(b, "null"); return;
    case JSON_TRUE: buf_add(b, "true"); return;
    case JSON_FALSE: buf_add(b, "false"); return;
    case JSON_NUMBER: buf_add(b, value->text); return;
    case JSON_STRING: buf_add_quoted(b, value->text); return;
    case JSON_ARRAY:
    case JSON_OBJECT: break;
    }
    int object = value->type == JSON_OBJECT;
    buf_add(b, object ? "{" : "[");
    for (const json *child = value->first; child; child = child->next) {
        if (indent) buf_addf(b, "\n%*s", indent * (level + 1), "");
        if (object) {
            buf_add_quoted(b, child->key);
            buf_add(b, indent ? ": " : ":");
        }
        write_value(b, child, indent, level + 1);
        if (child->next) buf_add(b, ",");
    }
    if (indent && value->first) buf_addf(b, "\n%*s", indent * level, "");
    buf_add(b, object ? "}" : "]");
}

char *json_write(const json *value, int indent) {
    buf b = {0};
    write_value(&b, value, indent, 0);
    return buf_take(&b);
}
