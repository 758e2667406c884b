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
 * A name holding NUL raises ValueError (the key's end is marked with NUL).
 *
 * qbt_entries(answer, prefix): qBittorrent's getDirectoryContent answer with metadata, the
 * JSON text itself, as entries: dicts with the API's keys: name, path (prefix + name), type
 * ("dir" or "file"; items of other types are left out), size (a file's whole number of bytes,
 * else None), modified (whole seconds since 1970 as ISO 8601 text in UTC,
 * "2026-11-26T19:00:00+00:00"; None outside years 1 to 9999 or when not whole seconds),
 * qbtPath (None). Read straight from the text, rather than from what orjson makes of it:
 * making and then freeing qBittorrent's own dicts took longer than making the entries. It
 * reads what orjson reads, the same way (a key said twice means its last value; a number
 * outside 64 bits is no whole number), and raises ValueError where orjson would, and for an
 * item that is no object, or has no text name.
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

static Py_ssize_t write_length(int kind, void *data, Py_ssize_t at, Py_ssize_t n) {
    Py_ssize_t end = at + length_width(n), digits = n < 1000 ? 3 : digits_of(n);
    if (n >= 1000) {
        PyUnicode_WRITE(kind, data, at, ':');
        PyUnicode_WRITE(kind, data, at + 1, '0' + digits);
    }
    for (Py_ssize_t i = end - 1; i >= end - digits; i--, n /= 10)
        PyUnicode_WRITE(kind, data, i, '0' + n % 10);
    return end;
}

/* The length of `text`'s natural key (see natural_order). */
static Py_ssize_t natural_length(int kind, const void *data, Py_ssize_t size) {
    Py_ssize_t length = 0;
    for (Py_ssize_t i = 0; i < size;) {
        if (!is_decimal(PyUnicode_READ(kind, data, i))) {
            length++;
            i++;
            continue;
        }
        while (i < size && PyUnicode_READ(kind, data, i) == '0') i++;
        Py_ssize_t start = i;
        while (i < size && is_decimal(PyUnicode_READ(kind, data, i))) i++;
        Py_ssize_t digits = i > start ? i - start : 1;
        length += length_width(digits) + digits;
    }
    return length;
}

/* Writes `text`'s natural key at `at` in `out`; returns where it ends. `lower`: ASCII
 * letters as lower case (an ASCII name's case folding). */
static Py_ssize_t natural_write(int kind, const void *data, Py_ssize_t size, int out_kind,
                                void *out, Py_ssize_t at, int lower) {
    for (Py_ssize_t i = 0; i < size;) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (!is_decimal(ch)) {
            if (lower && ch >= 'A' && ch <= 'Z') ch += 'a' - 'A';
            PyUnicode_WRITE(out_kind, out, at++, ch);
            i++;
            continue;
        }
        while (i < size && PyUnicode_READ(kind, data, i) == '0') i++;
        Py_ssize_t start = i;
        while (i < size && is_decimal(PyUnicode_READ(kind, data, i))) i++;
        if (i == start) {
            at = write_length(out_kind, out, at, 1);
            PyUnicode_WRITE(out_kind, out, at++, '0');
            continue;
        }
        at = write_length(out_kind, out, at, i - start);
        for (Py_ssize_t j = start; j < i; j++)
            PyUnicode_WRITE(out_kind, out, at++, PyUnicode_READ(kind, data, j));
    }
    return at;
}

static PyObject *KEY_NAME, *KEY_PATH, *KEY_TYPE, *KEY_SIZE, *KEY_MODIFIED, *KEY_QBT_PATH,
    *KEY_LAST_MODIFICATION, *TYPE_DIR, *TYPE_FILE, *CASEFOLD;

/* One entry's sort key: "0" for a folder or "1", its case-folded name's natural key, NUL,
 * then its place in the listing in `width` digits, so that equal names keep their order and
 * the place can be read back. NULL with ValueError for a name holding NUL itself. */
