/* The hot path of the compiled rule matcher, in C: the whole match of one parsed event
 * in one call (``match``): the walk of the event along the prefix tree of anchored paths,
 * the index probes, the resolution of the postings hit and the evaluation of the
 * conditions they need. The pure-Python versions in compiled.py define the semantics;
 * this file restates them step for step, and the property tests hold both to the
 * reference evaluator.
 *
 * The index structures stay Python objects, maintained by Python code (_index.py,
 * compiled.py). This module only provides base types for them whose fields are plain C
 * struct members, so that the match reads them without attribute lookups:
 *
 *   Node       children, exact, eic, pre, suf, ipre, isuf, loose, on_value, lo, hi,
 *              ranges, number, strings, others
 *   Affixes    by_text, lengths
 *   Bounds     keys, postings
 *   Ranges     bounds, segments
 *   Posting    cond, confirm, direct, groups
 *   Group      direct, checked
 *   Condition  truth, steps, exact, folded, ... (what evaluating it needs)
 *
 * Per event, the postings hit and the conditions evaluated live in two small C hash
 * tables keyed by object address (each entry holds a strong reference), not in Python
 * sets and dicts. What is rare or intricate stays in Python and is called back: keys
 * with a dot or of another type than str (``_descend``), values of subclasses of the JSON
 * types (``_take``), matcher kinds this file does not know and odd values met while
 * evaluating a condition (``evaluate``).
 *
 * Safety: recursion goes through Py_EnterRecursiveCall (deeply nested arrays raise
 * RecursionError, as the Python walk does); every object looked at while Python code may
 * run is held by a strong reference; lists are re-measured on each step.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Set once by configure(): Python helpers and the three atoms (true, false, null). */
static PyObject *py_take;      /* _take(node, item, hits): any value of an odd type */
static PyObject *py_descend;   /* _descend(node, key): the node of a dotted or odd key */
static PyObject *py_evaluate;  /* _evaluate_event(cond, event): the Python evaluation */
static PyObject *atom_true, *atom_false, *atom_null;
static PyObject *str_casefold; /* str.casefold */

/* ------------------------------------------------------------------------------------ */
/* Base types                                                                            */
/* ------------------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    PyObject *by_text;  /* dict: text -> list of postings */
    PyObject *lengths;  /* list of int, ascending */
    PyObject *filter;   /* bytearray: a bit per hash bucket of the texts present */
} AffixesObject;

typedef struct {
    PyObject_HEAD
    PyObject *keys;      /* list of float, ascending (inclusive bounds) */
    PyObject *postings;  /* list of postings, in the order of keys */
} BoundsObject;

typedef struct {
    PyObject_HEAD
    PyObject *bounds;    /* list of float, ascending */
    PyObject *segments;  /* list of lists of postings: segments[k] covers [bounds[k], bounds[k+1]) */
} RangesObject;

typedef struct {
    PyObject_HEAD
    PyObject *children;  /* dict: key part -> Node */
    PyObject *exact;     /* dict: raw value -> list of postings, or None */
    PyObject *eic;       /* dict: casefolded text -> list of postings, or None */
    PyObject *pre, *suf, *ipre, *isuf;  /* Affixes or None */
    PyObject *loose;     /* list of postings or None */
    PyObject *on_value;  /* callable(raw, hits): the Python probe of a non-string leaf */
    PyObject *lo, *hi;   /* Bounds or None: numbers >= / <= a bound */
    PyObject *ranges;    /* Ranges or None */
    PyObject *number;    /* list of postings (any number) or None */
    char strings;        /* anything to probe for a string beyond ``exact`` */
    char others;         /* anything to probe for a number, true, false or null */
    struct KeyCache *cache;  /* event keys seen here, by identity (not a Python field) */
} NodeObject;

/* Which child an event key leads to, by the key's identity: JSON parsers hand out the
 * same str objects for the same keys (orjson keeps a cache of them), so one pointer
 * comparison replaces a dict lookup with its string comparison. Each entry holds a
 * strong reference to its key, so an address cannot be reused by another string while
 * it is cached; children are borrowed from ``children`` and the whole cache is dropped
 * when the tree changes (``changed()``, called by compiled.py, bumps ``generation``). */
#define KEY_CACHE_SIZE 64
typedef struct KeyCache {
    uint64_t generation;
    PyObject *children;  /* the dict the entries were read from (borrowed, compared only) */
    PyObject *keys[KEY_CACHE_SIZE];      /* strong references; NULL: empty */
    PyObject *children_of[KEY_CACHE_SIZE];  /* borrowed child, or NULL: no child */
} KeyCache;

static uint64_t generation = 1;

typedef struct {
    PyObject_HEAD
    PyObject *cond;    /* Condition */
    PyObject *direct;  /* set of rule ids */
    PyObject *groups;  /* dict: Condition -> Group */
    PyObject *plan;    /* not a Python field: see posting_plan */
    char confirm;      /* a hit is only a candidate: the condition must be evaluated */
    char active;       /* direct or groups is not empty (kept so by compiled.py) */
    uint64_t plan_generation;
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
    FIELD(AffixesObject, by_text), FIELD(AffixesObject, lengths), FIELD(AffixesObject, filter),
    {NULL}};
static PyMemberDef bounds_members[] = {
    FIELD(BoundsObject, keys), FIELD(BoundsObject, postings), {NULL}};
static PyMemberDef ranges_members[] = {
    FIELD(RangesObject, bounds), FIELD(RangesObject, segments), {NULL}};
static PyMemberDef node_members[] = {
    FIELD(NodeObject, children), FIELD(NodeObject, exact), FIELD(NodeObject, eic),
    FIELD(NodeObject, pre), FIELD(NodeObject, suf), FIELD(NodeObject, ipre),
    FIELD(NodeObject, isuf), FIELD(NodeObject, loose), FIELD(NodeObject, on_value),
    FIELD(NodeObject, lo), FIELD(NodeObject, hi), FIELD(NodeObject, ranges),
    FIELD(NodeObject, number), FLAG(NodeObject, strings), FLAG(NodeObject, others), {NULL}};
static PyMemberDef posting_members[] = {
    FIELD(PostingObject, cond), FIELD(PostingObject, direct), FIELD(PostingObject, groups),
    FLAG(PostingObject, confirm), FLAG(PostingObject, active), {NULL}};
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

OBJECT_FIELDS(AffixesObject, by_text, 3)
OBJECT_FIELDS(BoundsObject, keys, 2)
OBJECT_FIELDS(RangesObject, bounds, 2)
OBJECT_FIELDS(NodeObject, children, 13)

static void key_cache_drop(NodeObject *node) {
    KeyCache *cache = node->cache;
    if (cache == NULL) return;
    node->cache = NULL;
    for (int i = 0; i < KEY_CACHE_SIZE; i++) Py_XDECREF(cache->keys[i]);
    PyMem_Free(cache);
}

static int Node_clear(PyObject *self) {
    key_cache_drop((NodeObject *)self);
    return NodeObject_clear(self);
}

static void Node_dealloc(PyObject *self) {
    PyObject_GC_UnTrack(self);
    Node_clear(self);
    Py_TYPE(self)->tp_free(self);
}
OBJECT_FIELDS(PostingObject, cond, 4)
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
BASE_TYPE(BoundsType, "BoundsBase", BoundsObject, bounds_members)
BASE_TYPE(RangesType, "RangesBase", RangesObject, ranges_members)
static PyTypeObject NodeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "eventyard.core.patterns._native.NodeBase",
    .tp_basicsize = sizeof(NodeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Fields of the index that the native matcher reads directly.",
    .tp_traverse = NodeObject_traverse,
    .tp_clear = Node_clear,
    .tp_dealloc = Node_dealloc,
    .tp_members = node_members,
    .tp_new = PyType_GenericNew,
};
BASE_TYPE(PostingType, "PostingBase", PostingObject, posting_members)
BASE_TYPE(GroupType, "GroupBase", GroupObject, group_members)
BASE_TYPE(ConditionType, "ConditionBase", ConditionObject, condition_members)

/* PyObject_TypeCheck for the hot checks: the index's objects are instances of one Python
 * subclass of each base type, remembered (with a reference) once seen, so the check is a
 * pointer comparison rather than a walk of the type's MRO. */
static PyTypeObject *seen_subtype[7];
enum { SUB_AFFIXES, SUB_BOUNDS, SUB_RANGES, SUB_CONDITION, SUB_GROUP, SUB_POSTING, SUB_NODE };

static inline int is_a(PyObject *obj, PyTypeObject *base, int which) {
    PyTypeObject *t = Py_TYPE(obj);
    if (t == base || t == seen_subtype[which]) return 1;
    if (!PyType_IsSubtype(t, base)) return 0;
    Py_INCREF(t);
    Py_XSETREF(seen_subtype[which], t);
    return 1;
}

/* A field as Python sees it: an unset member is an AttributeError there; here it reads
 * as None, which every caller treats as "nothing there". */
static inline int present(PyObject *field) { return field != NULL && field != Py_None; }

#define FALLBACK (-2)  /* a value this module does not read: let Python evaluate */

/* ------------------------------------------------------------------------------------ */
/* Per-event tables: object address -> small value, each key held by a strong reference */
/* ------------------------------------------------------------------------------------ */

#define TABLE_INLINE 64  /* slots on the stack; most events never need more */

typedef struct {
    PyObject **keys;  /* NULL: empty slot */
    signed char *vals;
    size_t mask;      /* capacity - 1, capacity a power of two */
    size_t used;
    PyObject *inline_keys[TABLE_INLINE];
    signed char inline_vals[TABLE_INLINE];
} Table;

