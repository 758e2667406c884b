/* A large folder's listing, entry by entry, in one call for all of its entries: Python's work
 * per entry was most of what browsing a 10,000-entry folder cost besides qBittorrent's own
 * answer (bench/browse.py). browser/entries.py holds the same rules in Python, used where this
 * module is not built; the tests compare both on the same input.
 *
 * natural_order(entries): the entries (dicts with a name and a type), folders first, then
 * files, each in natural order: case folded, each run of decimal digits (what `\d` matches in
 * a str pattern: Unicode category Nd) compared as a number. A run's key is its length then its
 * digits, leading ASCII zeros left out ("0" for a run of zeros only): "ep 07" -> "ep 0017".
 * The length has three digits below 1000 (write_length says how it goes on). Comparing such
 * keys as plain strings compares numbers by value. Entries of equal keys keep their order.
 * The keys are written one after the other in one buffer and sorted with qsort: a str per key
 * and list.sort took twice as long.
 *
 * qbt_entries(answer, prefix): qBittorrent's getDirectoryContent answer with metadata, the
 * JSON text itself, as entries in natural order (as natural_order puts them): dicts with the
 * API's keys: name, path (prefix + name), type ("dir" or "file"; items of other types are left
 * out), size (a file's whole number of bytes, else None), modified (whole seconds since 1970
 * as ISO 8601 text in UTC, "2026-11-26T19:00:00+00:00"; None outside years 1 to 9999 or when
 * not whole seconds), qbtPath (None). Read straight from the text, put in order, and only
 * then made: making qBittorrent's own dicts with orjson, then the entries, took twice as long,
 * and sorting made entries scattered them in memory (orjson then took three times as long to
 * write them). It reads what orjson reads, the same way (a key said twice means its last
 * value; a number outside 64 bits is no whole number), and raises ValueError where orjson
 * would, and for an item that is no object, or has no text name.
 *
 * qbt_path_entries(folders, files, prefix, place): qBittorrent 5.0/5.1's answers without
 * metadata, the JSON lists of the full paths of a folder's folders and of its files, as
 * entries in natural order, the same way (size and modified None). A path directly in
 * `prefix` is named by what follows it; any other is named by place(path) -> (name, path).
 * ValueError for an answer that is not JSON or not a list of paths.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ASCII first: nearly every character of a file name is, and the Unicode table is a call. */
static inline int is_decimal(Py_UCS4 ch) {
    return ch < 128 ? ch >= '0' && ch <= '9' : Py_UNICODE_ISDECIMAL(ch);
}

static Py_ssize_t digits_of(Py_ssize_t n) {
    Py_ssize_t digits = 1;
    for (; n >= 10; n /= 10) digits++;
    return digits;
}

/* A run's length: three digits below 1000; from there ':' (above the digits), how many digits
 * the length has, and the length (runs of a billion digits and more do not occur). */
static Py_ssize_t length_width(Py_ssize_t n) { return n < 1000 ? 3 : 2 + digits_of(n); }

static Py_ssize_t write_length(char *out, Py_ssize_t at, Py_ssize_t n) {
    Py_ssize_t end = at + length_width(n), digits = n < 1000 ? 3 : digits_of(n);
    if (n >= 1000) {
        out[at] = ':';
        out[at + 1] = (char)('0' + digits);
    }
    for (Py_ssize_t i = end - 1; i >= end - digits; i--, n /= 10) out[i] = (char)('0' + n % 10);
    return end;
}

/* `data` (of *capacity elements of `each` bytes) moved to room for `needed` elements at least
 * (twice its capacity when that is more), *capacity updated; NULL with MemoryError when there
 * is no room, `data` then unchanged. */
static void *grown(void *data, Py_ssize_t *capacity, Py_ssize_t needed, size_t each) {
    Py_ssize_t room = needed > 2 * *capacity ? needed : 2 * *capacity;
    void *moved = PyMem_Realloc(data, room * each);
    if (moved == NULL) return PyErr_NoMemory();
    *capacity = room;
    return moved;
}

