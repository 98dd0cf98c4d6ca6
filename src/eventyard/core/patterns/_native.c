/* The hot path of the compiled rule matcher, in C: the event walk and the resolution of
 * the postings it hits. The pure-Python versions in compiled.py define the semantics;
 * this file restates them step for step, and the property tests hold both to the
 * reference evaluator.
 *
 * The index structures stay Python objects, maintained by Python code (_index.py,
 * compiled.py). This module only provides base types for them whose fields are plain C
 * struct members, so that the walk reads them without attribute lookups:
 *
 *   Node       children, exact, eic, pre, suf, ipre, isuf, loose, strings, others, on_value
 *   Affixes    by_text, lengths
 *   Posting    cond, confirm, direct, groups
 *   Group      direct, checked
 *   Condition  truth
 *
 * What is rare or intricate stays in Python and is called back: numbers, true, false and
 * null at an indexed path (``Node.on_value``: numeric ranges and the like), keys with a
 * dot or of another type than str, values of subclasses of the JSON types (``_take``),
 * and evaluating a condition on the values of its path (``evaluate``).
 *
 * Safety: recursion goes through Py_EnterRecursiveCall (deeply nested arrays raise
 * RecursionError, as the Python walk does); every object looked at while Python code may
 * run is held by a strong reference; lists are re-measured on each step.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

/* Set once by configure(): Python helpers and the three atoms (true, false, null). */
static PyObject *py_take;     /* _take(node, item, hits): any value of an odd type */
static PyObject *py_descend;  /* _descend(node, key): the node of a dotted or odd key */
static PyObject *atom_true, *atom_false, *atom_null;

/* ------------------------------------------------------------------------------------ */
/* Base types                                                                            */
/* ------------------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    PyObject *by_text;  /* dict: text -> list of postings */
    PyObject *lengths;  /* list of int, ascending */
} AffixesObject;

typedef struct {
    PyObject_HEAD
    PyObject *children;  /* dict: key part -> Node */
    PyObject *exact;     /* dict: raw value -> list of postings, or None */
    PyObject *eic;       /* dict: casefolded text -> list of postings, or None */
    PyObject *pre, *suf, *ipre, *isuf;  /* Affixes or None */
    PyObject *loose;     /* list of postings or None */
    PyObject *on_value;  /* callable(raw, hits): everything a non-string leaf can hit */
    char strings;        /* anything to probe for a string beyond ``exact`` */
    char others;         /* anything to probe for a number, true, false or null */
} NodeObject;

typedef struct {
    PyObject_HEAD
    PyObject *cond;    /* Condition */
    PyObject *direct;  /* set of rule ids */
    PyObject *groups;  /* dict: Condition -> Group */
    char confirm;      /* a hit is only a candidate: the condition must be evaluated */
} PostingObject;

typedef struct {
    PyObject_HEAD
    PyObject *direct;   /* set of rule ids */
    PyObject *checked;  /* dict: branch key -> (rule id, tuple of Conditions) */
} GroupObject;

typedef struct {
    PyObject_HEAD
    PyObject *truth;     /* the posting whose hit means the condition holds, or None */
    PyObject *steps;     /* PathSpec.steps of its path, or None when no event reaches it */
    PyObject *exact;     /* frozenset of raw values */
    PyObject *folded;    /* frozenset of casefolded text (equals-ignore-case) */
    PyObject *prefixes, *suffixes, *iprefixes, *isuffixes;  /* tuples of str */
    PyObject *ranges;    /* tuple of (lo, hi), inclusive */
    PyObject *tests;     /* tuple of callables: the other matchers, on one raw value */
    PyObject *test_specs;  /* the same tests as data this module reads (or None each) */
    char negative;       /* exists: false: holds when the path has no value */
    char any_leaf;       /* exists: true */
    char folds;          /* anything compared casefolded */
} ConditionObject;

#define FIELD(type, name) {#name, T_OBJECT_EX, offsetof(type, name), 0, NULL}
#define FLAG(type, name) {#name, T_BOOL, offsetof(type, name), 0, NULL}

static PyMemberDef affixes_members[] = {
    FIELD(AffixesObject, by_text), FIELD(AffixesObject, lengths), {NULL}};
static PyMemberDef node_members[] = {
    FIELD(NodeObject, children), FIELD(NodeObject, exact), FIELD(NodeObject, eic),
    FIELD(NodeObject, pre), FIELD(NodeObject, suf), FIELD(NodeObject, ipre),
    FIELD(NodeObject, isuf), FIELD(NodeObject, loose), FIELD(NodeObject, on_value),
    FLAG(NodeObject, strings), FLAG(NodeObject, others), {NULL}};