static void table_init(Table *t) {
    t->keys = t->inline_keys;
    t->vals = t->inline_vals;
    t->mask = TABLE_INLINE - 1;
    t->used = 0;
    memset(t->inline_keys, 0, sizeof(t->inline_keys));
}

static inline size_t table_slot(const Table *t, PyObject *key) {
    uint64_t x = (uint64_t)(uintptr_t)key;
    x = (x >> 4) * 0x9E3779B97F4A7C15ULL;
    size_t i = (size_t)(x >> 32) & t->mask;
    while (t->keys[i] != NULL && t->keys[i] != key) i = (i + 1) & t->mask;
    return i;
}

static void table_free(Table *t) {
    if (t->used) {
        for (size_t i = 0; i <= t->mask; i++) Py_XDECREF(t->keys[i]);
    }
    if (t->keys != t->inline_keys) {
        PyMem_Free(t->keys);
        PyMem_Free(t->vals);
    }
}

static int table_grow(Table *t) {
    size_t old_cap = t->mask + 1, cap = old_cap * 2;
    PyObject **old_keys = t->keys;
    signed char *old_vals = t->vals;
    PyObject **keys = PyMem_Calloc(cap, sizeof(PyObject *));
    signed char *vals = PyMem_Malloc(cap);
    if (keys == NULL || vals == NULL) {
        PyMem_Free(keys);
        PyMem_Free(vals);
        PyErr_NoMemory();
        return -1;
    }
    t->keys = keys;
    t->vals = vals;
    t->mask = cap - 1;
    for (size_t i = 0; i < old_cap; i++) {
        if (old_keys[i] != NULL) {
            size_t j = table_slot(t, old_keys[i]);
            keys[j] = old_keys[i];
            vals[j] = old_vals[i];
        }
    }
    if (old_keys != t->inline_keys) {
        PyMem_Free(old_keys);
        PyMem_Free(old_vals);
    }
    return 0;
}

/* Add ``key`` (new reference taken) unless present: 1 added, 0 present, -1 error. */
static int table_put(Table *t, PyObject *key, signed char val) {
    size_t i = table_slot(t, key);
    if (t->keys[i] != NULL) return 0;
    if ((t->used + 1) * 2 > t->mask + 1) {
        if (table_grow(t) < 0) return -1;
        i = table_slot(t, key);
    }
    Py_INCREF(key);
    t->keys[i] = key;
    t->vals[i] = val;
    t->used++;
    return 1;
}

static inline int table_has(const Table *t, PyObject *key) {
    return t->keys[table_slot(t, key)] != NULL;
}

/* Everything one match works with. */
typedef struct {
    Table hits;          /* postings hit */
    Table memo;          /* Condition -> 1 holds / 0 does not */
    PyObject *evaluate;  /* evaluate(cond, subject) -> bool */
    PyObject *subject;   /* the event, as evaluate wants it */
    int native;          /* subject is a parsed event this module can evaluate on */
    struct TextValues *text;  /* matching JSON text: the values read at each tested path */
} Match;

/* ------------------------------------------------------------------------------------ */
/* Text helpers                                                                          */
/* ------------------------------------------------------------------------------------ */

/* str.casefold(text); ASCII text is lowered here (for ASCII, casefold is lower). */
static PyObject *casefold(PyObject *text) {
    if (PyUnicode_READY(text) < 0) return NULL;
    if (PyUnicode_IS_ASCII(text)) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(text), k = 0;
        const Py_UCS1 *src = PyUnicode_1BYTE_DATA(text);
        while (k < n && !(src[k] >= 'A' && src[k] <= 'Z')) k++;
        if (k == n) return Py_NewRef(text);  /* nothing to fold: equal text is enough */
        PyObject *out = PyUnicode_New(n, 127);
        if (out == NULL) return NULL;
        Py_UCS1 *dst = PyUnicode_1BYTE_DATA(out);
        memcpy(dst, src, (size_t)k);
        for (; k < n; k++) dst[k] = (src[k] >= 'A' && src[k] <= 'Z') ? (Py_UCS1)(src[k] + 32) : src[k];
        return out;
    }
    return PyObject_CallOneArg(str_casefold, text);
}

/* Does a str key contain a dot? (-1 would be an error: then it is taken as dotted, and
 * _descend decides.) */