/* Writes a code point's UTF-8 at `out`; returns how many bytes. */
static Py_ssize_t write_utf8(char *out, Py_UCS4 cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static PyObject *KEY_NAME, *KEY_PATH, *KEY_TYPE, *KEY_SIZE, *KEY_MODIFIED, *KEY_QBT_PATH,
    *TYPE_DIR, *TYPE_FILE, *CASEFOLD;

/* The order keys of a listing, one after the other in one buffer, and where each is. */
typedef struct {
    char *data;
    Py_ssize_t used, capacity;
} Keys;

typedef struct {
    const char *key; /* set once all keys are written (the buffer moves as it grows) */
    Py_ssize_t at, size, place;
} Ordered;

/* Appends the order key of an entry to `keys` and says where it is in `ordered`: "0" for a
 * folder or "1", then the natural key of its case-folded name, in UTF-8 (whose byte order is
 * the characters' order). The name is `name`, a str, or when NULL the ASCII text `ascii`. */
static int add_order_key(Keys *keys, Ordered *ordered, int folder, PyObject *name,
                         const char *ascii, Py_ssize_t size) {
    int kind = PyUnicode_1BYTE_KIND, lower = 1;
    const void *data = ascii;
    PyObject *folded = NULL;
    if (name && PyUnicode_IS_ASCII(name)) { /* folded as its key is written: str.casefold
                                             * took a quarter of the time */
        data = PyUnicode_1BYTE_DATA(name);
        size = PyUnicode_GET_LENGTH(name);
    } else if (name) {
        folded = PyObject_CallMethodNoArgs(name, CASEFOLD);
        if (folded == NULL) return -1;
        kind = PyUnicode_KIND(folded);
        data = PyUnicode_DATA(folded);
        size = PyUnicode_GET_LENGTH(folded);
        lower = 0;
    }
    /* at most 7 bytes a character (a run of one 4-byte digit), and a long run's length */
    Py_ssize_t most = 1 + 7 * size + 32;
    if (keys->used + most > keys->capacity) {
        char *moved = grown(keys->data, &keys->capacity, keys->used + most, 1);
        if (moved == NULL) {
            Py_XDECREF(folded);
            return -1;
        }
        keys->data = moved;
    }
    char *out = keys->data + keys->used;
    Py_ssize_t at = 0;
    out[at++] = folder ? '0' : '1';
    for (Py_ssize_t i = 0; i < size;) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (!is_decimal(ch)) {
            if (lower && ch >= 'A' && ch <= 'Z') ch += 'a' - 'A';
            at += write_utf8(out + at, ch);
            i++;
            continue;
        }
        while (i < size && PyUnicode_READ(kind, data, i) == '0') i++;
        Py_ssize_t start = i;
        while (i < size && is_decimal(PyUnicode_READ(kind, data, i))) i++;
        if (i == start) {
            at = write_length(out, at, 1);
            out[at++] = '0';
            continue;
        }
        at = write_length(out, at, i - start);
        for (Py_ssize_t j = start; j < i; j++)
            at += write_utf8(out + at, PyUnicode_READ(kind, data, j));
    }
    Py_XDECREF(folded);
    ordered->at = keys->used;
    ordered->size = at;
    keys->used += at;
    return 0;
}

/* Keys compared as Python compares str; equal keys keep the listing's order. */
static int compare_ordered(const void *a, const void *b) {
    const Ordered *x = *(Ordered *const *)a, *y = *(Ordered *const *)b;
    int c = memcmp(x->key, y->key, x->size < y->size ? x->size : y->size);
    if (c) return c;
    if (x->size != y->size) return x->size < y->size ? -1 : 1;
    return (x->place > y->place) - (x->place < y->place);
}

/* Pointers to the entries' Ordered, in order (NULL with MemoryError): sorted as pointers,
 * the sort moves a quarter of the bytes it moved sorting the Ordered themselves. */
static Ordered **sort_ordered(Ordered *ordered, Py_ssize_t count, const Keys *keys) {
    Ordered **order = PyMem_Malloc((count ? count : 1) * sizeof(Ordered *));
    if (order == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        ordered[i].key = keys->data + ordered[i].at;
        order[i] = &ordered[i];
    }
    qsort(order, count, sizeof(Ordered *), compare_ordered);
    return order;
}