static PyMemberDef posting_members[] = {
    FIELD(PostingObject, cond), FIELD(PostingObject, direct), FIELD(PostingObject, groups),
    FLAG(PostingObject, confirm), {NULL}};
static PyMemberDef group_members[] = {
    FIELD(GroupObject, direct), FIELD(GroupObject, checked), {NULL}};
static PyMemberDef condition_members[] = {
    FIELD(ConditionObject, truth), FIELD(ConditionObject, steps), FIELD(ConditionObject, exact),
    FIELD(ConditionObject, folded), FIELD(ConditionObject, prefixes),
    FIELD(ConditionObject, suffixes), FIELD(ConditionObject, iprefixes),
    FIELD(ConditionObject, isuffixes), FIELD(ConditionObject, ranges),
    FIELD(ConditionObject, tests), FIELD(ConditionObject, test_specs),
    FLAG(ConditionObject, negative), FLAG(ConditionObject, any_leaf),
    FLAG(ConditionObject, folds), {NULL}};

/* traverse / clear / dealloc for types whose fields are all object pointers after the
 * head (flags come last and are skipped by counting pointers only). */
#define OBJECT_FIELDS(type, first, count) \
    static int type##_traverse(PyObject *self, visitproc visit, void *arg) { \
        PyObject **f = &((type *)self)->first; \
        for (int i = 0; i < (count); i++) Py_VISIT(f[i]); \
        return 0; \
    } \
    static int type##_clear(PyObject *self) { \
        PyObject **f = &((type *)self)->first; \
        for (int i = 0; i < (count); i++) Py_CLEAR(f[i]); \
        return 0; \
    } \
    static void type##_dealloc(PyObject *self) { \
        PyObject_GC_UnTrack(self); \
        type##_clear(self); \
        Py_TYPE(self)->tp_free(self); \
    }

OBJECT_FIELDS(AffixesObject, by_text, 2)
OBJECT_FIELDS(NodeObject, children, 9)
OBJECT_FIELDS(PostingObject, cond, 3)
OBJECT_FIELDS(GroupObject, direct, 2)
OBJECT_FIELDS(ConditionObject, truth, 11)

#define BASE_TYPE(var, name, type, members) \
    static PyTypeObject var = { \
        PyVarObject_HEAD_INIT(NULL, 0) \
        .tp_name = "eventyard.core.patterns._native." name, \
        .tp_basicsize = sizeof(type), \
        .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC, \
        .tp_doc = "Fields of the index that the native matcher reads directly.", \
        .tp_traverse = type##_traverse, \
        .tp_clear = type##_clear, \
        .tp_dealloc = type##_dealloc, \
        .tp_members = members, \
        .tp_new = PyType_GenericNew, \
    };

BASE_TYPE(AffixesType, "AffixesBase", AffixesObject, affixes_members)
BASE_TYPE(NodeType, "NodeBase", NodeObject, node_members)
BASE_TYPE(PostingType, "PostingBase", PostingObject, posting_members)
BASE_TYPE(GroupType, "GroupBase", GroupObject, group_members)
BASE_TYPE(ConditionType, "ConditionBase", ConditionObject, condition_members)

/* A field as Python sees it: an unset member is an AttributeError there; here it reads
 * as None, which every caller treats as "nothing there". */
static inline int present(PyObject *field) { return field != NULL && field != Py_None; }

/* ------------------------------------------------------------------------------------ */
/* The walk: compiled._walk, _walk_array, _take and Node.probe                          */
/* ------------------------------------------------------------------------------------ */

static int walk_object(NodeObject *node, PyObject *obj, PyObject *hits);
static int walk_array(NodeObject *node, PyObject *list, PyObject *hits);

/* hits |= postings (a list) */
static int add_all(PyObject *hits, PyObject *postings) {
    if (!PyList_Check(postings)) {
        PyErr_SetString(PyExc_TypeError, "index entries must be lists of postings");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(postings); i++) {
        if (PySet_Add(hits, PyList_GET_ITEM(postings, i)) < 0) return -1;
    }
    return 0;
}

/* hits |= table.get(key, []) */
static int lookup(PyObject *table, PyObject *key, PyObject *hits) {
    if (!PyDict_Check(table)) {
        PyErr_SetString(PyExc_TypeError, "index tables must be dicts");
        return -1;
    }
    PyObject *found = PyDict_GetItemWithError(table, key);  /* borrowed */
    if (found == NULL) return PyErr_Occurred() ? -1 : 0;
    return add_all(hits, found);
}

