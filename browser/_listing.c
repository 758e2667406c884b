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
 * qbt_entries(items, prefix): qBittorrent's getDirectoryContent answer with metadata (parsed
 * JSON objects) as entries, dicts with the API's keys: name, path (prefix + name), type ("dir"
 * or "file"; items of other types are left out), size (a file's whole number of bytes, else
 * None), modified (whole seconds since 1970 as ISO 8601 text in UTC,
 * "2026-11-26T19:00:00+00:00"; None outside years 1 to 9999 or when not whole seconds),
 * qbtPath (None). An item that is no object, or has no text name, raises ValueError.
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

/* The entry's modified text, or None (a new reference). */
static PyObject *modified_text(PyObject *seconds) {
    if (seconds == NULL || !PyLong_CheckExact(seconds)) Py_RETURN_NONE;
    int overflow;
    long long value = PyLong_AsLongLongAndOverflow(seconds, &overflow);
    if (value == -1 && PyErr_Occurred()) return NULL;
    if (overflow) Py_RETURN_NONE;
    return utc_text(value);
}

static int set_entry(PyObject *entry, PyObject *name, PyObject *path, PyObject *type,
                     PyObject *size, PyObject *modified) {
    return PyDict_SetItem(entry, KEY_NAME, name) || PyDict_SetItem(entry, KEY_PATH, path) ||
           PyDict_SetItem(entry, KEY_TYPE, type) || PyDict_SetItem(entry, KEY_SIZE, size) ||
           PyDict_SetItem(entry, KEY_MODIFIED, modified) ||
           PyDict_SetItem(entry, KEY_QBT_PATH, Py_None);
}

static PyObject *qbt_entries(PyObject *Py_UNUSED(module), PyObject *const *args,
                             Py_ssize_t nargs) {
    if (nargs != 2 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "qbt_entries(items, prefix: str)");
        return NULL;
    }
    PyObject *prefix = args[1];
    PyObject *items = PySequence_Fast(args[0], "qbt_entries() takes a list of items");
    if (items == NULL) return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(items);
    PyObject *entries = PyList_New(0);
    if (entries == NULL) goto fail;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(items, i);
        if (!PyDict_Check(item)) {
            PyErr_SetString(PyExc_ValueError, "an entry that is not an object");
            goto fail;
        }
        PyObject *kind = PyDict_GetItemWithError(item, KEY_TYPE), *type;
        if (kind == NULL && PyErr_Occurred()) goto fail;
        /* qBittorrent gives no type for sockets and the like */
        if (kind == NULL || !PyUnicode_Check(kind)) continue;
        if (PyUnicode_CompareWithASCIIString(kind, "dir") == 0)
            type = TYPE_DIR;
        else if (PyUnicode_CompareWithASCIIString(kind, "file") == 0)
            type = TYPE_FILE;
        else
            continue;
        PyObject *name = PyDict_GetItemWithError(item, KEY_NAME);
        if (name == NULL || !PyUnicode_Check(name)) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "an entry without a name");
            goto fail;
        }
        PyObject *size = Py_None;
        if (type == TYPE_FILE) {
            size = PyDict_GetItemWithError(item, KEY_SIZE);
            if (size == NULL && PyErr_Occurred()) goto fail;
            if (size == NULL || !PyLong_CheckExact(size)) size = Py_None;
        }
        PyObject *seconds = PyDict_GetItemWithError(item, KEY_LAST_MODIFICATION);
        if (seconds == NULL && PyErr_Occurred()) goto fail;
        PyObject *modified = modified_text(seconds);
        PyObject *path = PyUnicode_Concat(prefix, name);
        /* sized for its six keys at once: growing each one took a third of the time */
        PyObject *entry = _PyDict_NewPresized(6);
        int failed = modified == NULL || path == NULL || entry == NULL ||
                     set_entry(entry, name, path, type, size, modified) ||
                     PyList_Append(entries, entry);
        Py_XDECREF(modified);
        Py_XDECREF(path);
        Py_XDECREF(entry);
        if (failed) goto fail;
    }
    Py_DECREF(items);
    return entries;
fail:
    Py_XDECREF(entries);
    Py_DECREF(items);
    return NULL;
}

static PyMethodDef methods[] = {
    {"natural_order", natural_order, METH_O,
     "natural_order(entries) -> the entries, folders first, each in natural order."},
    {"qbt_entries", (PyCFunction)(void (*)(void))qbt_entries, METH_FASTCALL,
     "qbt_entries(items, prefix) -> qBittorrent's items as entries."},
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