static PyObject *natural_order(PyObject *Py_UNUSED(module), PyObject *arg) {
    if (!PyList_CheckExact(arg)) {
        PyErr_SetString(PyExc_TypeError, "natural_order() takes a list of entries");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(arg);
    Keys keys = {NULL, 0, 0};
    Ordered *ordered = PyMem_Malloc((count ? count : 1) * sizeof(Ordered));
    PyObject *result = NULL;
    if (ordered == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *entry = PyList_GET_ITEM(arg, i);
        if (!PyDict_Check(entry)) {
            PyErr_SetString(PyExc_TypeError, "an entry that is not a dict");
            goto done;
        }
        PyObject *name = PyDict_GetItemWithError(entry, KEY_NAME);
        PyObject *type = PyDict_GetItemWithError(entry, KEY_TYPE);
        if (name == NULL || !PyUnicode_Check(name) || type == NULL) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "an entry without a name");
            goto done;
        }
        int folder = PyUnicode_Check(type) && PyUnicode_CompareWithASCIIString(type, "dir") == 0;
        ordered[i].place = i;
        if (add_order_key(&keys, &ordered[i], folder, name, NULL, 0) < 0) goto done;
    }
    Ordered **order = sort_ordered(ordered, count, &keys);
    if (order == NULL) goto done;
    result = PyList_New(count);
    for (Py_ssize_t j = 0; result && j < count; j++)
        PyList_SET_ITEM(result, j, Py_NewRef(PyList_GET_ITEM(arg, order[j]->place)));
    PyMem_Free(order);
done:
    PyMem_Free(keys.data);
    PyMem_Free(ordered);
    return result;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm, proleptic Gregorian). */