/* Each indexed prefix (or suffix) length of ``text``, looked up by text. */
static int probe_affixes(PyObject *affixes, PyObject *text, int suffix, PyObject *hits) {
    if (!PyObject_TypeCheck(affixes, &AffixesType)) {
        PyErr_SetString(PyExc_TypeError, "affix index of an unexpected type");
        return -1;
    }
    AffixesObject *a = (AffixesObject *)affixes;
    if (!present(a->lengths) || !PyList_Check(a->lengths) || !present(a->by_text)) {
        PyErr_SetString(PyExc_TypeError, "affix index without its tables");
        return -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(a->lengths); i++) {
        Py_ssize_t size = PyLong_AsSsize_t(PyList_GET_ITEM(a->lengths, i));
        if (size < 0) return PyErr_Occurred() ? -1 : 0;
        if (size > n) break;  /* ascending: no longer piece fits */
        PyObject *piece = suffix ? PyUnicode_Substring(text, n - size, n)
                                 : PyUnicode_Substring(text, 0, size);
        if (piece == NULL) return -1;
        int rc = lookup(a->by_text, piece, hits);
        Py_DECREF(piece);
        if (rc < 0) return -1;
    }
    return 0;
}

/* A str leaf at ``node``: Node.probe for one string. */
static int probe_string(NodeObject *node, PyObject *text, PyObject *hits) {
    if (present(node->exact) && lookup(node->exact, text, hits) < 0) return -1;
    if (!node->strings) return 0;
    if (present(node->loose) && add_all(hits, node->loose) < 0) return -1;
    if (present(node->pre) && probe_affixes(node->pre, text, 0, hits) < 0) return -1;
    if (present(node->suf) && probe_affixes(node->suf, text, 1, hits) < 0) return -1;
    if (present(node->eic) || present(node->ipre) || present(node->isuf)) {
        PyObject *folded = PyObject_CallMethod(text, "casefold", NULL);
        if (folded == NULL) return -1;
        int rc = 0;
        if (present(node->eic)) rc = lookup(node->eic, folded, hits);
        if (rc == 0 && present(node->ipre)) rc = probe_affixes(node->ipre, folded, 0, hits);
        if (rc == 0 && present(node->isuf)) rc = probe_affixes(node->isuf, folded, 1, hits);
        Py_DECREF(folded);
        if (rc < 0) return -1;
    }
    return 0;
}

/* A number, true, false or null at ``node``: Node.on_value with its raw value. */
static int probe_other(NodeObject *node, PyObject *item, PyObject *hits) {
    if (!node->others) return 0;
    if (!present(node->on_value)) {
        PyErr_SetString(PyExc_TypeError, "index node without on_value");
        return -1;
    }
    PyObject *raw;
    if (item == Py_True) raw = Py_NewRef(atom_true);
    else if (item == Py_False) raw = Py_NewRef(atom_false);
    else if (item == Py_None) raw = Py_NewRef(atom_null);
    else if (PyFloat_CheckExact(item)) raw = Py_NewRef(item);
    else raw = PyNumber_Float(item);  /* exact int: as float(), overflow included */
    if (raw == NULL) return -1;
    PyObject *out = PyObject_CallFunctionObjArgs(node->on_value, raw, hits, NULL);
    Py_DECREF(raw);
    if (out == NULL) return -1;
    Py_DECREF(out);
    return 0;
}

static int call_take(NodeObject *node, PyObject *item, PyObject *hits) {
    PyObject *out = PyObject_CallFunctionObjArgs(py_take, (PyObject *)node, item, hits, NULL);
    if (out == NULL) return -1;
    Py_DECREF(out);
    return 0;
}

/* Any value found at ``node`` (compiled._walk's dispatch, _walk_array's and _take's). */
static int visit(NodeObject *node, PyObject *item, PyObject *hits) {
    if (PyUnicode_CheckExact(item)) return probe_string(node, item, hits);
    if (PyDict_CheckExact(item)) {
        if (present(node->children) && PyDict_GET_SIZE(node->children))
            return walk_object(node, item, hits);
        return 0;
    }
    if (PyList_CheckExact(item)) return walk_array(node, item, hits);
    if (item == Py_None || item == Py_True || item == Py_False || PyFloat_CheckExact(item) ||
        PyLong_CheckExact(item))
        return probe_other(node, item, hits);
    return call_take(node, item, hits);  /* subclasses and non-JSON values */
}

