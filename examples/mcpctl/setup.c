/* Finding and loading the config file, the credential store's directory and key, and the manager. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcpctl.h"

char *read_text_file(const char *path, int *out_errno) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        if (out_errno) *out_errno = errno;
        return NULL;
    }
    buf b = {0};
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
        buf_addn(&b, chunk, got);
        if (b.length > 64u << 20) { /* the library's own limit is lower; do not read a huge file whole */
            fclose(file);
            free(b.data);
            if (out_errno) *out_errno = EFBIG;
            return NULL;
        }
    }
    int failed = ferror(file);
    fclose(file);
    if (failed) {
        free(b.data);
        if (out_errno) *out_errno = EIO;
        return NULL;
    }
    return buf_take(&b);
}

/* $NAME, else $HOME/fallback (a relative fallback under HOME). */
static char *xdg_dir(const char *name, const char *fallback) {
    const char *value = getenv(name);
    buf b = {0};
    if (value && value[0] == '/') buf_add(&b, value); /* the XDG spec ignores relative paths */
    else buf_addf(&b, "%s/%s", getenv("HOME") ? getenv("HOME") : ".", fallback);
    return buf_take(&b);
}

void ctl_resolve_config_path(ctl *c) {
    static char *resolved;
    if (c->config_path) return;
    const char *env = getenv("MCPCTL_CONFIG");
    if (env && *env) {
        c->config_path = env;
        c->config_origin = "MCPCTL_CONFIG";
        return;
    }
    char *config_home = xdg_dir("XDG_CONFIG_HOME", ".config");
    buf b = {0};
    buf_addf(&b, "%s/mcpctl/config.json", config_home);
    free(config_home);
    free(resolved);
    resolved = buf_take(&b);
    c->config_path = resolved;
    c->config_origin = "default";
}

int make_dirs(const char *path) {
    char *copy = strdup(path);
    if (!copy) return -1;
    for (char *slash = strchr(copy + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash) *slash = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
            free(copy);
            return -1;
        }
        if (!slash) break;
        *slash = '/';
    }
    free(copy);
    return 0;
}

static void base64(const unsigned char *bytes, size_t length, char *out) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < length; i += 3) {
        unsigned v = (unsigned)bytes[i] << 16 | (i + 1 < length ? (unsigned)bytes[i + 1] << 8 : 0) | (i + 2 < length ? bytes[i + 2] : 0);
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = i + 1 < length ? alphabet[v >> 6 & 63] : '=';
        out[o++] = i + 2 < length ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
}

/* The store key: $MCPCLIENT_STORE_KEY when set (NULL is returned: the library reads it), else the key file
 * <data>/store.key, created on first use with 32 random bytes (base64), mode 0600. A key file that others can
 * read, or that is not a regular file, is refused. Returns 0, or an exit code after reporting. */
static int store_key(ctl *c, const char *data_dir, char **out_key) {
    *out_key = NULL;
    const char *env = getenv("MCPCLIENT_STORE_KEY");
    if (env && *env) return 0;
    buf path = {0};
    buf_addf(&path, "%s/store.key", data_dir);
    int fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd >= 0) {
        unsigned char bytes[32];
        int random = open("/dev/urandom", O_RDONLY);
        ssize_t got = random >= 0 ? read(random, bytes, sizeof bytes) : -1;
        if (random >= 0) close(random);
        char encoded[64];
        base64(bytes, sizeof bytes, encoded);
        size_t length = strlen(encoded);
        encoded[length] = '\n';
        int ok = got == (ssize_t)sizeof bytes && write(fd, encoded, length + 1) == (ssize_t)(length + 1);
        close(fd);
        if (!ok) {
            unlink(path.data);
            int rc = cli_error(c, EXIT_ERROR, "cannot create the credential store key %s", path.data);
            free(path.data);
            return rc;
        }
    } else if (errno != EEXIST) {
        int rc = cli_error(c, EXIT_ERROR, "cannot create %s: %s", path.data, strerror(errno));
        free(path.data);
        return rc;
    }
    struct stat info;
    if (lstat(path.data, &info) != 0 || !S_ISREG(info.st_mode) || (info.st_mode & 077) || info.st_uid != geteuid()) {
        int rc = cli_error(c, EXIT_ERROR, "refusing the credential store key %s: it must be a regular file of yours with mode 0600", path.data);
        free(path.data);
        return rc;
    }
    char *text = read_text_file(path.data, NULL);
    free(path.data);
    if (!text) return cli_error(c, EXIT_ERROR, "cannot read the credential store key");
    text[strcspn(text, "\r\n")] = '\0';
    *out_key = text;
    return 0;
}