static PyObject *order_key(PyObject *entry, Py_ssize_t place, int width) {
    PyObject *name = PyDict_GetItemWithError(entry, KEY_NAME);
    PyObject *type = PyDict_GetItemWithError(entry, KEY_TYPE);
    if (name == NULL || !PyUnicode_Check(name) || type == NULL) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "an entry without a name");
        return NULL;
    }
    int rank = PyUnicode_Check(type) && PyUnicode_CompareWithASCIIString(type, "dir") == 0;
    /* An ASCII name is folded while its key is written: str.casefold took a quarter of
     * the time. */
    int ascii = PyUnicode_IS_ASCII(name);
    PyObject *folded = ascii ? Py_NewRef(name) : PyObject_CallMethodNoArgs(name, CASEFOLD);
    if (folded == NULL) return NULL;
    Py_ssize_t size = PyUnicode_GET_LENGTH(folded);
    int kind = PyUnicode_KIND(folded);
    const void *data = PyUnicode_DATA(folded);
    if (PyUnicode_FindChar(folded, 0, 0, size, 1) != -1) {
        Py_DECREF(folded);
        PyErr_SetString(PyExc_ValueError, "a name holding NUL");
        return NULL;
    }
    Py_UCS4 max_char = PyUnicode_MAX_CHAR_VALUE(folded);
    PyObject *key = PyUnicode_New(1 + natural_length(kind, data, size) + 1 + width,
                                  max_char < 127 ? 127 : max_char);
    if (key == NULL) {
        Py_DECREF(folded);
        return NULL;
    }
    int key_kind = PyUnicode_KIND(key);
    void *key_data = PyUnicode_DATA(key);
    PyUnicode_WRITE(key_kind, key_data, 0, rank ? '0' : '1');
    Py_ssize_t at = natural_write(kind, data, size, key_kind, key_data, 1, ascii);
    Py_DECREF(folded);
    PyUnicode_WRITE(key_kind, key_data, at++, 0);
    for (Py_ssize_t i = at + width - 1; i >= at; i--, place /= 10)
        PyUnicode_WRITE(key_kind, key_data, i, '0' + place % 10);
    return key;
}