static int has_dot(PyObject *key) {
    if (PyUnicode_READY(key) < 0) {
        PyErr_Clear();
        return 1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(key);
    if (PyUnicode_IS_ASCII(key)) return memchr(PyUnicode_1BYTE_DATA(key), '.', (size_t)n) != NULL;
    Py_ssize_t at = PyUnicode_FindChar(key, '.', 0, n, 1);
    if (at == -2) PyErr_Clear();
    return at != -1;
}

static inline int as_double(PyObject *number, double *out) {
    if (PyFloat_CheckExact(number)) {
        *out = PyFloat_AS_DOUBLE(number);
        return 0;
    }
    *out = PyFloat_AsDouble(number);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

/* ------------------------------------------------------------------------------------ */
/* The walk: compiled._walk, _walk_array, _take and Node.probe                          */
/* ------------------------------------------------------------------------------------ */

static int walk_object(Match *m, NodeObject *node, PyObject *obj);
static int walk_array(Match *m, NodeObject *node, PyObject *list);

/* hits |= postings (a list) */
static int add_all(Match *m, PyObject *postings) {
    if (!PyList_Check(postings)) {
        PyErr_SetString(PyExc_TypeError, "index entries must be lists of postings");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(postings); i++) {
        if (table_put(&m->hits, PyList_GET_ITEM(postings, i), 1) < 0) return -1;
    }
    return 0;
}

/* hits |= postings[start:stop] (a list) */
static int add_slice(Match *m, PyObject *postings, Py_ssize_t start, Py_ssize_t stop) {
    if (!PyList_Check(postings)) {
        PyErr_SetString(PyExc_TypeError, "index entries must be lists of postings");
        return -1;
    }
    if (stop > PyList_GET_SIZE(postings)) stop = PyList_GET_SIZE(postings);
    for (Py_ssize_t i = start; i < stop; i++) {
        if (table_put(&m->hits, PyList_GET_ITEM(postings, i), 1) < 0) return -1;
    }
    return 0;
}

/* hits |= a Python set of postings (what a Python helper found) */
static int add_set_of_postings(Match *m, PyObject *set) {
    Py_ssize_t pos = 0;
    PyObject *key;
    Py_hash_t hash;
    while (_PySet_NextEntry(set, &pos, &key, &hash)) {
        if (table_put(&m->hits, key, 1) < 0) return -1;
    }
    return 0;
}

/* hits |= table.get(key, []) */
static int lookup(Match *m, PyObject *table, PyObject *key) {
    if (!PyDict_Check(table)) {
        PyErr_SetString(PyExc_TypeError, "index tables must be dicts");
        return -1;
    }
    PyObject *found = PyDict_GetItemWithError(table, key);  /* borrowed */
    if (found == NULL) return PyErr_Occurred() ? -1 : 0;
    return add_all(m, found);
}

/* Each indexed prefix (or suffix) length of ``text``, looked up by text: only the pieces
 * whose hash (_index.affix_hash, computed here as the text is read) falls on a bit of the
 * filter become strings to look up. */
static int probe_affixes(Match *m, PyObject *affixes, PyObject *text, int suffix) {
    if (!is_a(affixes, &AffixesType, SUB_AFFIXES)) {
        PyErr_SetString(PyExc_TypeError, "affix index of an unexpected type");
        return -1;
    }
    AffixesObject *a = (AffixesObject *)affixes;
    if (!present(a->lengths) || !PyList_Check(a->lengths) || !present(a->by_text)) {
        PyErr_SetString(PyExc_TypeError, "affix index without its tables");
        return -1;
    }
    const unsigned char *bits = NULL;
    uint64_t nbits = 0;
    if (present(a->filter) && PyByteArray_CheckExact(a->filter)) {
        nbits = (uint64_t)PyByteArray_GET_SIZE(a->filter) * 8;
        if (nbits && (nbits & (nbits - 1)) == 0) bits = (const unsigned char *)PyByteArray_AS_STRING(a->filter);
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    uint64_t h = 0xCBF29CE484222325ULL;
    Py_ssize_t hashed = 0;  /* characters hashed so far (from the start, or the end) */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(a->lengths); i++) {
        Py_ssize_t size = PyLong_AsSsize_t(PyList_GET_ITEM(a->lengths, i));
        if (size < 0) return PyErr_Occurred() ? -1 : 0;
        if (size > n) break;  /* ascending: no longer piece fits */
        if (bits != NULL) {
            if (kind == PyUnicode_1BYTE_KIND) {
                const Py_UCS1 *c = (const Py_UCS1 *)data;
                if (suffix)
                    for (; hashed < size; hashed++) h = (h ^ c[n - 1 - hashed]) * 0x100000001B3ULL;
                else
                    for (; hashed < size; hashed++) h = (h ^ c[hashed]) * 0x100000001B3ULL;
            }
            for (; hashed < size; hashed++) {
                Py_UCS4 ch = PyUnicode_READ(kind, data, suffix ? n - 1 - hashed : hashed);
                h = (h ^ ch) * 0x100000001B3ULL;
            }
            uint64_t bit = (h ^ (h >> 32)) & (nbits - 1);
            if (!(bits[bit >> 3] & (1u << (bit & 7)))) continue;  /* no text hashes here */
        }
        PyObject *piece = suffix ? PyUnicode_Substring(text, n - size, n)
                                 : PyUnicode_Substring(text, 0, size);
        if (piece == NULL) return -1;
        int rc = lookup(m, a->by_text, piece);
        Py_DECREF(piece);
        if (rc < 0) return -1;
    }
    return 0;
}

/* A str leaf at ``node``: Node.probe for one string. */
static int probe_string(Match *m, NodeObject *node, PyObject *text) {
    if (present(node->exact) && lookup(m, node->exact, text) < 0) return -1;
    if (!node->strings) return 0;
    if (present(node->loose) && add_all(m, node->loose) < 0) return -1;
    if (present(node->pre) && probe_affixes(m, node->pre, text, 0) < 0) return -1;
    if (present(node->suf) && probe_affixes(m, node->suf, text, 1) < 0) return -1;
    if (present(node->eic) || present(node->ipre) || present(node->isuf)) {
        PyObject *folded = casefold(text);
        if (folded == NULL) return -1;
        int rc = 0;
        if (present(node->eic)) rc = lookup(m, node->eic, folded);
        if (rc == 0 && present(node->ipre)) rc = probe_affixes(m, node->ipre, folded, 0);
        if (rc == 0 && present(node->isuf)) rc = probe_affixes(m, node->isuf, folded, 1);
        Py_DECREF(folded);
        if (rc < 0) return -1;
    }
    return 0;
}

/* bisect.bisect_right / bisect_left over a list of floats, with their comparisons */
static Py_ssize_t bisect(PyObject *keys, double x, int right) {
    Py_ssize_t lo = 0, hi = PyList_GET_SIZE(keys);
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        double key;
        if (as_double(PyList_GET_ITEM(keys, mid), &key) < 0) return -1;
        if (right ? (x < key) : !(key < x)) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static int bounds_of(PyObject *obj, PyTypeObject *type, PyObject **keys, PyObject **postings) {
    if (!PyObject_TypeCheck(obj, type)) goto bad;
    *keys = ((BoundsObject *)obj)->keys;  /* Bounds and Ranges share the layout */
    *postings = ((BoundsObject *)obj)->postings;
    if (!present(*keys) || !PyList_Check(*keys) || !present(*postings) || !PyList_Check(*postings))
        goto bad;
    return 0;
bad:
    PyErr_SetString(PyExc_TypeError, "numeric index of an unexpected shape");
    return -1;
}

/* A number, true, false or null at ``node``: Node._compile_value_probe's probe. */
static int probe_other(Match *m, NodeObject *node, PyObject *item) {
    if (!node->others) return 0;
    PyObject *raw;
    int number = 0;
    if (item == Py_True) raw = Py_NewRef(atom_true);
    else if (item == Py_False) raw = Py_NewRef(atom_false);
    else if (item == Py_None) raw = Py_NewRef(atom_null);
    else {
        number = 1;
        if (PyFloat_CheckExact(item)) raw = Py_NewRef(item);
        else raw = PyNumber_Float(item);  /* exact int: as float(), overflow included */
        if (raw == NULL) return -1;
    }
    int rc = 0;
    if (present(node->exact)) rc = lookup(m, node->exact, raw);
    if (rc == 0 && present(node->loose)) rc = add_all(m, node->loose);
    if (rc == 0 && number) {
        double x = PyFloat_AS_DOUBLE(raw);
        PyObject *keys, *postings;
        if (present(node->number)) rc = add_all(m, node->number);
        if (rc == 0 && present(node->lo)) {
            rc = bounds_of(node->lo, &BoundsType, &keys, &postings);
            Py_ssize_t k = rc == 0 ? bisect(keys, x, 1) : -1;
            rc = k < 0 ? -1 : add_slice(m, postings, 0, k);
        }
        if (rc == 0 && present(node->hi)) {
            rc = bounds_of(node->hi, &BoundsType, &keys, &postings);
            Py_ssize_t k = rc == 0 ? bisect(keys, x, 0) : -1;
            rc = k < 0 ? -1 : add_slice(m, postings, k, PY_SSIZE_T_MAX);
        }
        if (rc == 0 && present(node->ranges)) {
            rc = bounds_of(node->ranges, &RangesType, &keys, &postings);
            Py_ssize_t k = rc == 0 ? bisect(keys, x, 1) : -1;
            if (k < 0) rc = -1;
            else if (k > 0 && k <= PyList_GET_SIZE(postings))
                rc = add_all(m, PyList_GET_ITEM(postings, k - 1));
        }
    }
    Py_DECREF(raw);
    return rc;
}

static int call_take(Match *m, NodeObject *node, PyObject *item) {
    PyObject *found = PySet_New(NULL);
    if (found == NULL) return -1;
    PyObject *out = PyObject_CallFunctionObjArgs(py_take, (PyObject *)node, item, found, NULL);
    int rc = out == NULL ? -1 : add_set_of_postings(m, found);
    Py_XDECREF(out);
    Py_DECREF(found);
    return rc;
}

/* Any value found at ``node`` (compiled._walk's dispatch, _walk_array's and _take's). */
static int visit(Match *m, NodeObject *node, PyObject *item) {
    if (PyUnicode_CheckExact(item)) return probe_string(m, node, item);
    if (PyDict_CheckExact(item)) {
        if (present(node->children) && PyDict_GET_SIZE(node->children))
            return walk_object(m, node, item);
        return 0;
    }
    if (PyList_CheckExact(item)) return walk_array(m, node, item);
    if (item == Py_None || item == Py_True || item == Py_False || PyFloat_CheckExact(item) ||
        PyLong_CheckExact(item))
        return probe_other(m, node, item);
    return call_take(m, node, item);  /* subclasses and non-JSON values */
}

/* The child ``key`` (an exact str) leads to, as a new reference; NULL without an error
 * set when there is none. Looked up through the node's key cache. */
static PyObject *child_of(NodeObject *node, PyObject *key) {
    KeyCache *cache = node->cache;
    if (cache == NULL || cache->generation != generation || cache->children != node->children) {
        if (cache == NULL) {
            cache = PyMem_Calloc(1, sizeof(KeyCache));
            if (cache == NULL) {
                PyErr_NoMemory();
                return NULL;
            }
            node->cache = cache;
        } else {
            for (int i = 0; i < KEY_CACHE_SIZE; i++) Py_CLEAR(cache->keys[i]);
        }
        cache->generation = generation;
        cache->children = node->children;
    }
    uint64_t x = (uint64_t)(uintptr_t)key;
    size_t slot = (size_t)(((x >> 4) * 0x9E3779B97F4A7C15ULL) >> 58);  /* 64 slots */
    if (cache->keys[slot] == key) return Py_XNewRef(cache->children_of[slot]);
    PyObject *child = PyDict_GetItemWithError(node->children, key);
    if (child == NULL && PyErr_Occurred()) return NULL;
    Py_XSETREF(cache->keys[slot], Py_NewRef(key));
    cache->children_of[slot] = child;
    return Py_XNewRef(child);
}

static int walk_object(Match *m, NodeObject *node, PyObject *obj) {
    PyObject *children = node->children;
    if (!PyDict_Check(children)) {
        PyErr_SetString(PyExc_TypeError, "index node children must be a dict");
        return -1;
    }
    if (Py_EnterRecursiveCall(" while matching an event")) return -1;
    Py_INCREF(children);
    Py_ssize_t pos = 0;
    PyObject *key, *item;
    int rc = 0;
    while (rc == 0 && PyDict_Next(obj, &pos, &key, &item)) {
        Py_INCREF(key);
        Py_INCREF(item);
        PyObject *child;
        if (PyUnicode_CheckExact(key)) {
            child = child_of(node, key);  /* new reference, or NULL */
        } else {
            child = Py_XNewRef(PyDict_GetItemWithError(children, key));
        }
        if (child != NULL) {
        } else if (PyErr_Occurred()) {
            rc = -1;
        } else if (!PyUnicode_CheckExact(key) || has_dot(key)) {
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
            rc = visit(m, (NodeObject *)child, item);
            Py_DECREF(child);
        }
        Py_DECREF(key);
        Py_DECREF(item);
    }
    Py_DECREF(children);
    Py_LeaveRecursiveCall();
    return rc;
}

/* Arrays, arrays of objects included, are crushed into their parent path. */
static int walk_array(Match *m, NodeObject *node, PyObject *list) {
    if (Py_EnterRecursiveCall(" while matching an event")) return -1;
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(list); i++) {
        PyObject *item = Py_NewRef(PyList_GET_ITEM(list, i));
        rc = visit(m, node, item);
        Py_DECREF(item);
    }
    Py_LeaveRecursiveCall();
    return rc;
}

/* The walk from the root (compiled.RuleMatcher.match_event's first step). */
static int walk_event(Match *m, NodeObject *root, PyObject *event) {
    if (PyDict_CheckExact(event)) {
        if (!present(root->children) || !PyDict_GET_SIZE(root->children)) return 0;
        return walk_object(m, root, event);
    }
    if (present(root->children) && PyDict_GET_SIZE(root->children))
        return call_take(m, root, event);  /* a top-level array or odd value */
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Evaluation: PathSpec.fetch and Condition.holds, for a parsed event                    */
/* ------------------------------------------------------------------------------------ */

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

/* Condition.holds(PathSpec.fetch(event)), without building the list of values: each
 * value under part ``i`` of the path is tested as it is found, and the first that holds
 * ends the search. 1 (holds), 0 (no value held; ``*found`` says whether there was any),
 * -1 on error, FALLBACK for a value only Python reads (subclasses, odd types). */
static int scan(ConditionObject *c, PyObject *value, Py_ssize_t i, int *found) {
    PyObject *steps = c->steps;
    Py_ssize_t nsteps = PyTuple_GET_SIZE(steps);
    int rc = 0;
    if (PyDict_CheckExact(value)) {
        if (i >= nsteps) return 0;  /* an object at the end of the path is not a value */
        PyObject *step = PyTuple_GET_ITEM(steps, i);  /* ((key, next part index), ...) */
        if (!PyTuple_Check(step)) {
            PyErr_SetString(PyExc_TypeError, "path steps must be tuples");
            return -1;
        }
        if (Py_EnterRecursiveCall(" while matching an event")) return -1;
        for (Py_ssize_t k = 0; rc == 0 && k < PyTuple_GET_SIZE(step); k++) {
            PyObject *pair = PyTuple_GET_ITEM(step, k);
            PyObject *item = PyDict_GetItemWithError(value, PyTuple_GET_ITEM(pair, 0));
            if (item == NULL) {
                if (PyErr_Occurred()) rc = -1;
                continue;
            }
            Py_ssize_t j = PyLong_AsSsize_t(PyTuple_GET_ITEM(pair, 1));
            if (j < 0) {
                rc = -1;
                break;
            }
            Py_INCREF(item);
            rc = scan(c, item, j, found);
            Py_DECREF(item);
        }
        Py_LeaveRecursiveCall();
        return rc;
    }
    if (PyList_CheckExact(value)) {
        if (Py_EnterRecursiveCall(" while matching an event")) return -1;
        for (Py_ssize_t k = 0; rc == 0 && k < PyList_GET_SIZE(value); k++) {
            PyObject *item = Py_NewRef(PyList_GET_ITEM(value, k));
            rc = scan(c, item, i, found);
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
    *found = 1;
    rc = c->any_leaf ? 1 : holds_for(c, raw);
    Py_DECREF(raw);
    return rc;
}

/* Condition.holds(PathSpec.fetch(event)): 1, 0, -1 on error, FALLBACK. */
static int evaluate_native(PyObject *cond, PyObject *event) {
    ConditionObject *c = (ConditionObject *)cond;
    if (!well_formed(c)) {
        PyErr_SetString(PyExc_TypeError, "condition without its compiled fields");
        return -1;
    }
    if (c->steps == Py_None) return c->negative;  /* no event has a value there */
    int found = 0;
    int rc = scan(c, event, 0, &found);
    if (rc != 0) return rc;
    return found ? 0 : c->negative;
}

/* ------------------------------------------------------------------------------------ */
/* Resolution: compiled._resolve_hits, for the postings the walk hit                     */
/* ------------------------------------------------------------------------------------ */

static int check_condition(PyObject *cond) {
    if (is_a(cond, &ConditionType, SUB_CONDITION)) return 0;
    PyErr_SetString(PyExc_TypeError, "a branch condition is not a Condition");
    return -1;
}

static int evaluate_text(Match *m, PyObject *cond);

/* Does ``cond`` hold? 1, 0, or -1 on error; each condition is evaluated once. */
static int holds(Match *m, PyObject *cond) {
    size_t i = table_slot(&m->memo, cond);
    if (m->memo.keys[i] != NULL) return m->memo.vals[i];
    if (check_condition(cond) < 0) return -1;
    Py_INCREF(cond);
    int ok = m->text != NULL ? evaluate_text(m, cond)
             : m->native ? evaluate_native(cond, m->subject) : FALLBACK;
    if (ok == FALLBACK) {
        PyObject *out = PyObject_CallFunctionObjArgs(m->evaluate, cond, m->subject, NULL);
        ok = out == NULL ? -1 : PyObject_IsTrue(out);
        Py_XDECREF(out);
    }
    if (ok >= 0 && table_put(&m->memo, cond, (signed char)ok) < 0) ok = -1;
    Py_DECREF(cond);
    return ok;
}

/* Does ``cond`` hold? Through its posting's hit when that says it all. */
static inline int holds_or_hit(Match *m, PyObject *cond) {
    if (check_condition(cond) < 0) return -1;
    PyObject *truth = ((ConditionObject *)cond)->truth;
    if (present(truth)) return table_has(&m->hits, truth);
    return holds(m, cond);
}

/* result |= ids (a set of rule ids: hashable by construction) */
static int add_ids(PyObject *result, PyObject *ids) {
    if (!PyAnySet_Check(ids)) {
        PyErr_SetString(PyExc_TypeError, "rule ids must be held in sets");
        return -1;
    }
    Py_ssize_t pos = 0;
    PyObject *id;
    Py_hash_t hash;
    while (_PySet_NextEntry(ids, &pos, &id, &hash)) {
        if (PySet_Add(result, id) < 0) return -1;
    }
    return 0;
}

static inline int nonempty(PyObject *set) {
    return present(set) && PyAnySet_Check(set) && PySet_GET_SIZE(set) > 0;
}

/* The branches in one group (all of whose first condition holds). 1: go on with the
 * posting; 0: the posting's own condition failed its check, stop; -1: error. */
static int resolve_group(Match *m, PostingObject *p, GroupObject *group, int *confirm,
                         PyObject *result) {
    int ok;
    if (nonempty(group->direct)) {
        if (*confirm) {
            if ((ok = holds(m, p->cond)) <= 0) return ok;
            *confirm = 0;
        }
        if (add_ids(result, group->direct) < 0) return -1;
    }
    if (!present(group->checked)) return 1;
    if (!PyDict_Check(group->checked)) {
        PyErr_SetString(PyExc_TypeError, "group.checked must be a dict");
        return -1;
    }
    PyObject *checked = Py_NewRef(group->checked);
    Py_ssize_t at = 0;
    PyObject *branch_key, *entry;
    int rc = 1;
    while (rc == 1 && PyDict_Next(checked, &at, &branch_key, &entry)) {
        if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 2 ||
            !PyTuple_Check(PyTuple_GET_ITEM(entry, 1))) {
            PyErr_SetString(PyExc_TypeError, "group entries are (rule id, conditions)");
            rc = -1;
            break;
        }
        Py_INCREF(entry);
        PyObject *rule_id = PyTuple_GET_ITEM(entry, 0);
        PyObject *conds = PyTuple_GET_ITEM(entry, 1);
        int found = PySet_Contains(result, rule_id);
        if (found < 0) rc = -1;
        if (found == 0) {
            int all = 1;
            for (Py_ssize_t i = 0; all == 1 && i < PyTuple_GET_SIZE(conds); i++)
                all = holds_or_hit(m, PyTuple_GET_ITEM(conds, i));
            if (all < 0) rc = -1;
            else if (all) {
                if (*confirm) {
                    ok = holds(m, p->cond);
                    if (ok <= 0) rc = ok;  /* the anchor failed: nothing more on it */
                    else *confirm = 0;
                }
                if (rc == 1 && PySet_Add(result, rule_id) < 0) rc = -1;
            }
        }
        Py_DECREF(entry);
    }
    Py_DECREF(checked);
    return rc;
}

/* A posting's groups as one tuple (first condition, its truth or None, group, ...), so
 * that a group whose first condition is known by its hit is ruled out without reading
 * the condition or the group (with many rules, those reads miss the caches). Rebuilt
 * after any change to the rules (``changed()`` moves ``generation``); a new reference. */
static PyObject *posting_plan(PostingObject *p) {
    if (p->plan != NULL && p->plan_generation == generation) return Py_NewRef(p->plan);
    PyObject *groups = Py_NewRef(p->groups);
    PyObject *plan = PyTuple_New(3 * PyDict_GET_SIZE(groups));
    Py_ssize_t pos = 0, k = 0;
    PyObject *first, *group;
    while (plan != NULL && PyDict_Next(groups, &pos, &first, &group)) {
        if (!is_a(group, &GroupType, SUB_GROUP) || check_condition(first) < 0 ||
            k + 3 > PyTuple_GET_SIZE(plan)) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "posting group of an unexpected type");
            Py_CLEAR(plan);
            break;
        }
        PyObject *truth = ((ConditionObject *)first)->truth;
        PyTuple_SET_ITEM(plan, k++, Py_NewRef(first));
        PyTuple_SET_ITEM(plan, k++, Py_NewRef(present(truth) ? truth : Py_None));
        PyTuple_SET_ITEM(plan, k++, Py_NewRef(group));
    }
    Py_DECREF(groups);
    if (plan == NULL) return NULL;
    if (k != PyTuple_GET_SIZE(plan)) {  /* the dict changed under us: use what was read */
        if (_PyTuple_Resize(&plan, k) < 0) return NULL;
    }
    Py_XSETREF(p->plan, Py_NewRef(plan));
    p->plan_generation = generation;
    return plan;
}

/* The branches on one hit posting. Returns -1 on error. */
static int resolve_posting(Match *m, PostingObject *p, PyObject *result) {
    int confirm = p->confirm;
    int ok;
    if (!present(p->cond) || !PyAnySet_Check(p->direct) || !PyDict_Check(p->groups)) {
        PyErr_SetString(PyExc_TypeError, "posting without its fields");
        return -1;
    }
    if (PySet_GET_SIZE(p->direct)) {
        if (confirm) {
            /* a posting reached through a prefilter is checked itself only once some
             * branch on it has passed everything else: that check is the dear one */
            if ((ok = holds(m, p->cond)) <= 0) return ok;
            confirm = 0;
        }
        if (add_ids(result, p->direct) < 0) return -1;
    }
    if (!PyDict_GET_SIZE(p->groups)) return 0;
    PyObject *plan = posting_plan(p);
    if (plan == NULL) return -1;
    int rc = 0;
    for (Py_ssize_t k = 0; rc == 0 && k + 2 < PyTuple_GET_SIZE(plan); k += 3) {
        PyObject *first = PyTuple_GET_ITEM(plan, k), *truth = PyTuple_GET_ITEM(plan, k + 1);
        /* holds_or_hit(m, first), its truth read from the plan */
        ok = truth != Py_None ? table_has(&m->hits, truth) : holds(m, first);
        if (ok < 0) rc = -1;
        else if (ok) {
            ok = resolve_group(m, p, (GroupObject *)PyTuple_GET_ITEM(plan, k + 2), &confirm, result);
            if (ok < 0) rc = -1;
            else if (ok == 0) rc = 1;  /* stop: the posting's own condition failed */
        }
    }
    Py_DECREF(plan);
    return rc < 0 ? -1 : 0;
}

/* The rules matched through the postings in m->hits. */
static PyObject *resolve_hits(Match *m) {
    PyObject *result = PySet_New(NULL);
    if (result == NULL || m->hits.used == 0) return result;
    for (size_t i = 0; i <= m->hits.mask; i++) {
        PyObject *posting = m->hits.keys[i];
        if (posting == NULL) continue;
        int rc;
        if (is_a(posting, &PostingType, SUB_POSTING)) {
            /* most hits are postings indexed only for their truth: one flag says so */
            if (!((PostingObject *)posting)->active) continue;
            rc = resolve_posting(m, (PostingObject *)posting, result);
        } else {
            PyErr_SetString(PyExc_TypeError, "a hit is not a Posting");
            rc = -1;
        }
        if (rc < 0) {
            Py_DECREF(result);
            return NULL;
        }
    }
    return result;
}

static int configured(void) {
    if (py_take != NULL) return 1;
    PyErr_SetString(PyExc_RuntimeError, "_native.configure() was not called");
    return 0;
}

/* match(root, event) -> set of rule ids: RuleMatcher.match_event but its rules without
 * an anchor, in one call. */
static PyObject *match_parsed(NodeObject *root, PyObject *event);

static PyObject *match(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyObject_TypeCheck(args[0], &NodeType)) {
        PyErr_SetString(PyExc_TypeError, "match(root: Node, event)");
        return NULL;
    }
    if (!configured()) return NULL;
    return match_parsed((NodeObject *)args[0], args[1]);
}

/* resolve(hits, evaluate, subject, native) -> set of rule ids matched through the
 * postings in the set ``hits``; conditions are evaluated here on a parsed event (native)
 * or by evaluate(cond, subject). */
static PyObject *resolve(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyAnySet_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "resolve(hits: set, evaluate, subject, native: bool)");
        return NULL;
    }
    if (!configured()) return NULL;
    int native = PyObject_IsTrue(args[3]);
    if (native < 0) return NULL;
    Match m;
    table_init(&m.hits);
    table_init(&m.memo);
    m.evaluate = args[1];
    m.subject = args[2];
    m.native = native;
    m.text = NULL;
    PyObject *result = NULL;
    if (add_set_of_postings(&m, args[0]) == 0) result = resolve_hits(&m);
    table_free(&m.memo);
    table_free(&m.hits);
    return result;
}