/* {"type":"file","directory":"<data>/credentials","key"?} under $XDG_DATA_HOME/mcpctl. */
static int store_options(ctl *c, buf *options) {
    char *data_home = xdg_dir("XDG_DATA_HOME", ".local/share");
    buf dir = {0};
    buf_addf(&dir, "%s/mcpctl", data_home);
    free(data_home);
    if (make_dirs(dir.data) != 0) {
        int rc = cli_error(c, EXIT_ERROR, "cannot create %s: %s", dir.data, strerror(errno));
        free(dir.data);
        return rc;
    }
    char *key = NULL;
    int rc = store_key(c, dir.data, &key);
    if (rc) {
        free(dir.data);
        return rc;
    }
    buf_add(options, "{\"type\":\"file\",\"directory\":");
    buf_addf(&dir, "/credentials");
    buf_add_quoted(options, dir.data);
    if (key) {
        buf_add(options, ",\"key\":");
        buf_add_quoted(options, key);
        memset(key, 0, strlen(key));
        free(key);
    }
    buf_add(options, "}");
    free(dir.data);
    return 0;
}

/* Whether the config has a server with a URL (a load without a manager; errors are left to the real load). */
static int has_remote_server(const char *text, const char *path) {
    buf options = {0};
    buf_add(&options, "{\"file\":");
    buf_add_quoted(&options, path);
    buf_add(&options, "}");
    char *result = NULL;
    int remote = 1;
    if (mcp_config_load(text, options.data, &result, NULL) == MCP_OK) {
        json *loaded = json_parse(result, NULL, 0);
        remote = 0;
        for (const json *s = json_get(loaded, "servers") ? json_get(loaded, "servers")->first : NULL; s; s = s->next)
            if (json_get(s, "url")) remote = 1;
        json_free(loaded);
    }
    mcp_string_free(result);
    free(options.data);
    return remote;
}

int ctl_read_config(ctl *c, char **out_text) {
    ctl_resolve_config_path(c);
    int error_number = 0;
    char *text = read_text_file(c->config_path, &error_number);
    if (!text) {
        if (error_number == ENOENT)
            return cli_error(c, EXIT_CONFIG, "no config file at %s (from %s); add a server with 'mcpctl servers add' or pass --config FILE",
                             c->config_path, c->config_origin);
        return cli_error(c, EXIT_CONFIG, "cannot read %s: %s", c->config_path, strerror(error_number));
    }
    *out_text = text;
    return EXIT_OK;
}

int ctl_open(ctl *c) {
    char *text = NULL;
    int rc = ctl_read_config(c, &text);
    if (rc != EXIT_OK) return rc;

    buf options = {0};
    buf_add(&options, "{\"clientInfo\":{\"name\":\"mcpctl\",\"version\":\"" MCP_VERSION_STRING "\"},\"oauth\":{");
    if (c->redirect_uri) {
        buf_add(&options, "\"redirectUri\":");
        buf_add_quoted(&options, c->redirect_uri);
        buf_add(&options, ",");
    }
    buf_add(&options, "\"clientName\":\"mcpctl\"");
    /* Only remote servers sign in: a config of stdio servers never creates the key or the store directory. */
    if (c->redirect_uri || has_remote_server(text, c->config_path)) {
        buf_add(&options, ",\"store\":");
        int rc = store_options(c, &options);
        if (rc) {
            free(options.data);
            free(text);
            return rc;
        }
    }
    buf_add(&options, "}}");
    char *error = NULL;
    mcp_status status = mcp_manager_new(&c->manager, options.data, &error);
    memset(options.data, 0, options.length); /* it held the store key */
    free(options.data);
    if (status != MCP_OK) {
        free(text);
        return report_library_error(c, "creating the manager", status, error);
    }

    buf load = {0};
    buf_add(&load, "{\"file\":");
    buf_add_quoted(&load, c->config_path);
    buf_add(&load, "}");
    char *result = NULL;
    status = mcp_manager_load_config(c->manager, text, load.data, &result, &error);
    free(load.data);
    free(text);
    if (status != MCP_OK) return report_library_error(c, c->config_path, status, error);
    c->loaded = json_parse(result, NULL, 0);
    mcp_string_free(result);
    if (!c->loaded) return cli_error(c, EXIT_ERROR, "the library's load result is not JSON");
    return 0;
}

void ctl_close(ctl *c) {
    mcp_manager_free(c->manager); /* disconnects every server and waits for their processes */
    c->manager = NULL;
    json_free(c->loaded);
    c->loaded = NULL;
}

size_t ctl_server_names(const ctl *c, const char **names, size_t capacity) {
    size_t count = 0;
    for (json *server = json_get(c->loaded, "servers") ? json_get(c->loaded, "servers")->first : NULL; server; server = server->next)
        if (count < capacity) names[count++] = server->key;
    return count;
}

json *ctl_server(const ctl *c, const char *name) { return json_get(json_get(c->loaded, "servers"), name); }
