/* A large folder's listing, entry by entry, in one call for all of its entries: Python's work
 * per entry was most of what browsing a 10,000-entry folder cost besides qBittorrent's own
 * answer (bench/browse.py). browser/entries.py holds the same rules in Python, used where this
 * module is not built; the tests compare both on the same input.
 *
 * natural_keys(text): `text` with each run of decimal digits (what `\d` matches in a str
 * pattern: Unicode category Nd) written as its length then its digits, leading ASCII zeros left
 * out ("0" for a run of zeros only): "ep 07" -> "ep 0017". The length has three digits below
 * 1000, as many as it takes from there. Comparing such keys as plain strings then compares
 * numbers by value.
 *
 * qbt_entries(items, prefix): qBittorrent's getDirectoryContent answer with metadata (parsed
 * JSON objects) as entries, dicts with the API's keys: name, path (prefix + name), type ("dir" or "file"; items of other types are left
 * out), size (a file's whole number of bytes, else None), modified (whole seconds since 1970 as
 * ISO 8601 text in UTC, "2026-11-26T19:00:00+00:00"; None outside years 1 to 9999 or when not
 * whole seconds), qbtPath (None). An item that is no object, or has no text name, raises
 * ValueError.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ASCII first: nearly every character of a file name is, and the Unicode table is a call. */
static inline int is_decimal(Py_UCS4 ch) {
    return ch < 128 ? ch >= '0' && ch <= '9' : Py_UNICODE_ISDECIMAL(ch);
}

static Py_ssize_t length_width(Py_ssize_t n) {
    Py_ssize_t width = 0;
    if (n < 1000) return 3;
    for (; n > 0; n /= 10) width++;
    return width;
}

static Py_ssize_t write_length(int kind, void *data, Py_ssize_t at, Py_ssize_t n) {
    Py_ssize_t width = length_width(n);
    for (Py_ssize_t i = width - 1; i >= 0; i--, n /= 10)
        PyUnicode_WRITE(kind, data, at + i, '0' + n % 10);
    return at + width;
}

static PyObject *natural_keys(PyObject *Py_UNUSED(module), PyObject *arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "natural_keys() takes a str");
        return NULL;
    }
    Py_ssize_t size = PyUnicode_GET_LENGTH(arg);
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);

    /* First pass: the key's length. */
    Py_ssize_t out_size = 0;
    for (Py_ssize_t i = 0; i < size;) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (!is_decimal(ch)) {
            out_size++;
            i++;
            continue;
        }
        while (i < size && PyUnicode_READ(kind, data, i) == '0') i++;
        Py_ssize_t start = i;
        while (i < size && is_decimal(PyUnicode_READ(kind, data, i))) i++;
        Py_ssize_t digits = i > start ? i - start : 1;
        out_size += length_width(digits) + digits;
    }

    Py_UCS4 max_char = PyUnicode_MAX_CHAR_VALUE(arg);
    PyObject *out = PyUnicode_New(out_size, max_char < 127 ? 127 : max_char);
    if (out == NULL) return NULL;
    int out_kind = PyUnicode_KIND(out);
    void *out_data = PyUnicode_DATA(out);

    /* Second pass: the key itself. */
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < size;) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (!is_decimal(ch)) {
            PyUnicode_WRITE(out_kind, out_data, at++, ch);
            i++;
            continue;
        }
        while (i < size && PyUnicode_READ(kind, data, i) == '0') i++;
        Py_ssize_t start = i;
        while (i < size && is_decimal(PyUnicode_READ(kind, data, i))) i++;
        if (i == start) {
            at = write_length(out_kind, out_data, at, 1);
            PyUnicode_WRITE(out_kind, out_data, at++, '0');
            continue;
        }
        at = write_length(out_kind, out_data, at, i - start);
        for (Py_ssize_t j = start; j < i; j++)
            PyUnicode_WRITE(out_kind, out_data, at++, PyUnicode_READ(kind, data, j));
    }
    return out;
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
        for (int at = ends[f] - 1; fields[f] > 0; at--, fields[f] /= 10) out[at] = '0' + fields[f] % 10;
    return text;
}

static PyObject *KEY_NAME, *KEY_PATH, *KEY_TYPE, *KEY_SIZE, *KEY_MODIFIED, *KEY_QBT_PATH,
    *KEY_LAST_MODIFICATION, *TYPE_DIR, *TYPE_FILE;

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
    {"natural_keys", natural_keys, METH_O,
     "natural_keys(text) -> text with each run of digits as its length then its digits."},
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
        if (!KEY_NAME || !KEY_PATH || !KEY_TYPE || !KEY_SIZE || !KEY_MODIFIED || !KEY_QBT_PATH ||
            !KEY_LAST_MODIFICATION || !TYPE_DIR || !TYPE_FILE)
            return NULL;
    }
    return PyModule_Create(&module);
}