/* ------------------------------------------------------------------------------------ */
/* Matching JSON text: TextMatcher.match(text) is match(root, orjson.loads(text))        */
/* ------------------------------------------------------------------------------------ */

/* Parsing a whole ~1 KB event into dicts and strs costs more than matching it. Here the
 * text is read once, in place: members on no path that some condition names are skipped
 * (checked, never built), and only the leaves on such paths become Python values, which
 * are probed in the index (anchored paths) and kept per path for evaluating conditions.
 *
 * The text reader accepts only what orjson accepts and reads it the same way. Whatever
 * it is not sure of, it hands back (BAIL) and the match starts over on
 * ``orjson.loads(text)``, the parsed-event path, which then decides (its error included):
 * malformed text of any kind, keys with escapes or dots on a walked object (a dotted key
 * is a path), a key repeated in a walked object (orjson keeps the last), escaped or
 * surrogate text in a value that is needed, integers beyond 18 digits, exponents that
 * overflow, nesting deeper than TEXT_MAX_DEPTH, and a document that is not an object. */

#define BAIL 1
#define TEXT_MAX_DEPTH 200

typedef struct TextNode TextNode;
typedef struct {
    PyObject *key;          /* the str (holds the UTF-8 bytes below) */
    const char *bytes;
    Py_ssize_t size;
    TextNode *child;
} TextEdge;