static int walk_object(NodeObject *node, PyObject *obj, PyObject *hits) {
    PyObject *children = node->children;
    if (!PyDict_Check(children)) {
        PyErr_SetString(PyExc_TypeError, "index node children must be a dict");
        return -1;
    }
    if (Py_EnterRecursiveCall(" while matching an event")) return -1;
    Py_ssize_t pos = 0;
    PyObject *key, *item;
    int rc = 0;
    while (rc == 0 && PyDict_Next(obj, &pos, &key, &item)) {
        Py_INCREF(key);
        Py_INCREF(item);
        PyObject *child = PyDict_GetItemWithError(children, key);
        if (child != NULL) {
            Py_INCREF(child);
        } else if (PyErr_Occurred()) {
            rc = -1;
        } else if (!PyUnicode_CheckExact(key) ||
                   PyUnicode_FindChar(key, '.', 0, PyUnicode_GET_LENGTH(key), 1) != -1) {
            /* "a.b" is the same as {"a": {"b": ...}}; other key types go as str(key) */
            child = PyObject_CallFunctionObjArgs(py_descend, (PyObject *)node, key, NULL);
            if (child == NULL) {
                rc = -1;
            } else if (child == Py_None) {
                Py_CLEAR(child);
            } else if (!PyObject_TypeCheck(child, &NodeType)) {
                PyErr_SetString(PyExc_TypeError, "_descend returned no index node");
                Py_CLEAR(child);
                rc = -1;
            }
        }
        if (child != NULL) {
            rc = visit((NodeObject *)child, item, hits);
            Py_DECREF(child);
        }
        Py_DECREF(key);
        Py_DECREF(item);
    }
    Py_LeaveRecursiveCall();
    return rc;
}

/* Arrays, arrays of objects included, are crushed into their parent path. */
static int walk_array(NodeObject *node, PyObject *list, PyObject *hits) {
    if (Py_EnterRecursiveCall(" while matching an event")) return -1;
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(list); i++) {
        PyObject *item = Py_NewRef(PyList_GET_ITEM(list, i));
        rc = visit(node, item, hits);
        Py_DECREF(item);
    }
    Py_LeaveRecursiveCall();
    return rc;
}

static PyObject *walk(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyObject_TypeCheck(args[0], &NodeType) || !PySet_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "walk(root: Node, event, hits: set)");
        return NULL;
    }
    if (py_take == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_native.configure() was not called");
        return NULL;
    }
    NodeObject *root = (NodeObject *)args[0];
    PyObject *event = args[1];
    int rc;
    if (PyDict_CheckExact(event)) {
        rc = walk_object(root, event, args[2]);
    } else if (present(root->children) && PyDict_GET_SIZE(root->children)) {
        rc = call_take(root, event, args[2]);  /* a top-level array or odd value */
    } else {
        rc = 0;
    }
    if (rc < 0) return NULL;
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------------------ */
/* Evaluation: PathSpec.fetch and Condition.holds, for a parsed event                    */
/* ------------------------------------------------------------------------------------ */

#define FALLBACK (-2)  /* a value this module does not read: let Python evaluate */

/* PathSpec.gather: the raw values under ``value``, found at part ``i`` of the path. */
static int gather(PyObject *steps, PyObject *value, Py_ssize_t i, PyObject *out) {
    Py_ssize_t nsteps = PyTuple_GET_SIZE(steps);
    int rc = 0;
    if (PyDict_CheckExact(value)) {
        if (i >= nsteps) return 0;  /* an object at the end of the path is not a value */
        PyObject *step = PyTuple_GET_ITEM(steps, i);  /* ((key, next part index), ...) */
        if (Py_EnterRecursiveCall(" while matching an event")) return -1;
        for (Py_ssize_t k = 0; rc == 0 && k < PyTuple_GET_SIZE(step); k++) {
            PyObject *pair = PyTuple_GET_ITEM(step, k);
            PyObject *item = PyDict_GetItemWithError(value, PyTuple_GET_ITEM(pair, 0));
            if (item == NULL) {
                if (PyErr_Occurred()) rc = -1;
                continue;
            }
            Py_ssize_t j = PyLong_AsSsize_t(PyTuple_GET_ITEM(pair, 1));
            if (j < 0) { rc = -1; break; }
            Py_INCREF(item);
            rc = gather(steps, item, j, out);
            Py_DECREF(item);
        }
        Py_LeaveRecursiveCall();
        return rc;
    }
    if (PyList_CheckExact(value)) {
        if (Py_EnterRecursiveCall(" while matching an event")) return -1;
        for (Py_ssize_t k = 0; rc == 0 && k < PyList_GET_SIZE(value); k++) {
            PyObject *item = Py_NewRef(PyList_GET_ITEM(value, k));
            rc = gather(steps, item, i, out);
            Py_DECREF(item);
        }
        Py_LeaveRecursiveCall();
        return rc;
    }
    if (PyDict_Check(value) || PyList_Check(value)) return FALLBACK;  /* subclasses */
    if (i != nsteps) return 0;  /* a scalar before the end of the path */
    PyObject *raw;
    if (PyUnicode_CheckExact(value) || PyFloat_CheckExact(value)) raw = Py_NewRef(value);
    else if (value == Py_True) raw = Py_NewRef(atom_true);
    else if (value == Py_False) raw = Py_NewRef(atom_false);
    else if (value == Py_None) raw = Py_NewRef(atom_null);
    else if (PyLong_CheckExact(value)) raw = PyNumber_Float(value);
    else return FALLBACK;
    if (raw == NULL) return -1;
    rc = PyList_Append(out, raw);
    Py_DECREF(raw);
    return rc;
}