static PyObject *natural_order(PyObject *Py_UNUSED(module), PyObject *arg) {
    if (!PyList_CheckExact(arg)) {
        PyErr_SetString(PyExc_TypeError, "natural_order() takes a list of entries");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(arg);
    int width = 1;
    for (Py_ssize_t n = count; n >= 10; n /= 10) width++;
    PyObject *keys = PyList_New(count), *ordered = NULL;
    if (keys == NULL) return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *entry = PyList_GET_ITEM(arg, i);
        if (!PyDict_Check(entry)) {
            PyErr_SetString(PyExc_TypeError, "an entry that is not a dict");
            goto done;
        }
        PyObject *key = order_key(entry, i, width);
        if (key == NULL) goto done;
        PyList_SET_ITEM(keys, i, key);
    }
    /* list.sort: the same comparisons (and speed) as sorting the keys in Python */
    if (PyList_Sort(keys) < 0) goto done;
    ordered = PyList_New(count);
    if (ordered == NULL) goto done;
    for (Py_ssize_t j = 0; j < count; j++) {
        PyObject *key = PyList_GET_ITEM(keys, j);
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        Py_ssize_t place = 0, end = PyUnicode_GET_LENGTH(key);
        for (Py_ssize_t i = end - width; i < end; i++)
            place = place * 10 + (PyUnicode_READ(kind, data, i) - '0');
        PyList_SET_ITEM(ordered, j, Py_NewRef(PyList_GET_ITEM(arg, place)));
    }
done:
    Py_DECREF(keys);
    return ordered;
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

static int put_code_point(Reader *r, Py_ssize_t *used, unsigned cp) {
    char *out = r->scratch + *used;
    if (cp < 0x80) {
        out[0] = (char)cp;
        *used += 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        *used += 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        *used += 3;
    } else {
        out[0] = (char)(0xF0 | cp >> 18);
        out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        *used += 4;
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
            Py_ssize_t size_now = r->scratch_size ? r->scratch_size * 2 : 256;
            char *grown = PyMem_Realloc(r->scratch, size_now);
            if (grown == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            r->scratch = grown;
            r->scratch_size = size_now;
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
        put_code_point(r, &used, cp);
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
    PyObject *name;     /* a str, or NULL: none, or not text */
    int type;           /* 1 "dir", 2 "file", 0 anything else */
    PyObject *size;     /* an int, or NULL */
    int has_seconds;    /* last_modification_date is an integer in 64 bits */
    long long seconds;
} Item;

static int key_is(const char *key, Py_ssize_t size, const char *word) {
    return (size_t)size == strlen(word) && memcmp(key, word, size) == 0;
}

static int read_item_member(Reader *r, int depth, void *context) {
    Item *item = context;
    const char *key, *text;
    Py_ssize_t key_size, size;
    if (read_key(r, &key, &key_size) < 0) return -1;
    int name = key_is(key, key_size, "name"), type = key_is(key, key_size, "type"),
        size_key = key_is(key, key_size, "size"),
        seconds = key_is(key, key_size, "last_modification_date");
    if (!name && !type && !size_key && !seconds) return skip_value(r, depth);
    skip_space(r);
    if (r->at < r->end && *r->at == '"') {
        if (read_string(r, &text, &size) < 0) return -1;
        if (name) {
            Py_XSETREF(item->name, PyUnicode_DecodeUTF8(text, size, NULL));
            if (item->name == NULL) return -1;
        } else if (type)
            item->type = key_is(text, size, "dir") ? 1 : key_is(text, size, "file") ? 2 : 0;
        else if (size_key)
            Py_CLEAR(item->size);
        else
            item->has_seconds = 0;
        return 0;
    }
    if (r->at < r->end && (*r->at == '-' || (*r->at >= '0' && *r->at <= '9'))) {
        int whole, negative;
        unsigned long long magnitude;
        if (read_number(r, &whole, &magnitude, &negative) < 0) return -1;
        if (name)
            Py_CLEAR(item->name);
        else if (type)
            item->type = 0;
        else if (size_key) {
            Py_CLEAR(item->size);
            if (whole) {
                item->size = negative ? PyLong_FromLongLong((long long)(0 - magnitude))
                                      : PyLong_FromUnsignedLongLong(magnitude);
                if (item->size == NULL) return -1;
            }
        } else {
            item->has_seconds = whole && (negative || magnitude <= (unsigned long long)LLONG_MAX);
            item->seconds = negative ? (long long)(0 - magnitude) : (long long)magnitude;
        }
        return 0;
    }
    if (name)
        Py_CLEAR(item->name);
    else if (type)
        item->type = 0;
    else if (size_key)
        Py_CLEAR(item->size);
    else
        item->has_seconds = 0;
    return skip_value(r, depth);
}

typedef struct {
    PyObject *prefix, *entries;
} Listing;

static int read_item(Reader *r, int depth, void *context) {
    Listing *listing = context;
    skip_space(r);
    if (r->at >= r->end || *r->at != '{') {
        if (skip_value(r, depth) < 0) return -1;
        PyErr_SetString(PyExc_ValueError, "an entry that is not an object");
        return -1;
    }
    r->at++;
    Item item = {NULL, 0, NULL, 0, 0};
    PyObject *modified = NULL, *path = NULL, *entry = NULL;
    int failed = read_members(r, '}', depth + 1, read_item_member, &item) < 0;
    /* qBittorrent gives no type for sockets and the like */
    if (failed || item.type == 0) goto done;
    failed = 1;
    if (item.name == NULL) {
        PyErr_SetString(PyExc_ValueError, "an entry without a name");
        goto done;
    }
    modified = item.has_seconds ? utc_text(item.seconds) : Py_NewRef(Py_None);
    path = PyUnicode_Concat(listing->prefix, item.name);
    /* sized for its six keys at once: growing each one took a third of the time */
    entry = _PyDict_NewPresized(6);
    failed = modified == NULL || path == NULL || entry == NULL ||
             set_entry(entry, item.name, path, item.type == 1 ? TYPE_DIR : TYPE_FILE,
                       item.type == 2 && item.size ? item.size : Py_None, modified) ||
             PyList_Append(listing->entries, entry);
done:
    Py_XDECREF(item.name);
    Py_XDECREF(item.size);
    Py_XDECREF(modified);
    Py_XDECREF(path);
    Py_XDECREF(entry);
    return failed ? -1 : 0;
}

static PyObject *qbt_entries(PyObject *Py_UNUSED(module), PyObject *const *args,
                             Py_ssize_t nargs) {
    if (nargs != 2 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "qbt_entries(answer: bytes, prefix: str)");
        return NULL;
    }
    Py_buffer answer;
    if (PyObject_GetBuffer(args[0], &answer, PyBUF_SIMPLE) < 0) return NULL;
    Reader r = {answer.buf, answer.buf, (const unsigned char *)answer.buf + answer.len, NULL, 0};
    Listing listing = {args[1], PyList_New(0)};
    if (listing.entries == NULL) goto fail;
    Py_ssize_t invalid = invalid_utf8(r.start, answer.len);
    if (invalid >= 0) {
        r.at = r.start + invalid;
        not_json(&r, "a byte that is not UTF-8");
        goto fail;
    }
    skip_space(&r);
    if (r.at >= r.end || *r.at != '[') {
        if (skip_value(&r, 0) < 0) goto fail;
        PyErr_SetString(PyExc_ValueError, "an answer that is not a list");
        goto fail;
    }
    r.at++;
    if (read_members(&r, ']', 1, read_item, &listing) < 0) goto fail;
    skip_space(&r);
    if (r.at != r.end) {
        not_json(&r, "more after the list");
        goto fail;
    }
    PyMem_Free(r.scratch);
    PyBuffer_Release(&answer);
    return listing.entries;
fail:
    PyMem_Free(r.scratch);
    PyBuffer_Release(&answer);
    Py_XDECREF(listing.entries);
    return NULL;
}

static PyMethodDef methods[] = {
    {"natural_order", natural_order, METH_O,
     "natural_order(entries) -> the entries, folders first, each in natural order."},
    {"qbt_entries", (PyCFunction)(void (*)(void))qbt_entries, METH_FASTCALL,
     "qbt_entries(answer, prefix) -> the entries of qBittorrent's answer."},
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
        KEY_LAST_MODIFICATION = intern("last_modification_date");
        TYPE_DIR = intern("dir");
        TYPE_FILE = intern("file");
        CASEFOLD = intern("casefold");
        if (!KEY_NAME || !KEY_PATH || !KEY_TYPE || !KEY_SIZE || !KEY_MODIFIED || !KEY_QBT_PATH ||
            !KEY_LAST_MODIFICATION || !TYPE_DIR || !TYPE_FILE || !CASEFOLD)
            return NULL;
    }
    return PyModule_Create(&module);
}