struct TextNode {
    NodeObject *anchor;     /* the index node of this path (strong), or NULL */
    int slot;               /* the tested path ending here (a PathSpec), or -1 */
    uint64_t stamp;         /* the last object in which its key was read: duplicates */
    Py_ssize_t count, cap;
    TextEdge *edges;
    int *table;             /* open addressing over edges: index + 1, 0 empty */
    unsigned mask;
    PyObject **recent;      /* VALUE_CACHE ASCII strs last read here (strong), or NULL */
};

/* Most paths take few distinct values (a source, a status, a region): the strs last read
 * at a node are kept and handed out again for the same bytes, with their hash already
 * computed, rather than built, hashed and freed for every event. */
#define VALUE_CACHE 16

static uint64_t text_stamp = 0;
static PyObject *py_loads;  /* orjson.loads */

typedef struct {
    PyObject_HEAD
    PyObject *root;         /* the matcher's root Node */
    PyObject *specs;        /* dict: path -> PathSpec (the paths conditions test) */
    char dirty;             /* set by the matcher on every change: rebuild before use */
    TextNode *tree;
    Py_ssize_t nslots;
    PyObject **slot_steps;  /* PathSpec.steps of each slot (strong): a condition's key */
    int *steps_table;       /* open addressing over slot_steps by address: slot + 1 */
    size_t steps_mask;
    int busy;               /* a read or a build is under way (another thread may run
                             * while it allocates): the tree is neither rebuilt nor shared */
} TextMatcherObject;

static inline unsigned key_hash(const unsigned char *k, Py_ssize_t n) {
    unsigned h = (unsigned)n * 0x9E3779B1u;
    if (n) h ^= k[0] * 0x85EBCA6Bu ^ k[n - 1] * 0xC2B2AE35u ^ k[n / 2] * 0x27D4EB2Fu;
    return h ^ (h >> 15);
}

static void text_node_free(TextNode *node) {
    if (node == NULL) return;
    for (Py_ssize_t i = 0; i < node->count; i++) {
        Py_XDECREF(node->edges[i].key);
        text_node_free(node->edges[i].child);
    }
    Py_XDECREF((PyObject *)node->anchor);
    if (node->recent != NULL) {
        for (int i = 0; i < VALUE_CACHE; i++) Py_XDECREF(node->recent[i]);
        PyMem_Free(node->recent);
    }
    PyMem_Free(node->edges);
    PyMem_Free(node->table);
    PyMem_Free(node);
}

static TextNode *text_node_new(NodeObject *anchor) {
    TextNode *node = PyMem_Calloc(1, sizeof(TextNode));
    if (node == NULL) return (TextNode *)PyErr_NoMemory();
    node->slot = -1;
    node->anchor = (NodeObject *)Py_XNewRef((PyObject *)anchor);
    return node;
}

static TextNode *text_edge_find(TextNode *node, const unsigned char *k, Py_ssize_t n) {
    if (node->table == NULL) {  /* not finished yet (while building): a linear search */
        for (Py_ssize_t i = 0; i < node->count; i++) {
            TextEdge *e = &node->edges[i];
            if (e->size == n && memcmp(e->bytes, k, (size_t)n) == 0) return e->child;
        }
        return NULL;
    }
    for (unsigned i = key_hash(k, n) & node->mask;; i = (i + 1) & node->mask) {
        int at = node->table[i];
        if (at == 0) return NULL;
        TextEdge *e = &node->edges[at - 1];
        if (e->size != n) continue;
        Py_ssize_t j = 0;
        while (j < n && e->bytes[j] == (char)k[j]) j++;
        if (j == n) return e->child;
    }
}

/* The child of ``node`` under the str ``key``, created when missing. NULL with an error
 * set, or NULL without one for a key no UTF-8 text can spell (lone surrogates). */
static TextNode *text_edge_add(TextNode *node, PyObject *key, NodeObject *anchor) {
    Py_ssize_t n;
    const char *bytes = PyUnicode_AsUTF8AndSize(key, &n);
    if (bytes == NULL) {
        PyErr_Clear();
        return NULL;
    }
    TextNode *child = text_edge_find(node, (const unsigned char *)bytes, n);
    if (child != NULL) {
        if (anchor != NULL && child->anchor == NULL)
            child->anchor = (NodeObject *)Py_NewRef((PyObject *)anchor);
        return child;
    }
    if (node->count == node->cap) {
        Py_ssize_t cap = node->cap ? node->cap * 2 : 4;
        TextEdge *edges = PyMem_Realloc(node->edges, (size_t)cap * sizeof(TextEdge));
        if (edges == NULL) return (TextNode *)PyErr_NoMemory();
        node->edges = edges;
        node->cap = cap;
    }
    child = text_node_new(anchor);
    if (child == NULL) return NULL;
    TextEdge *e = &node->edges[node->count++];
    e->key = Py_NewRef(key);
    e->bytes = bytes;
    e->size = n;
    e->child = child;
    return child;
}

/* The index tree's nodes under ``anchor``, as text nodes under ``node``. */
static int text_add_anchors(TextNode *node, NodeObject *anchor, int depth) {
    if (!present(anchor->children) || !PyDict_Check(anchor->children)) return 0;
    if (depth > TEXT_MAX_DEPTH) return 0;  /* never reached by an event we read */
    Py_ssize_t pos = 0;
    PyObject *key, *child;
    while (PyDict_Next(anchor->children, &pos, &key, &child)) {
        if (!PyUnicode_CheckExact(key) || !PyObject_TypeCheck(child, &NodeType)) continue;
        TextNode *sub = text_edge_add(node, key, (NodeObject *)child);
        if (sub == NULL) {
            if (PyErr_Occurred()) return -1;
            continue;
        }
        if (text_add_anchors(sub, (NodeObject *)child, depth + 1) < 0) return -1;
    }
    return 0;
}