static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d) {
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

/* -62135596800: 0001-01-01T00:00:00; 253402300799: 9999-12-31T23:59:59 */
#define FIRST_SECOND -62135596800LL
#define LAST_SECOND 253402300799LL

static PyObject *utc_text(long long seconds) {
    if (seconds < FIRST_SECOND || seconds > LAST_SECOND) Py_RETURN_NONE;
    long long days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    long long in_day = seconds - days * 86400;
    long long year;
    unsigned month, day;
    civil_from_days(days, &year, &month, &day);
    /* Written digit by digit: snprintf took most of the time. */
    PyObject *text = PyUnicode_New(25, 127);
    if (text == NULL) return NULL;
    Py_UCS1 *out = PyUnicode_1BYTE_DATA(text);
    memcpy(out, "0000-00-00T00:00:00+00:00", 25);
    unsigned fields[6] = {(unsigned)year, month, day, (unsigned)(in_day / 3600),
                          (unsigned)(in_day / 60 % 60), (unsigned)(in_day % 60)};
    static const int ends[6] = {4, 7, 10, 13, 16, 19}; /* one past each field's last digit */
    for (int f = 0; f < 6; f++)
        for (int at = ends[f] - 1; fields[f] > 0; at--, fields[f] /= 10)
            out[at] = (Py_UCS1)('0' + fields[f] % 10);
    return text;
}

static int set_entry(PyObject *entry, PyObject *name, PyObject *path, PyObject *type,
                     PyObject *size, PyObject *modified) {
    return PyDict_SetItem(entry, KEY_NAME, name) || PyDict_SetItem(entry, KEY_PATH, path) ||
           PyDict_SetItem(entry, KEY_TYPE, type) || PyDict_SetItem(entry, KEY_SIZE, size) ||
           PyDict_SetItem(entry, KEY_MODIFIED, modified) ||
           PyDict_SetItem(entry, KEY_QBT_PATH, Py_None);
}

/* The offset of the first byte that is not UTF-8 (overlong forms, surrogates and code points
 * above U+10FFFF are not), or -1. Eight ASCII bytes at a time: nearly every byte is. */
static Py_ssize_t invalid_utf8(const unsigned char *text, Py_ssize_t size) {
    Py_ssize_t i = 0;
    while (i < size) {
        if (i + 8 <= size) {
            unsigned long long eight;
            memcpy(&eight, text + i, 8);
            if (!(eight & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        unsigned char c = text[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int more;
        unsigned char low = 0x80, high = 0xBF; /* the second byte's range */
        if (c >= 0xC2 && c <= 0xDF)
            more = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            if (c == 0xE0) low = 0xA0;
            if (c == 0xED) high = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            if (c == 0xF0) low = 0x90;
            if (c == 0xF4) high = 0x8F;
        } else
            return i;
        if (i + more >= size || text[i + 1] < low || text[i + 1] > high) return i;
        for (int k = 2; k <= more; k++)
            if ((text[i + k] & 0xC0) != 0x80) return i;
        i += more + 1;
    }
    return -1;
}

/* Reads qBittorrent's answer, a JSON text (RFC 8259, as strictly as orjson reads it). */
typedef struct {
    const unsigned char *at, *start, *end;
    char *scratch; /* a string with escapes, unescaped */
    Py_ssize_t scratch_size;
} Reader;

#define MAX_DEPTH 1024

static int not_json(Reader *r, const char *what) {
    Py_ssize_t at = r->at - r->start;
    PyErr_Format(PyExc_ValueError, "not JSON: %s at byte %zd", what, at);
    return -1;
}

static void skip_space(Reader *r) {
    while (r->at < r->end &&
           (*r->at == ' ' || *r->at == '\n' || *r->at == '\r' || *r->at == '\t'))
        r->at++;
}

static int expect(Reader *r, char c, const char *what) {
    skip_space(r);
    if (r->at >= r->end || *r->at != c) return not_json(r, what);
    r->at++;
    return 0;
}

static int hex4(const unsigned char *s, unsigned *value) {
    *value = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = s[i], digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            digit = (c | 0x20) - 'a' + 10;
        else
            return -1;
        *value = *value * 16 + digit;
    }
    return 0;
}

/* The string at r->at (its opening quote) as UTF-8: in the answer itself when it has no
 * escapes (nearly always), else unescaped in r->scratch, valid until the next string. */
static int read_string(Reader *r, const char **text, Py_ssize_t *size) {
    const unsigned char *s = ++r->at;
    while (s < r->end && *s != '"' && *s != '\\' && *s >= 0x20) s++;
    if (s < r->end && *s == '"') {
        *text = (const char *)r->at;
        *size = s - r->at;
        r->at = s + 1;
        return 0;
    }
    Py_ssize_t used = 0;
    for (s = r->at;; r->at = s) {
        if (s >= r->end) return not_json(r, "an unterminated string");
        if (*s == '"') break;
        if (*s < 0x20) return not_json(r, "a control character in a string");
        if (used + 4 > r->scratch_size) { /* an escape writes at most 4 bytes */
            char *scratch = grown(r->scratch, &r->scratch_size, 256, 1);
            if (scratch == NULL) return -1;
            r->scratch = scratch;
        }
        if (*s != '\\') {
            r->scratch[used++] = (char)*s++;
            continue;
        }
        if (s + 1 >= r->end) return not_json(r, "an unterminated string");
        unsigned char e = s[1];
        const char *plain = strchr("\"\\/bfnrt", e);
        if (e && plain) {
            r->scratch[used++] = "\"\\/\b\f\n\r\t"[plain - "\"\\/bfnrt"];
            s += 2;
            continue;
        }
        unsigned cp, low;
        if (e != 'u' || s + 6 > r->end || hex4(s + 2, &cp) < 0)
            return not_json(r, "an invalid escape");
        s += 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return not_json(r, "a lone surrogate");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s + 6 > r->end || s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &low) < 0 ||
                low < 0xDC00 || low > 0xDFFF)
                return not_json(r, "a lone surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            s += 6;
        }
        used += write_utf8(r->scratch + used, cp);
    }
    *text = r->scratch;
    *size = used;
    r->at = s + 1;
    return 0;
}

/* A number at r->at. *whole: it is an integer that fits 64 bits (orjson reads any other
 * number as a float), then its value is in *magnitude and *negative. */
static int read_number(Reader *r, int *whole, unsigned long long *magnitude, int *negative) {
    const unsigned char *s = r->at;
    *negative = s < r->end && *s == '-';
    s += *negative;
    if (s >= r->end || *s < '0' || *s > '9') return not_json(r, "an invalid number");
    int fits = 1;
    unsigned long long value = 0;
    if (*s == '0')
        s++;
    else
        for (; s < r->end && *s >= '0' && *s <= '9'; s++) {
            unsigned digit = *s - '0';
            if (value > (~0ULL - digit) / 10) fits = 0;
            value = value * 10 + digit;
        }
    if (s < r->end && *s >= '0' && *s <= '9') {
        r->at = s;
        return not_json(r, "a number with a leading zero");
    }
    int fraction = s < r->end && (*s == '.' || *s == 'e' || *s == 'E');
    if (s < r->end && *s == '.') {
        if (++s >= r->end || *s < '0' || *s > '9') {
            r->at = s;
            return not_json(r, "an invalid number");
        }
        while (s < r->end && *s >= '0' && *s <= '9') s++;
    }
    if (s < r->end && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < r->end && (*s == '+' || *s == '-')) s++;
        if (s >= r->end || *s < '0' || *s > '9') {
            r->at = s;
            return not_json(r, "an invalid number");
        }
        while (s < r->end && *s >= '0' && *s <= '9') s++;
    }
    *whole = !fraction && fits && (!*negative || value <= (1ULL << 63));
    *magnitude = value;
    if (!*whole) { /* a float to orjson, which refuses one beyond a double's range */
        Py_ssize_t length = s - r->at;
        char *copy = PyMem_Malloc(length + 1);
        if (copy == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(copy, r->at, length);
        copy[length] = 0;
        double number = PyOS_string_to_double(copy, NULL, NULL);
        PyMem_Free(copy);
        if (number == -1.0 && PyErr_Occurred()) return -1;
        if (Py_IS_INFINITY(number)) return not_json(r, "a number beyond a double's range");
    }
    r->at = s;
    return 0;
}

static int skip_value(Reader *r, int depth);

/* An array's or object's members after its opening bracket, each read by `member`. */
static int read_members(Reader *r, char close, int depth, int (*member)(Reader *, int, void *),
                        void *context) {
    skip_space(r);
    if (r->at < r->end && *r->at == close) {
        r->at++;
        return 0;
    }
    for (;;) {
        if (member(r, depth, context) < 0) return -1;
        skip_space(r);
        if (r->at < r->end && *r->at == close) {
            r->at++;
            return 0;
        }
        if (expect(r, ',', close == ']' ? "an array without , or ]" : "an object without , or }"))
            return -1;
    }
}

static int skip_element(Reader *r, int depth, void *context) {
    (void)context;
    return skip_value(r, depth);
}

/* An object's key and colon; the key's text as read_string gives it. */
static int read_key(Reader *r, const char **key, Py_ssize_t *size) {
    skip_space(r);
    if (r->at >= r->end || *r->at != '"') return not_json(r, "an object key that is not text");
    if (read_string(r, key, size) < 0) return -1;
    return expect(r, ':', "a key without :");
}

static int skip_member(Reader *r, int depth, void *context) {
    const char *key;
    Py_ssize_t size;
    (void)context;
    return read_key(r, &key, &size) < 0 ? -1 : skip_value(r, depth);
}

static int skip_value(Reader *r, int depth) {
    skip_space(r);
    if (r->at >= r->end) return not_json(r, "a missing value");
    if (depth >= MAX_DEPTH) return not_json(r, "nesting too deep");
    const char *text;
    Py_ssize_t size;
    int whole, negative;
    unsigned long long magnitude;
    switch (*r->at) {
    case '"':
        return read_string(r, &text, &size);
    case '[':
        r->at++;
        return read_members(r, ']', depth + 1, skip_element, NULL);
    case '{':
        r->at++;
        return read_members(r, '}', depth + 1, skip_member, NULL);
    case 't':
    case 'f':
    case 'n': {
        const char *word = *r->at == 't' ? "true" : *r->at == 'f' ? "false" : "null";
        size_t length = strlen(word);
        if ((size_t)(r->end - r->at) < length || memcmp(r->at, word, length))
            return not_json(r, "an unknown word");
        r->at += length;
        return 0;
    }
    default:
        return read_number(r, &whole, &magnitude, &negative);
    }
}

/* What an item says, the last time it says it (as a dict parsed from it would hold). */
typedef struct {
    const char *name; /* its UTF-8 in the answer, when name_object is NULL */
    Py_ssize_t name_size;
    PyObject *name_object; /* a name with escapes, or not ASCII (made for its key) */
    PyObject *path_object; /* its path, when not the prefix and its name */
    int has_name;          /* a name that is text */
    int type;              /* 1 "dir", 2 "file", 0 anything else */
    int size_kind;         /* 0 no whole number, 1 size_magnitude, 2 minus it */
    unsigned long long size_magnitude;
    int has_seconds; /* last_modification_date is a whole number in 64 bits */
    long long seconds;
} Item;

static int key_is(const char *key, Py_ssize_t size, const char *word) {
    return (size_t)size == strlen(word) && memcmp(key, word, size) == 0;
}

static int read_item_member(Reader *r, int depth, void *context) {
    Item *item = context;
    const char *key, *text = NULL;
    Py_ssize_t key_size, size = 0;
    if (read_key(r, &key, &key_size) < 0) return -1;
    int name = key_is(key, key_size, "name"), type = key_is(key, key_size, "type"),
        size_key = key_is(key, key_size, "size"),
        seconds = key_is(key, key_size, "last_modification_date");
    if (!name && !type && !size_key && !seconds) return skip_value(r, depth);
    skip_space(r);
    int whole = 0, negative = 0, string = r->at < r->end && *r->at == '"';
    unsigned long long magnitude = 0;
    if (string) {
        if (read_string(r, &text, &size) < 0) return -1;
    } else if (r->at < r->end && (*r->at == '-' || (*r->at >= '0' && *r->at <= '9'))) {
        if (read_number(r, &whole, &magnitude, &negative) < 0) return -1;
    } else if (skip_value(r, depth) < 0)
        return -1;
    if (name) {
        Py_CLEAR(item->name_object);
        item->has_name = string;
        if (string && text == r->scratch) { /* unescaped in scratch: kept as a str now */
            item->name_object = PyUnicode_DecodeUTF8(text, size, NULL);
            if (item->name_object == NULL) return -1;
        }
        item->name = text;
        item->name_size = size;
    } else if (type)
        item->type = !string                   ? 0
                     : key_is(text, size, "dir")  ? 1
                     : key_is(text, size, "file") ? 2
                                                  : 0;
    else if (size_key) {
        item->size_kind = whole ? 1 + negative : 0;
        item->size_magnitude = magnitude;
    } else {
        item->has_seconds = whole && (negative || magnitude <= (unsigned long long)LLONG_MAX);
        item->seconds = negative ? (long long)(0 - magnitude) : (long long)magnitude;
    }
    return 0;
}

typedef struct {
    Item *items;
    Py_ssize_t count, capacity;
} Items;

/* What reading an answer's elements needs besides the text. */
typedef struct {
    Items *listing;
    const char *prefix; /* in UTF-8 */
    Py_ssize_t prefix_size;
    int type;        /* of each path of a list of paths */
    PyObject *place; /* names a path that is not directly in the prefix: (name, path) */
} Reading;

static void drop_item(Item *item) {
    Py_XDECREF(item->name_object);
    Py_XDECREF(item->path_object);
}

/* Adds `item` to the listing, or drops it (and raises MemoryError). */
static int keep_item(Items *listing, Item *item) {
    if (listing->count == listing->capacity) {
        Item *items = grown(listing->items, &listing->capacity, listing->count + 1, sizeof(Item));
        if (items == NULL) {
            drop_item(item);
            return -1;
        }
        listing->items = items;
    }
    listing->items[listing->count++] = *item;
    return 0;
}

static int read_item(Reader *r, int depth, void *context) {
    Reading *reading = context;
    skip_space(r);
    if (r->at >= r->end || *r->at != '{') {
        if (skip_value(r, depth) < 0) return -1;
        PyErr_SetString(PyExc_ValueError, "an entry that is not an object");
        return -1;
    }
    r->at++;
    Item item;
    memset(&item, 0, sizeof item);
    if (read_members(r, '}', depth + 1, read_item_member, &item) < 0) {
        drop_item(&item);
        return -1;
    }
    /* qBittorrent gives no type for sockets and the like */
    if (item.type == 0) {
        drop_item(&item);
        return 0;
    }
    if (!item.has_name) {
        drop_item(&item);
        PyErr_SetString(PyExc_ValueError, "an entry without a name");
        return -1;
    }
    return keep_item(reading->listing, &item);
}

static int read_path(Reader *r, int depth, void *context) {
    Reading *reading = context;
    const char *text;
    Py_ssize_t size, in = reading->prefix_size;
    skip_space(r);
    if (r->at >= r->end || *r->at != '"') {
        if (skip_value(r, depth) < 0) return -1;
        PyErr_SetString(PyExc_ValueError, "not a list of paths");
        return -1;
    }
    if (read_string(r, &text, &size) < 0) return -1;
    Item item;
    memset(&item, 0, sizeof item);
    item.type = reading->type;
    item.has_name = 1;
    if (size >= in && memcmp(text, reading->prefix, in) == 0 &&
        memchr(text + in, '/', size - in) == NULL) {
        item.name = text + in;
        item.name_size = size - in;
        if (text == r->scratch &&
            !(item.name_object = PyUnicode_DecodeUTF8(item.name, item.name_size, NULL)))
            return -1;
        return keep_item(reading->listing, &item);
    }
    PyObject *path = PyUnicode_DecodeUTF8(text, size, NULL);
    if (path == NULL) return -1;
    PyObject *placed = PyObject_CallOneArg(reading->place, path);
    Py_DECREF(path);
    if (placed == NULL) return -1;
    if (!PyTuple_Check(placed) || PyTuple_GET_SIZE(placed) != 2 ||
        !PyUnicode_Check(PyTuple_GET_ITEM(placed, 0)) ||
        !PyUnicode_Check(PyTuple_GET_ITEM(placed, 1))) {
        Py_DECREF(placed);
        PyErr_SetString(PyExc_TypeError, "place(path) gives no (name, path)");
        return -1;
    }
    item.name_object = Py_NewRef(PyTuple_GET_ITEM(placed, 0));
    item.path_object = Py_NewRef(PyTuple_GET_ITEM(placed, 1));
    Py_DECREF(placed);
    return keep_item(reading->listing, &item);
}

/* Reads an answer, a JSON list, each element with `element`. Names read stay in `text`, to be
 * released once the entries are made. */
static int read_answer(Py_buffer *text, Reading *reading, int (*element)(Reader *, int, void *),
                       const char *not_list) {
    Reader r = {text->buf, text->buf, (const unsigned char *)text->buf + text->len, NULL, 0};
    int failed = 1;
    Py_ssize_t invalid = invalid_utf8(r.start, text->len);
    if (invalid >= 0) {
        r.at = r.start + invalid;
        not_json(&r, "a byte that is not UTF-8");
        goto done;
    }
    skip_space(&r);
    if (r.at >= r.end || *r.at != '[') {
        if (skip_value(&r, 0) == 0) PyErr_SetString(PyExc_ValueError, not_list);
        goto done;
    }
    r.at++;
    if (read_members(&r, ']', 1, element, reading) < 0) goto done;
    skip_space(&r);
    if (r.at != r.end) {
        not_json(&r, "more after the list");
        goto done;
    }
    failed = 0;
done:
    PyMem_Free(r.scratch);
    return failed ? -1 : 0;
}

static PyObject *make_qbt_entry(Item *item, PyObject *prefix) {
    PyObject *name, *path = NULL, *size = NULL, *modified = NULL, *entry = NULL;
    if (item->name_object)
        name = Py_NewRef(item->name_object);
    else if ((name = PyUnicode_New(item->name_size, 127)) != NULL)
        memcpy(PyUnicode_1BYTE_DATA(name), item->name, item->name_size);
    if (name == NULL) return NULL;
    path = item->path_object ? Py_NewRef(item->path_object) : PyUnicode_Concat(prefix, name);
    if (item->type == 2 && item->size_kind == 1)
        size = PyLong_FromUnsignedLongLong(item->size_magnitude);
    else if (item->type == 2 && item->size_kind == 2)
        size = PyLong_FromLongLong((long long)(0 - item->size_magnitude));
    else
        size = Py_NewRef(Py_None);
    modified = item->has_seconds ? utc_text(item->seconds) : Py_NewRef(Py_None);
    /* sized for its six keys at once: growing each one took a third of the time */
    if (path && size && modified) entry = _PyDict_NewPresized(6);
    if (entry && set_entry(entry, name, path, item->type == 1 ? TYPE_DIR : TYPE_FILE, size,
                           modified))
        Py_CLEAR(entry);
    Py_DECREF(name);
    Py_XDECREF(path);
    Py_XDECREF(size);
    Py_XDECREF(modified);
    return entry;
}

/* The listing's entries in natural order; drops its items. */
static PyObject *ordered_entries(Items *listing, PyObject *prefix) {
    Keys keys = {NULL, 0, 0};
    Ordered *ordered = PyMem_Malloc((listing->count ? listing->count : 1) * sizeof(Ordered));
    Ordered **order = NULL;
    PyObject *entries = NULL;
    if (ordered == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < listing->count; i++) {
        Item *item = &listing->items[i];
        if (!item->name_object) { /* not ASCII: a str now, to be case-folded */
            int ascii = 1;
            for (Py_ssize_t k = 0; k < item->name_size; k++)
                if ((unsigned char)item->name[k] >= 0x80) ascii = 0;
            if (!ascii &&
                !(item->name_object = PyUnicode_DecodeUTF8(item->name, item->name_size, NULL)))
                goto done;
        }
        ordered[i].place = i;
        if (add_order_key(&keys, &ordered[i], item->type == 1, item->name_object, item->name,
                          item->name_size) < 0)
            goto done;
    }
    if ((order = sort_ordered(ordered, listing->count, &keys)) == NULL) goto done;
    /* Made in their order: orjson then reads them from consecutive memory, which took a
     * third of the time it took in the answer's order. */
    entries = PyList_New(listing->count);
    for (Py_ssize_t j = 0; entries && j < listing->count; j++) {
        PyObject *entry = make_qbt_entry(&listing->items[order[j]->place], prefix);
        if (entry == NULL) Py_CLEAR(entries);
        else PyList_SET_ITEM(entries, j, entry);
    }
done:
    for (Py_ssize_t i = 0; i < listing->count; i++) drop_item(&listing->items[i]);
    PyMem_Free(keys.data);
    PyMem_Free(ordered);
    PyMem_Free(order);
    return entries;
}

/* Room for the items of `size` bytes of answers, at `bytes_each`: seldom grown, each time
 * moving all items read so far. */
static int make_room(Items *listing, Py_ssize_t size, Py_ssize_t bytes_each) {
    listing->items = grown(NULL, &listing->capacity, size / bytes_each + 16, sizeof(Item));
    return listing->items ? 0 : -1;
}

static PyObject *qbt_entries(PyObject *Py_UNUSED(module), PyObject *const *args,
                             Py_ssize_t nargs) {
    if (nargs != 2 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "qbt_entries(answer: bytes, prefix: str)");
        return NULL;
    }
    Py_buffer text;
    if (PyObject_GetBuffer(args[0], &text, PyBUF_SIMPLE) < 0) return NULL;
    Items listing = {NULL, 0, 0};
    Reading reading = {&listing, NULL, 0, 0, NULL};
    PyObject *entries = NULL;
    /* qBittorrent writes about 140 bytes an item */
    if (make_room(&listing, text.len, 128) == 0) {
        if (read_answer(&text, &reading, read_item, "an answer that is not a list") == 0)
            entries = ordered_entries(&listing, args[1]);
        else
            for (Py_ssize_t i = 0; i < listing.count; i++) drop_item(&listing.items[i]);
    }
    PyMem_Free(listing.items);
    PyBuffer_Release(&text);
    return entries;
}