static int starts_or_ends(PyObject *text, PyObject *affixes, int direction) {
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(affixes); k++) {
        Py_ssize_t found = PyUnicode_Tailmatch(text, PyTuple_GET_ITEM(affixes, k), 0,
                                               PY_SSIZE_T_MAX, direction);
        if (found != 0) return found < 0 ? -1 : 1;
    }
    return 0;
}

/* _index_conditions._glob: ``*``-separated literal pieces, matched in full. */
static int glob(PyObject *text, PyObject *pieces) {
    Py_ssize_t n = PyTuple_GET_SIZE(pieces);
    if (!PyUnicode_CheckExact(text)) return 0;
    if (n == 1) return PyUnicode_Compare(text, PyTuple_GET_ITEM(pieces, 0)) == 0 ? 1
                       : (PyErr_Occurred() ? -1 : 0);
    PyObject *head = PyTuple_GET_ITEM(pieces, 0), *tail = PyTuple_GET_ITEM(pieces, n - 1);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    Py_ssize_t start = PyUnicode_GET_LENGTH(head), end = size - PyUnicode_GET_LENGTH(tail);
    if (end < start) return 0;
    if (PyUnicode_Tailmatch(text, head, 0, PY_SSIZE_T_MAX, -1) != 1) return PyErr_Occurred() ? -1 : 0;
    if (PyUnicode_Tailmatch(text, tail, 0, PY_SSIZE_T_MAX, 1) != 1) return PyErr_Occurred() ? -1 : 0;
    for (Py_ssize_t k = 1; k < n - 1; k++) {  /* leftmost is always safe */
        PyObject *piece = PyTuple_GET_ITEM(pieces, k);
        Py_ssize_t found = PyUnicode_Find(text, piece, start, end, 1);
        if (found < 0) return found == -2 ? -1 : 0;
        start = found + PyUnicode_GET_LENGTH(piece);
    }
    return 1;
}

/* _index_conditions._ipv4: strict dotted-quad IPv4 text (ASCII digits, no leading zeros,
 * octets up to 255) as a number, or -1. */
static long long ipv4(PyObject *text) {
    if (!PyUnicode_CheckExact(text) || !PyUnicode_IS_ASCII(text)) return -1;
    const char *c = (const char *)PyUnicode_DATA(text);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text), at = 0;
    long long number = 0;
    for (int octet = 0; octet < 4; octet++) {
        if (octet && (at >= size || c[at++] != '.')) return -1;
        Py_ssize_t first = at;
        int value = 0;
        while (at < size && at - first < 3 && c[at] >= '0' && c[at] <= '9') value = value * 10 + (c[at++] - '0');
        Py_ssize_t digits = at - first;
        if (digits == 0 || (digits > 1 && c[first] == '0') || value > 255) return -1;
        number = number << 8 | value;
    }
    return at == size ? number : -1;
}

static PyObject *casefold(PyObject *text) { return PyObject_CallMethod(text, "casefold", NULL); }

/* One of the rarer matchers on one raw value, from its spec (kind, argument):
 * 1, 0, -1 on error, FALLBACK for a kind this module does not know. */
