//! Records as Python objects, built straight from the response text: the hot path.
//!
//! A serde visitor turns each record's JSON text into dicts, lists, strs, ints and floats as
//! `json.loads` would, with no tree in between. Dict keys come from a small cache, so that the
//! keys every record repeats are one `str` object each (less allocation, and their hash is
//! computed once). The results equal `json.loads`'s: where serde cannot give the exact value
//! (an integer beyond 64 bits or `-0` arrives as a float; a lone surrogate escape or `1e400`
//! is an error to serde), the record is built by `json.loads` from its text instead.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// Keys longer than this are not cached (they are rarely repeated).
const MAX_CACHED_KEY: usize = 64;
/// The most keys a cache holds; past it, new keys are built each time.
const MAX_CACHED_KEYS: usize = 4096;

/// FNV-1a: short keys hash faster than with SipHash, and a key cache needs no DoS resistance
/// (its size is capped).
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The `str` objects of the dict keys seen so far (one walk, or one body).
///
/// Records of one API have one shape: the i-th key met in a record is, almost always, the
/// i-th key met in the record before. That is checked first (a short compare), and the map
/// is asked only when the shape changes.
#[derive(Default)]
pub(crate) struct KeyCache {
    map: HashMap<Box<str>, Py<PyString>, BuildHasherDefault<Fnv>>,
    /// The keys of the last record, in the order they were met.
    recent: Vec<(Box<str>, Py<PyString>)>,
    /// How many keys of the current record have been met.
    position: usize,
}

/// The most keys per record the positional check remembers.
const MAX_RECENT_KEYS: usize = 256;

impl KeyCache {
    /// Starts a record: its keys are checked against the last record's, in order.
    fn start_record(&mut self) {
        self.position = 0;
    }

    fn key<'py>(&mut self, py: Python<'py>, key: &str) -> Bound<'py, PyString> {
        let position = self.position;
        self.position += 1;
        if let Some((k, s)) = self.recent.get(position)
            && **k == *key
        {
            return s.bind(py).clone();
        }
        if key.len() > MAX_CACHED_KEY {
            return PyString::new(py, key);
        }
        let s = match self.map.get(key) {
            Some(s) => s.bind(py).clone(),
            None => {
                let s = PyString::new(py, key);
                if self.map.len() < MAX_CACHED_KEYS {
                    self.map.insert(key.into(), s.clone().unbind());
                }
                s
            }
        };
        if position < self.recent.len() {
            self.recent[position] = (key.into(), s.clone().unbind());
        } else if position == self.recent.len() && position < MAX_RECENT_KEYS {
            self.recent.push((key.into(), s.clone().unbind()));
        }
        s
    }
}

/// Builds one JSON value. `inexact` is set when a number came as a float that may have been
/// an integer literal too large for 64 bits (serde gives those as floats).
struct Build<'a, 'py> {
    py: Python<'py>,
    keys: &'a mut KeyCache,
    inexact: &'a mut bool,
}

/// A Python error inside the visitor, carried out through serde's error.
fn py_error<E: de::Error>(e: &PyErr) -> E {
    E::custom(format_args!("python: {e}"))
}

impl<'de, 'py> DeserializeSeed<'de> for Build<'_, 'py> {
    type Value = Bound<'py, PyAny>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for Build<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let Ok(int) = v.into_pyobject(self.py);
        Ok(int.into_any())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let Ok(int) = v.into_pyobject(self.py);
        Ok(int.into_any())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // An integer literal beyond u64/i64 comes here rounded, and `-0` as -0.0; so may a
        // float literal with the same value. Let json.loads tell them apart.
        if v.fract() == 0.0 && (v.abs() >= 9.2e18 || (v == 0.0 && v.is_sign_negative())) {
            *self.inexact = true;
        }
        Ok(PyFloat::new(self.py, v).into_any())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.py, v).into_any())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let Build { py, keys, inexact } = self;
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(Build {
            py,
            keys: &mut *keys,
            inexact: &mut *inexact,
        })? {
            items.push(item);
        }
        Ok(PyList::new(py, items).map_err(|e| py_error(&e))?.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Build { py, keys, inexact } = self;
        let dict = PyDict::new(py);
        while let Some(key) = map.next_key_seed(Key {
            py,
            keys: &mut *keys,
        })? {
            let value = map.next_value_seed(Build {
                py,
                keys: &mut *keys,
                inexact: &mut *inexact,
            })?;
            dict.set_item(key, value).map_err(|e| py_error(&e))?;
        }
        Ok(dict.into_any())
    }
}

/// A dict key, through the cache.
struct Key<'a, 'py> {
    py: Python<'py>,
    keys: &'a mut KeyCache,
}

impl<'de, 'py> DeserializeSeed<'de> for Key<'_, 'py> {
    type Value = Bound<'py, PyString>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for Key<'_, 'py> {
    type Value = Bound<'py, PyString>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.keys.key(self.py, v))
    }
}

static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `json.loads(text)`: the reference the fast path must equal, and its fallback.
fn json_loads<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let loads = JSON_LOADS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("json")?.getattr("loads")?.unbind())
    })?;
    // json.loads takes bytes and detects their encoding, as requests' Response.json() does.
    loads.bind(py).call1((pyo3::types::PyBytes::new(py, text),))
}

/// One JSON text as Python objects, equal to what `json.loads` gives (and raising its
/// `JSONDecodeError` when the text is not JSON).
pub(crate) fn json_to_py<'py>(
    py: Python<'py>,
    text: &[u8],
    keys: &mut KeyCache,
) -> PyResult<Bound<'py, PyAny>> {
    let mut inexact = false;
    keys.start_record();
    let mut de = serde_json::Deserializer::from_slice(text);
    let built = Build {
        py,
        keys,
        inexact: &mut inexact,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match built {
        Ok(v) if !inexact => Ok(v),
        _ => json_loads(py, text),
    }
}

/// The records of a page (each record's JSON text) as a Python list.
pub(crate) fn records_to_py<'a, 'py>(
    py: Python<'py>,
    records: impl ExactSizeIterator<Item = &'a [u8]>,
    keys: &mut KeyCache,
) -> PyResult<Bound<'py, PyList>> {
    let mut items = Vec::with_capacity(records.len());
    for text in records {
        items.push(json_to_py(py, text, keys)?);
    }
    PyList::new(py, items)
}