static PyObject *qbt_path_entries(PyObject *Py_UNUSED(module), PyObject *const *args,
                                  Py_ssize_t nargs) {
    if (nargs != 4 || !PyUnicode_Check(args[2]) || !PyCallable_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError,
                        "qbt_path_entries(folders: bytes, files: bytes, prefix: str, place)");
        return NULL;
    }
    Items listing = {NULL, 0, 0};
    Reading reading = {&listing, NULL, 0, 1, args[3]};
    reading.prefix = PyUnicode_AsUTF8AndSize(args[2], &reading.prefix_size);
    if (reading.prefix == NULL) return NULL;
    Py_buffer folders, files;
    if (PyObject_GetBuffer(args[0], &folders, PyBUF_SIMPLE) < 0) return NULL;
    if (PyObject_GetBuffer(args[1], &files, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&folders);
        return NULL;
    }
    PyObject *entries = NULL;
    /* a path: the prefix, a name and '"",' at least */
    if (make_room(&listing, folders.len + files.len, reading.prefix_size + 8) == 0) {
        int read = read_answer(&folders, &reading, read_path, "not a list of paths") == 0;
        reading.type = 2;
        if (read && read_answer(&files, &reading, read_path, "not a list of paths") == 0)
            entries = ordered_entries(&listing, args[2]);
        else
            for (Py_ssize_t i = 0; i < listing.count; i++) drop_item(&listing.items[i]);
    }
    PyMem_Free(listing.items);
    PyBuffer_Release(&folders);
    PyBuffer_Release(&files);
    return entries;
}