static int value_test(PyObject *spec, PyObject *v) {
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 2) return FALLBACK;
    const char *kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(spec, 0));
    PyObject *arg = PyTuple_GET_ITEM(spec, 1);
    if (kind == NULL) return -1;
    int is_str = PyUnicode_CheckExact(v);
    if (strcmp(kind, "glob") == 0) return glob(v, arg);
    if (strcmp(kind, "ipv4") == 0) {  /* (network address, size) */
        long long number = ipv4(v);
        if (number < 0) return 0;
        long long base = PyLong_AsLongLong(PyTuple_GET_ITEM(arg, 0));
        long long size = PyLong_AsLongLong(PyTuple_GET_ITEM(arg, 1));
        if (PyErr_Occurred()) return -1;
        return number - base >= 0 && number - base < size;
    }
    if (strcmp(kind, "not_in") == 0) {
        int found = PySet_Contains(arg, v);
        return found < 0 ? -1 : !found;
    }
    if (!is_str) {
        if (strcmp(kind, "not_prefix") == 0 || strcmp(kind, "not_suffix") == 0 ||
            strcmp(kind, "not_folded") == 0 || strcmp(kind, "not_glob") == 0)
            return 1;  /* anything-but of text holds for every other kind of value */
        return FALLBACK;
    }
    if (strcmp(kind, "not_prefix") == 0 || strcmp(kind, "not_suffix") == 0) {
        int found = starts_or_ends(v, arg, kind[4] == 'p' ? -1 : 1);
        return found < 0 ? -1 : !found;
    }
    if (strcmp(kind, "not_folded") == 0) {
        PyObject *folded = casefold(v);
        if (folded == NULL) return -1;
        int found = PySet_Contains(arg, folded);
        Py_DECREF(folded);
        return found < 0 ? -1 : !found;
    }
    if (strcmp(kind, "not_glob") == 0) {
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(arg); k++) {
            int found = glob(v, PyTuple_GET_ITEM(arg, k));
            if (found) return found < 0 ? -1 : 0;
        }
        return 1;
    }
    return FALLBACK;
}

/* Condition._holds on one raw value: 1, 0 or -1. */
static int holds_for(ConditionObject *c, PyObject *v) {
    int found = PySet_Contains(c->exact, v);
    if (found) return found;
    if (PyUnicode_CheckExact(v)) {
        if ((found = starts_or_ends(v, c->prefixes, -1))) return found;
        if ((found = starts_or_ends(v, c->suffixes, 1))) return found;
        if (c->folds) {
            PyObject *f = casefold(v);
            if (f == NULL) return -1;
            found = PySet_Contains(c->folded, f);
            if (!found) found = starts_or_ends(f, c->iprefixes, -1);
            if (!found) found = starts_or_ends(f, c->isuffixes, 1);
            Py_DECREF(f);
            if (found) return found;
        }
    } else if (PyFloat_CheckExact(v)) {
        double x = PyFloat_AS_DOUBLE(v);
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(c->ranges); k++) {
            PyObject *range = PyTuple_GET_ITEM(c->ranges, k);
            double lo = PyFloat_AsDouble(PyTuple_GET_ITEM(range, 0));
            double hi = PyFloat_AsDouble(PyTuple_GET_ITEM(range, 1));
            if (PyErr_Occurred()) return -1;
            if (lo <= x && x <= hi) return 1;
        }
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(c->tests); k++) {
        found = value_test(PyTuple_GET_ITEM(c->test_specs, k), v);
        if (found == FALLBACK) {
            PyObject *out = PyObject_CallOneArg(PyTuple_GET_ITEM(c->tests, k), v);
            if (out == NULL) return -1;
            found = PyObject_IsTrue(out);
            Py_DECREF(out);
        }
        if (found) return found;
    }
    return 0;
}

static int well_formed(ConditionObject *c) {
    return PyAnySet_Check(c->exact) && PyAnySet_Check(c->folded) && PyTuple_Check(c->prefixes) &&
           PyTuple_Check(c->suffixes) && PyTuple_Check(c->iprefixes) &&
           PyTuple_Check(c->isuffixes) && PyTuple_Check(c->ranges) && PyTuple_Check(c->tests) &&
           PyTuple_Check(c->test_specs) &&
           PyTuple_GET_SIZE(c->tests) == PyTuple_GET_SIZE(c->test_specs) &&
           (c->steps == Py_None || PyTuple_Check(c->steps));
}