static int text_finish(TextNode *node) {
    if (node->count) {
        unsigned size = 8;
        while (size < (unsigned)node->count * 2) size *= 2;
        node->table = PyMem_Calloc(size, sizeof(int));
        if (node->table == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        node->mask = size - 1;
        for (Py_ssize_t i = 0; i < node->count; i++) {
            TextEdge *e = &node->edges[i];
            unsigned j = key_hash((const unsigned char *)e->bytes, e->size) & node->mask;
            while (node->table[j]) j = (j + 1) & node->mask;
            node->table[j] = (int)i + 1;
        }
    }
    for (Py_ssize_t i = 0; i < node->count; i++)
        if (text_finish(node->edges[i].child) < 0) return -1;
    return 0;
}

static inline size_t steps_index(PyObject *steps, size_t mask) {
    uint64_t x = (uint64_t)(uintptr_t)steps;
    return (size_t)(((x >> 4) * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

static void text_matcher_drop(TextMatcherObject *tm) {
    text_node_free(tm->tree);
    tm->tree = NULL;
    for (Py_ssize_t i = 0; i < tm->nslots; i++) Py_XDECREF(tm->slot_steps[i]);
    PyMem_Free(tm->slot_steps);
    PyMem_Free(tm->steps_table);
    tm->slot_steps = NULL;
    tm->steps_table = NULL;
    tm->nslots = 0;
}

/* The text tree: the index tree's paths, and every path a condition tests (its slot). */
static int text_matcher_build(TextMatcherObject *tm) {
    text_matcher_drop(tm);
    if (!PyObject_TypeCheck(tm->root, &NodeType) || !PyDict_Check(tm->specs)) {
        PyErr_SetString(PyExc_TypeError, "TextMatcher(root: Node, specs: dict)");
        return -1;
    }
    TextNode *tree = text_node_new((NodeObject *)tm->root);
    if (tree == NULL) return -1;
    tm->tree = tree;
    if (text_add_anchors(tree, (NodeObject *)tm->root, 0) < 0) return -1;
    Py_ssize_t n = PyDict_GET_SIZE(tm->specs);
    tm->slot_steps = PyMem_Calloc((size_t)n + 1, sizeof(PyObject *));
    size_t size = 8;
    while (size < (size_t)n * 2) size *= 2;
    tm->steps_table = PyMem_Calloc(size, sizeof(int));
    if (tm->slot_steps == NULL || tm->steps_table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    tm->steps_mask = size - 1;
    Py_ssize_t pos = 0;
    PyObject *path, *spec;
    while (PyDict_Next(tm->specs, &pos, &path, &spec)) {
        PyObject *steps = PyObject_GetAttrString(spec, "steps");
        PyObject *reachable = steps ? PyObject_GetAttrString(spec, "reachable") : NULL;
        int ok = reachable ? PyObject_IsTrue(reachable) : -1;
        Py_XDECREF(reachable);
        if (ok < 0 || !PyTuple_Check(path)) {
            Py_XDECREF(steps);
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "path specs keyed by tuples");
            return -1;
        }
        if (!ok || PyTuple_GET_SIZE(path) == 0 || PyTuple_GET_SIZE(path) > TEXT_MAX_DEPTH) {
            Py_DECREF(steps);  /* never found in an event: the condition decides alone */
            continue;
        }
        TextNode *node = tree;
        for (Py_ssize_t i = 0; node != NULL && i < PyTuple_GET_SIZE(path); i++) {
            PyObject *part = PyTuple_GET_ITEM(path, i);
            node = PyUnicode_CheckExact(part) ? text_edge_add(node, part, NULL) : NULL;
        }
        if (node == NULL) {
            Py_DECREF(steps);
            if (PyErr_Occurred()) return -1;
            continue;  /* a part no text spells: no event has a value there */
        }
        Py_ssize_t slot = tm->nslots++;
        node->slot = (int)slot;
        tm->slot_steps[slot] = steps;  /* the reference is kept */
        size_t j = steps_index(steps, tm->steps_mask);
        while (tm->steps_table[j]) j = (j + 1) & tm->steps_mask;
        tm->steps_table[j] = (int)slot + 1;
    }
    if (text_finish(tree) < 0) return -1;
    tm->dirty = 0;
    return 0;
}

/* The slot of a condition's path (by its PathSpec.steps), or -1. */
static int steps_slot(TextMatcherObject *tm, PyObject *steps) {
    for (size_t j = steps_index(steps, tm->steps_mask);; j = (j + 1) & tm->steps_mask) {
        int at = tm->steps_table[j];
        if (at == 0) return -1;
        if (tm->slot_steps[at - 1] == steps) return at - 1;
    }
}

/* The values read at each slot's path, in one array of linked entries. */
#define TEXT_INLINE 64
typedef struct {
    PyObject *value;  /* strong: a raw value (str, float or atom) */
    int next;         /* the previous value of the same slot, or -1 */
} TextValue;

typedef struct TextValues {
    TextMatcherObject *tm;
    int *heads;       /* per slot: its last value, or -1 */
    TextValue *items;
    int count, cap;
    int inline_heads[TEXT_INLINE];
    TextValue inline_items[TEXT_INLINE];
} TextValues;

static int text_values_init(TextValues *v, TextMatcherObject *tm) {
    v->tm = tm;
    v->count = 0;
    v->cap = TEXT_INLINE;
    v->items = v->inline_items;
    v->heads = v->inline_heads;
    if (tm->nslots > TEXT_INLINE) {
        v->heads = PyMem_Malloc((size_t)tm->nslots * sizeof(int));
        if (v->heads == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    memset(v->heads, 0xff, (size_t)(tm->nslots ? tm->nslots : 1) * sizeof(int));
    return 0;
}

static void text_values_free(TextValues *v) {
    for (int i = 0; i < v->count; i++) Py_DECREF(v->items[i].value);
    if (v->items != v->inline_items) PyMem_Free(v->items);
    if (v->heads != v->inline_heads) PyMem_Free(v->heads);
}

static int text_values_add(TextValues *v, int slot, PyObject *value) {
    if (v->count == v->cap) {
        int cap = v->cap * 2;
        TextValue *items = PyMem_Malloc((size_t)cap * sizeof(TextValue));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(items, v->items, (size_t)v->count * sizeof(TextValue));
        if (v->items != v->inline_items) PyMem_Free(v->items);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->count].value = Py_NewRef(value);
    v->items[v->count].next = v->heads[slot];
    v->heads[slot] = v->count++;
    return 0;
}

/* Condition.holds(PathSpec.fetch(event)) on the values read from the text. */
static int evaluate_text(Match *m, PyObject *cond) {
    ConditionObject *c = (ConditionObject *)cond;
    if (!well_formed(c)) {
        PyErr_SetString(PyExc_TypeError, "condition without its compiled fields");
        return -1;
    }
    if (c->steps == Py_None) return c->negative;  /* no event has a value there */
    int slot = steps_slot(m->text->tm, c->steps);
    if (slot < 0) return c->negative;  /* a part no UTF-8 text spells */
    int found = 0;
    for (int i = m->text->heads[slot]; i >= 0; i = m->text->items[i].next) {
        found = 1;
        if (c->any_leaf) return 1;
        int rc = holds_for(c, m->text->items[i].value);
        if (rc) return rc;
    }
    return found ? 0 : c->negative;
}

/* -- the reader ------------------------------------------------------------------------ */

typedef struct {
    const unsigned char *p, *end;
    Match *m;
    TextValues *values;
    int depth;
} Reader;

#define STR_NONASCII 1
#define STR_ESCAPED 2

static inline void skip_ws(Reader *r) {
    const unsigned char *p = r->p, *end = r->end;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    r->p = p;
}

static inline int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One UTF-8 sequence starting with a byte >= 0x80, as a strict decoder takes it (no
 * overlong forms, no surrogates, nothing past U+10FFFF): its length, or 0. */
static inline int utf8_sequence(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    Py_ssize_t left = end - p;
    if (c >= 0xC2 && c <= 0xDF) return left >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;  /* overlong */
        if (c == 0xED && p[1] > 0x9F) return 0;  /* a surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;  /* overlong */
        if (c == 0xF4 && p[1] > 0x8F) return 0;  /* past U+10FFFF */
        return 4;
    }
    return 0;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* The high bit of each zero byte of ``v`` (exactly: no borrow spills into other bytes). */
static inline uint64_t zero_bytes(uint64_t v) {
    return ~(((v & ~HIGHS) + ~HIGHS) | v) & HIGHS;
}

/* The index of the first byte (in memory order) flagged in ``mask`` (not 0). */
static inline int first_byte(uint64_t mask) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_clzll(mask) >> 3;
#else
    return __builtin_ctzll(mask) >> 3;
#endif
}

/* A string at r->p (the opening quote): its bytes between the quotes, and whether it has
 * non-ASCII text or escapes. 0, or BAIL for anything orjson might read otherwise. */
static int read_string(Reader *r, const unsigned char **start, Py_ssize_t *size, int *flags) {
    const unsigned char *p = r->p + 1, *end = r->end;
    int f = 0;
    *start = p;
    for (;;) {
        while (end - p >= 8) {  /* eight characters at a time, to the first that is special */
            uint64_t v, special;
            memcpy(&v, p, 8);
            special = zero_bytes(v ^ (ONES * '"')) | zero_bytes(v ^ (ONES * '\\')) |
                      zero_bytes(v & (ONES * 0xE0)) | (v & HIGHS);
            if (special) {
                p += first_byte(special);
                break;
            }
            p += 8;
        }
        if (p >= end) return BAIL;  /* unterminated */
        unsigned char c = *p;
        if (c == '"') break;
        if (c == '\\') {
            f |= STR_ESCAPED;
            if (end - p < 2) return BAIL;
            c = p[1];
            if (c == 'u') {
                if (end - p < 6) return BAIL;
                int code = 0;
                for (int k = 2; k < 6; k++) {
                    int d = hex_digit(p[k]);
                    if (d < 0) return BAIL;
                    code = code * 16 + d;
                }
                if (code >= 0xD800 && code <= 0xDFFF) return BAIL;  /* pairs: orjson decides */
                p += 6;
            } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                       c == 'r' || c == 't') {
                p += 2;
            } else {
                return BAIL;
            }
        } else if (c < 0x20) {
            return BAIL;  /* a control character */
        } else if (c >= 0x80) {
            int n = utf8_sequence(p, end);
            if (n == 0) return BAIL;
            f |= STR_NONASCII;
            p += n;
        } else {
            p++;
        }
    }
    *size = p - *start;
    *flags = f;
    r->p = p + 1;
    return 0;
}

/* A str of the bytes of a string read by read_string (``flags`` from it). */
static PyObject *text_str(const unsigned char *start, Py_ssize_t size, int flags) {
    if (flags & STR_ESCAPED) {
        /* short escapes and \\uXXXX outside the surrogates (read_string let no other pass) */
        char stack[256] = {0};
        char *buf = size <= (Py_ssize_t)sizeof(stack) ? stack : PyMem_Malloc((size_t)size);
        if (buf == NULL) return PyErr_NoMemory();
        Py_ssize_t n = 0;
        for (Py_ssize_t i = 0; i < size;) {
            unsigned char c = start[i];
            if (c != '\\') {
                buf[n++] = (char)c;
                i++;
                continue;
            }
            c = start[i + 1];
            if (c == 'u') {
                int code = 0;
                for (int k = 2; k < 6; k++) code = code * 16 + hex_digit(start[i + k]);
                if (code < 0x80) {
                    buf[n++] = (char)code;
                } else if (code < 0x800) {
                    buf[n++] = (char)(0xC0 | (code >> 6));
                    buf[n++] = (char)(0x80 | (code & 0x3F));
                } else {
                    buf[n++] = (char)(0xE0 | (code >> 12));
                    buf[n++] = (char)(0x80 | ((code >> 6) & 0x3F));
                    buf[n++] = (char)(0x80 | (code & 0x3F));
                }
                i += 6;
                continue;
            }
            buf[n++] = c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'n' ? '\n' : c == 'r' ? '\r'
                     : c == 't' ? '\t' : (char)c;  /* " \\ / stand for themselves */
            i += 2;
        }
        PyObject *out = PyUnicode_DecodeUTF8(buf, n, "strict");
        if (buf != stack) PyMem_Free(buf);
        return out;
    }
    if (flags & STR_NONASCII) return PyUnicode_DecodeUTF8((const char *)start, size, "strict");
    PyObject *out = PyUnicode_New(size, 127);
    if (out != NULL) memcpy(PyUnicode_1BYTE_DATA(out), start, (size_t)size);
    return out;
}

/* A number at r->p, checked as JSON's grammar has it; its value in ``*out`` when
 * ``want``. BAIL where orjson reads it otherwise (big integers) or refuses it. */
static int read_number(Reader *r, int want, double *out) {
    const unsigned char *p = r->p, *end = r->end, *start = p;
    int negative = 0, fraction = 0, exponent = 0;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    if (p >= end) return BAIL;
    const unsigned char *digits = p;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') p++;
    } else {
        return BAIL;
    }
    Py_ssize_t int_digits = p - digits;
    if (p < end && *p == '.') {
        fraction = 1;
        p++;
        const unsigned char *first = p;
        while (p < end && *p >= '0' && *p <= '9') p++;
        if (p == first) return BAIL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        exponent = 1;
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        const unsigned char *first = p;
        while (p < end && *p >= '0' && *p <= '9') p++;
        if (p == first) return BAIL;
    }
    r->p = p;
    if (!fraction && !exponent) {
        if (int_digits > 18) return BAIL;  /* past 64 bits orjson makes floats its own way */
        if (want) {
            int64_t v = 0;
            for (const unsigned char *d = digits; d < p; d++) v = v * 10 + (*d - '0');
            *out = (double)(negative ? -v : v);  /* "-0" is the int 0, as orjson reads it */
        }
        return 0;
    }
    if (!want && !exponent && int_digits <= 18) return 0;  /* cannot overflow */
    char stack[64];
    Py_ssize_t size = p - start;
    if (size >= (Py_ssize_t)sizeof(stack)) return BAIL;
    memcpy(stack, start, (size_t)size);
    stack[size] = '\0';
    char *stop;
    double x = PyOS_string_to_double(stack, &stop, NULL);
    if (x == -1.0 && PyErr_Occurred()) return -1;
    if (stop != stack + size || isinf(x)) return BAIL;  /* orjson refuses infinity */
    *out = x;
    return 0;
}

static int read_value(Reader *r, TextNode *node);

/* An object (r->p just past its '{'): members under ``node``'s edges are read, the
 * others checked and skipped. */
static int read_object(Reader *r, TextNode *node) {
    int walk = node != NULL && node->count > 0;
    uint64_t stamp = ++text_stamp;
    skip_ws(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return 0;
    }
    for (;;) {
        if (r->p >= r->end || *r->p != '"') return BAIL;
        const unsigned char *key;
        Py_ssize_t size;
        int flags, rc;
        if ((rc = read_string(r, &key, &size, &flags)) != 0) return rc;
        TextNode *child = NULL;
        if (walk) {
            /* an escaped key may spell a path's key, a dotted one is a path itself */
            if (flags & STR_ESCAPED) return BAIL;
            child = text_edge_find(node, key, size);
            if (child != NULL) {  /* (the tree's keys have no dot) */
                if (child->stamp == stamp) return BAIL;  /* a duplicate: the last one wins */
                child->stamp = stamp;
            } else {
                for (Py_ssize_t k = 0; k < size; k++)
                    if (key[k] == '.') return BAIL;
            }
        }
        skip_ws(r);
        if (r->p >= r->end || *r->p != ':') return BAIL;
        r->p++;
        skip_ws(r);
        if ((rc = read_value(r, child)) != 0) return rc;
        skip_ws(r);
        if (r->p >= r->end) return BAIL;
        if (*r->p == ',') {
            r->p++;
            skip_ws(r);
            continue;
        }
        if (*r->p == '}') {
            r->p++;
            return 0;
        }
        return BAIL;
    }
}

/* A leaf read at ``node``: probed in its index node, kept for its slot. */
static int text_leaf(Reader *r, TextNode *node, PyObject *item, PyObject *raw, int is_str) {
    NodeObject *anchor = node->anchor;
    if (anchor != NULL) {
        int rc = is_str ? probe_string(r->m, anchor, item) : probe_other(r->m, anchor, item);
        if (rc < 0) return -1;
    }
    if (node->slot >= 0) return text_values_add(r->values, node->slot, raw);
    return 0;
}

static inline int wants_leaf(TextNode *node) {
    if (node == NULL) return 0;
    if (node->slot >= 0) return 1;
    NodeObject *a = node->anchor;
    return a != NULL && (present(a->exact) || a->strings || a->others);
}

/* Any value at r->p (whitespace skipped), read under ``node`` (NULL: checked, skipped). */
static int read_value(Reader *r, TextNode *node) {
    if (r->p >= r->end) return BAIL;
    unsigned char c = *r->p;
    int rc;
    if (c == '"') {
        const unsigned char *start;
        Py_ssize_t size;
        int flags;
        if ((rc = read_string(r, &start, &size, &flags)) != 0) return rc;
        if (!wants_leaf(node)) return 0;
        PyObject *text;
        if (flags == 0 && size <= 64) {  /* plain ASCII: the node's recent values first */
            if (node->recent == NULL) {
                node->recent = PyMem_Calloc(VALUE_CACHE, sizeof(PyObject *));
                if (node->recent == NULL) return PyErr_NoMemory(), -1;
            }
            PyObject **slot = &node->recent[key_hash(start, size) & (VALUE_CACHE - 1)];
            text = *slot;
            if (text != NULL && PyUnicode_GET_LENGTH(text) == size &&
                memcmp(PyUnicode_1BYTE_DATA(text), start, (size_t)size) == 0) {
                Py_INCREF(text);
            } else {
                text = text_str(start, size, flags);
                if (text == NULL) return -1;
                Py_XSETREF(*slot, Py_NewRef(text));
            }
        } else {
            text = text_str(start, size, flags);
            if (text == NULL) return -1;
        }
        rc = text_leaf(r, node, text, text, 1);
        Py_DECREF(text);
        return rc;
    }
    if (c == '{' || c == '[') {
        if (++r->depth > TEXT_MAX_DEPTH) return BAIL;
        r->p++;
        if (c == '{') {
            rc = read_object(r, node);
        } else {
            skip_ws(r);
            rc = 0;
            if (r->p < r->end && *r->p == ']') {
                r->p++;
            } else {
                /* arrays, arrays of objects included, are crushed into their parent path */
                for (;;) {
                    if ((rc = read_value(r, node)) != 0) break;
                    skip_ws(r);
                    if (r->p >= r->end) {
                        rc = BAIL;
                        break;
                    }
                    if (*r->p == ',') {
                        r->p++;
                        skip_ws(r);
                        continue;
                    }
                    if (*r->p == ']') r->p++;
                    else rc = BAIL;
                    break;
                }
            }
        }
        r->depth--;
        return rc;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        int want = wants_leaf(node);
        double x = 0.0;
        if ((rc = read_number(r, want, &x)) != 0 || !want) return rc;
        PyObject *number = PyFloat_FromDouble(x);
        if (number == NULL) return -1;
        rc = text_leaf(r, node, number, number, 0);
        Py_DECREF(number);
        return rc;
    }
    PyObject *item, *raw;
    Py_ssize_t left = r->end - r->p;
    if (c == 't' && left >= 4 && memcmp(r->p, "true", 4) == 0) {
        r->p += 4;
        item = Py_True;
        raw = atom_true;
    } else if (c == 'f' && left >= 5 && memcmp(r->p, "false", 5) == 0) {
        r->p += 5;
        item = Py_False;
        raw = atom_false;
    } else if (c == 'n' && left >= 4 && memcmp(r->p, "null", 4) == 0) {
        r->p += 4;
        item = Py_None;
        raw = atom_null;
    } else {
        return BAIL;
    }
    return wants_leaf(node) ? text_leaf(r, node, item, raw, 0) : 0;
}

/* The match of a parsed event (``match`` below, without its argument checks). */
static PyObject *match_parsed(NodeObject *root, PyObject *event) {
    Match m;
    table_init(&m.hits);
    m.memo.used = 0;
    m.evaluate = py_evaluate;
    m.subject = event;
    m.native = 1;
    m.text = NULL;
    PyObject *result = NULL;
    if (walk_event(&m, root, event) == 0) {
        if (m.hits.used == 0) {
            result = PySet_New(NULL);
        } else {
            table_init(&m.memo);
            result = resolve_hits(&m);
            table_free(&m.memo);
        }
    }
    table_free(&m.hits);
    return result;
}

/* The match read from ``text`` itself: a set, NULL on error, or Py_None (a new
 * reference) when the parsed event must decide. */
static PyObject *match_text(TextMatcherObject *tm, const unsigned char *text, Py_ssize_t size) {
    TextValues values;
    if (text_values_init(&values, tm) < 0) return NULL;
    Match m;
    table_init(&m.hits);
    m.memo.used = 0;  /* initialised only when there is something to resolve */
    m.evaluate = py_evaluate;
    m.subject = Py_None;
    m.native = 0;
    m.text = &values;
    Reader r = {text, text + size, &m, &values, 0};
    PyObject *result = NULL;
    skip_ws(&r);
    int rc = r.p < r.end && *r.p == '{' ? read_value(&r, tm->tree) : BAIL;
    if (rc == 0) {
        skip_ws(&r);
        if (r.p != r.end) rc = BAIL;  /* content after the document */
    }
    if (rc == 0) {
        if (m.hits.used == 0) {
            result = PySet_New(NULL);
        } else {
            table_init(&m.memo);
            result = resolve_hits(&m);
            table_free(&m.memo);
        }
    } else if (rc == BAIL) {
        result = Py_NewRef(Py_None);
    }
    table_free(&m.hits);
    text_values_free(&values);
    return result;
}

/* TextMatcher.match(text): the ids of the rules the JSON ``text`` matches. */
static PyObject *TextMatcher_match(PyObject *self, PyObject *text) {
    TextMatcherObject *tm = (TextMatcherObject *)self;
    if (!configured()) return NULL;
    if (tm->busy) goto parsed;  /* the tree and its per-node marks are in use */
    if (tm->dirty || tm->tree == NULL) {
        tm->busy = 1;
        int rc = text_matcher_build(tm);
        tm->busy = 0;
        if (rc < 0) {
            text_matcher_drop(tm);
            return NULL;
        }
    }
    const char *bytes = NULL;
    Py_ssize_t size = 0;
    if (PyBytes_CheckExact(text)) {
        bytes = PyBytes_AS_STRING(text);
        size = PyBytes_GET_SIZE(text);
    } else if (PyUnicode_CheckExact(text)) {
        bytes = PyUnicode_AsUTF8AndSize(text, &size);
        if (bytes == NULL) PyErr_Clear();  /* lone surrogates: orjson words the error */
    }
    if (bytes != NULL) {
        Py_INCREF(text);
        tm->busy = 1;
        PyObject *found = match_text(tm, (const unsigned char *)bytes, size);
        tm->busy = 0;
        Py_DECREF(text);
        if (found != Py_None) return found;
        Py_DECREF(found);
    }
parsed:  /* what the reader handed back: the parsed event decides */
    ;
    PyObject *event = PyObject_CallOneArg(py_loads, text);
    if (event == NULL) return NULL;
    PyObject *root = Py_NewRef(tm->root);
    PyObject *result = match_parsed((NodeObject *)root, event);
    Py_DECREF(root);
    Py_DECREF(event);
    return result;
}

static int TextMatcher_traverse(PyObject *self, visitproc visit, void *arg) {
    Py_VISIT(((TextMatcherObject *)self)->root);
    Py_VISIT(((TextMatcherObject *)self)->specs);
    return 0;
}

static int TextMatcher_clear(PyObject *self) {
    TextMatcherObject *tm = (TextMatcherObject *)self;
    text_matcher_drop(tm);
    Py_CLEAR(tm->root);
    Py_CLEAR(tm->specs);
    return 0;
}

static void TextMatcher_dealloc(PyObject *self) {
    PyObject_GC_UnTrack(self);
    TextMatcher_clear(self);
    Py_TYPE(self)->tp_free(self);
}

static int TextMatcher_init(PyObject *self, PyObject *args, PyObject *kwargs) {
    TextMatcherObject *tm = (TextMatcherObject *)self;
    PyObject *root, *specs;
    if (!PyArg_ParseTuple(args, "O!O!:TextMatcher", &NodeType, &root, &PyDict_Type, &specs))
        return -1;
    text_matcher_drop(tm);
    Py_XSETREF(tm->root, Py_NewRef(root));
    Py_XSETREF(tm->specs, Py_NewRef(specs));
    tm->dirty = 1;
    return 0;
}

static PyMemberDef text_matcher_members[] = {
    {"root", T_OBJECT_EX, offsetof(TextMatcherObject, root), READONLY, NULL},
    {"specs", T_OBJECT_EX, offsetof(TextMatcherObject, specs), READONLY, NULL},
    {"dirty", T_BOOL, offsetof(TextMatcherObject, dirty), 0,
     "set after any change to the rules: the text tree is rebuilt before the next match"},
    {NULL}};

static PyMethodDef text_matcher_methods[] = {
    {"match", TextMatcher_match, METH_O,
     "match(text) -> the ids of the rules the JSON text (bytes or str) matches: what\n"
     "match(root, orjson.loads(text)) gives, its errors included."},
    {NULL}};

static PyTypeObject TextMatcherType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "eventyard.core.patterns._native.TextMatcher",
    .tp_basicsize = sizeof(TextMatcherObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "TextMatcher(root, specs): a matcher's rules applied to JSON text.",
    .tp_traverse = TextMatcher_traverse,
    .tp_clear = TextMatcher_clear,
    .tp_dealloc = TextMatcher_dealloc,
    .tp_members = text_matcher_members,
    .tp_methods = text_matcher_methods,
    .tp_init = TextMatcher_init,
    .tp_new = PyType_GenericNew,
};

/* ------------------------------------------------------------------------------------ */
/* Module                                                                                */
/* ------------------------------------------------------------------------------------ */

static PyObject *configure(PyObject *module, PyObject *args) {
    PyObject *take, *descend, *evaluate, *t, *f, *n, *loads;
    if (!PyArg_ParseTuple(args, "OOOOOOO:configure", &take, &descend, &evaluate, &t, &f, &n, &loads))
        return NULL;
    Py_XSETREF(py_loads, Py_NewRef(loads));
    Py_XSETREF(py_take, Py_NewRef(take));
    Py_XSETREF(py_descend, Py_NewRef(descend));
    Py_XSETREF(py_evaluate, Py_NewRef(evaluate));
    Py_XSETREF(atom_true, Py_NewRef(t));
    Py_XSETREF(atom_false, Py_NewRef(f));
    Py_XSETREF(atom_null, Py_NewRef(n));
    Py_RETURN_NONE;
}

static PyObject *changed(PyObject *module, PyObject *unused) {
    generation++;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"changed", changed, METH_NOARGS,
     "changed(): the prefix tree of some matcher changed (a child added or removed)."},
    {"configure", configure, METH_VARARGS,
     "configure(take, descend, evaluate, true, false, null, loads): the Python helpers and atoms."},
    {"match", (PyCFunction)(void (*)(void))match, METH_FASTCALL,
     "match(root, event) -> set of the ids of the rules anchored under root that the\n"
     "parsed event matches: walk, index probes, resolution and evaluation in one call."},
    {"resolve", (PyCFunction)(void (*)(void))resolve, METH_FASTCALL,
     "resolve(hits, evaluate, subject, native) -> set of rule ids matched through hits;\n"
     "conditions are evaluated here on a parsed event (native) or by evaluate(cond, subject)."},
    {NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_native",
    "The compiled rule matcher's whole match of one event, in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__native(void) {
    PyTypeObject *types[] = {&AffixesType, &BoundsType, &RangesType, &NodeType, &PostingType,
                             &GroupType, &ConditionType, &TextMatcherType};
    if (str_casefold == NULL) {
        str_casefold = PyObject_GetAttrString((PyObject *)&PyUnicode_Type, "casefold");
        if (str_casefold == NULL) return NULL;
    }
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