static PyMethodDef methods[] = {
    {"natural_order", natural_order, METH_O,
     "natural_order(entries) -> the entries, folders first, each in natural order."},
    {"qbt_entries", (PyCFunction)(void (*)(void))qbt_entries, METH_FASTCALL,
     "qbt_entries(answer, prefix) -> the entries of qBittorrent's answer."},
    {"qbt_path_entries", (PyCFunction)(void (*)(void))qbt_path_entries, METH_FASTCALL,
     "qbt_path_entries(folders, files, prefix, place) -> the entries of qBittorrent's "
     "answers without metadata."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_listing",
    .m_doc = "A large folder's listing, entry by entry (see browser/entries.py).",
    .m_size = -1,
    .m_methods = methods,
};

static PyObject *intern(const char *text) { return PyUnicode_InternFromString(text); }

PyMODINIT_FUNC PyInit__listing(void) {
    if (!KEY_NAME) {
        KEY_NAME = intern("name");
        KEY_PATH = intern("path");
        KEY_TYPE = intern("type");
        KEY_SIZE = intern("size");
        KEY_MODIFIED = intern("modified");
        KEY_QBT_PATH = intern("qbtPath");
        TYPE_DIR = intern("dir");
        TYPE_FILE = intern("file");
        CASEFOLD = intern("casefold");
        if (!KEY_NAME || !KEY_PATH || !KEY_TYPE || !KEY_SIZE || !KEY_MODIFIED || !KEY_QBT_PATH ||
            !TYPE_DIR || !TYPE_FILE || !CASEFOLD)
            return NULL;
    }
    return PyModule_Create(&module);
}