/* Condition.holds(PathSpec.fetch(event)): 1, 0, -1 on error, FALLBACK. */
static int evaluate_native(PyObject *cond, PyObject *event) {
    ConditionObject *c = (ConditionObject *)cond;
    if (!well_formed(c)) {
        PyErr_SetString(PyExc_TypeError, "condition without its compiled fields");
        return -1;
    }
    if (c->steps == Py_None) return c->negative;  /* no event has a value there */
    PyObject *values = PyList_New(0);
    if (values == NULL) return -1;
    int rc = gather(c->steps, event, 0, values);
    if (rc == 0) {
        if (PyList_GET_SIZE(values) == 0) rc = c->negative;
        else if (c->any_leaf) rc = 1;
        else
            for (Py_ssize_t k = 0; rc == 0 && k < PyList_GET_SIZE(values); k++)
                rc = holds_for(c, PyList_GET_ITEM(values, k));
    }
    Py_DECREF(values);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Resolution: RuleMatcher._resolve, for the postings the walk hit                      */
/* ------------------------------------------------------------------------------------ */

typedef struct {
    PyObject *hits;      /* set of postings */
    PyObject *memo;      /* dict: Condition -> bool */
    PyObject *evaluate;  /* evaluate(cond, subject) -> bool */
    PyObject *subject;   /* the event, as evaluate wants it */
    int native;          /* subject is a parsed event this module can evaluate on */
} Resolution;

/* Does ``cond`` hold? 1, 0, or -1 on error; each condition is evaluated once. */
static int holds(Resolution *r, PyObject *cond) {
    PyObject *known = PyDict_GetItemWithError(r->memo, cond);
    if (known != NULL) return known == Py_True;
    if (PyErr_Occurred()) return -1;
    if (!PyObject_TypeCheck(cond, &ConditionType)) {
        PyErr_SetString(PyExc_TypeError, "a branch condition is not a Condition");
        return -1;
    }
    int ok = r->native ? evaluate_native(cond, r->subject) : FALLBACK;
    if (ok == FALLBACK) {
        PyObject *out = PyObject_CallFunctionObjArgs(r->evaluate, cond, r->subject, NULL);
        if (out == NULL) return -1;
        ok = PyObject_IsTrue(out);
        Py_DECREF(out);
    }
    if (ok < 0) return -1;
    if (PyDict_SetItem(r->memo, cond, ok ? Py_True : Py_False) < 0) return -1;
    return ok;
}

/* Does ``cond`` hold? Through its posting's hit when that says it all. */
static int holds_or_hit(Resolution *r, PyObject *cond) {
    if (!PyObject_TypeCheck(cond, &ConditionType)) {
        PyErr_SetString(PyExc_TypeError, "a branch condition is not a Condition");
        return -1;
    }
    PyObject *truth = ((ConditionObject *)cond)->truth;
    if (present(truth)) return PySet_Contains(r->hits, truth);
    return holds(r, cond);
}

static int add_set(PyObject *result, PyObject *ids) {
    /* rule ids are hashable by construction; PySet_Add is faster than set.update here
     * because the sets are small */
    PyObject *it = PyObject_GetIter(ids);
    if (it == NULL) return -1;
    PyObject *id;
    while ((id = PyIter_Next(it)) != NULL) {
        int rc = PySet_Add(result, id);
        Py_DECREF(id);
        if (rc < 0) { Py_DECREF(it); return -1; }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

static int nonempty(PyObject *set) { return present(set) && PySet_GET_SIZE(set) > 0; }

/* The branches on one hit posting. Returns -1 on error. */
static int resolve_posting(Resolution *r, PostingObject *p, PyObject *result) {
    int confirm = p->confirm;
    int ok;
    if (!present(p->cond) || !PySet_Check(p->direct) || !PyDict_Check(p->groups)) {
        PyErr_SetString(PyExc_TypeError, "posting without its fields");
        return -1;
    }
    if (PySet_GET_SIZE(p->direct)) {
        if (confirm) {
            /* a posting reached through a prefilter is checked itself only once some
             * branch on it has passed everything else: that check is the dear one */
            if ((ok = holds(r, p->cond)) <= 0) return ok;
            confirm = 0;
        }
        if (add_set(result, p->direct) < 0) return -1;
    }
    Py_ssize_t pos = 0;
    PyObject *first, *group_obj;
    while (PyDict_Next(p->groups, &pos, &first, &group_obj)) {
        if (!PyObject_TypeCheck(group_obj, &GroupType)) {
            PyErr_SetString(PyExc_TypeError, "posting group of an unexpected type");
            return -1;
        }
        GroupObject *group = (GroupObject *)group_obj;
        if ((ok = holds_or_hit(r, first)) <= 0) {
            if (ok < 0) return -1;
            continue;
        }
        if (nonempty(group->direct)) {
            if (confirm) {
                if ((ok = holds(r, p->cond)) <= 0) return ok;
                confirm = 0;
            }
            if (add_set(result, group->direct) < 0) return -1;
        }
        if (!present(group->checked)) continue;
        if (!PyDict_Check(group->checked)) {
            PyErr_SetString(PyExc_TypeError, "group.checked must be a dict");
            return -1;
        }
        Py_ssize_t at = 0;
        PyObject *branch_key, *entry;
        while (PyDict_Next(group->checked, &at, &branch_key, &entry)) {
            if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 2 ||
                !PyTuple_Check(PyTuple_GET_ITEM(entry, 1))) {
                PyErr_SetString(PyExc_TypeError, "group entries are (rule id, conditions)");
                return -1;
            }
            PyObject *rule_id = PyTuple_GET_ITEM(entry, 0);
            PyObject *conds = PyTuple_GET_ITEM(entry, 1);
            int found = PySet_Contains(result, rule_id);
            if (found) {
                if (found < 0) return -1;
                continue;
            }
            int all = 1;
            for (Py_ssize_t i = 0; all && i < PyTuple_GET_SIZE(conds); i++) {
                if ((ok = holds_or_hit(r, PyTuple_GET_ITEM(conds, i))) < 0) return -1;
                all = ok;
            }
            if (!all) continue;
            if (confirm) {
                if ((ok = holds(r, p->cond)) <= 0) return ok;  /* the anchor failed */
                confirm = 0;
            }
            if (PySet_Add(result, rule_id) < 0) return -1;
        }
    }
    return 0;
}

static PyObject *resolve(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5 || !PySet_Check(args[0]) || !PyDict_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "resolve(hits: set, memo: dict, evaluate, subject, native: bool)");
        return NULL;
    }
    int native = PyObject_IsTrue(args[4]);
    if (native < 0) return NULL;
    Resolution r = {args[0], args[1], args[2], args[3], native};
    PyObject *result = PySet_New(NULL);
    if (result == NULL) return NULL;
    PyObject *it = PyObject_GetIter(r.hits);
    if (it == NULL) { Py_DECREF(result); return NULL; }
    PyObject *posting;
    int rc = 0;
    while (rc == 0 && (posting = PyIter_Next(it)) != NULL) {
        if (PyObject_TypeCheck(posting, &PostingType)) {
            rc = resolve_posting(&r, (PostingObject *)posting, result);
        } else {
            PyErr_SetString(PyExc_TypeError, "a hit is not a Posting");
            rc = -1;
        }
        Py_DECREF(posting);
    }
    Py_DECREF(it);
    if (rc < 0 || PyErr_Occurred()) {
        Py_DECREF(result);
        return NULL;
    }
    return result;
}

/* ------------------------------------------------------------------------------------ */
/* Module                                                                                */
/* ------------------------------------------------------------------------------------ */

static PyObject *configure(PyObject *module, PyObject *args) {
    PyObject *take, *descend, *t, *f, *n;
    if (!PyArg_ParseTuple(args, "OOOOO:configure", &take, &descend, &t, &f, &n)) return NULL;
    Py_XSETREF(py_take, Py_NewRef(take));
    Py_XSETREF(py_descend, Py_NewRef(descend));
    Py_XSETREF(atom_true, Py_NewRef(t));
    Py_XSETREF(atom_false, Py_NewRef(f));
    Py_XSETREF(atom_null, Py_NewRef(n));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(take, descend, true, false, null): the Python helpers and atoms."},
    {"walk", (PyCFunction)(void (*)(void))walk, METH_FASTCALL,
     "walk(root, event, hits): add to hits the postings the event's values hit."},
    {"resolve", (PyCFunction)(void (*)(void))resolve, METH_FASTCALL,
     "resolve(hits, memo, evaluate, subject, native) -> set of rule ids matched through hits;\n"
     "conditions are evaluated here on a parsed event (native) or by evaluate(cond, subject)."},
    {NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_native",
    "The compiled rule matcher's event walk and posting resolution, in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__native(void) {
    PyTypeObject *types[] = {&AffixesType, &NodeType, &PostingType, &GroupType, &ConditionType};
    PyObject *m = PyModule_Create(&module_def);
    if (m == NULL) return NULL;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (PyType_Ready(types[i]) < 0 || PyModule_AddType(m, types[i]) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
