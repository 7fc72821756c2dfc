//! Objects only where the format has objects: the adapter every entry body is
//! deserialized through.
//!
//! serde's derived `Deserialize` for a struct accepts a JSON array as well as an
//! object (the fields by position, `null` for an absent optional one), so a
//! citation written `["s1"]` would read as `{"source":"s1"}`. docs/FORMAT.md
//! section 5 and the schemas say object, and a reader following them refuses
//! such a line; two readers must never disagree on which lines are valid.
//!
//! `Strict` wraps any serde `Deserializer` and passes every request through,
//! wrapping in turn every nested deserializer it hands out (elements, member
//! values, `Some`, newtypes, enum variants). When the type being read asks for
//! a struct (`deserialize_struct`, or a struct variant) and the input is an
//! array, it refuses with the member path: `body.citations[0]: expected an
//! object, found an array`.
//!
//! Why an adapter rather than a check per type or a pre-pass over the JSON
//! value: the check sits where serde itself says "a struct is wanted here", so
//! it covers every struct at every depth, including one added later, with no
//! list of shapes to keep in step with the types; and it works the same on
//! both ways a body is read (from a parsed [`serde_json::Value`] on the slow
//! path and in `import`, and straight from canonical text on verify's fast
//! path), because both go through [`from_value`] or [`from_str_unexplained`]
//! ([`crate::entry::Body::from_value`] and `from_canonical_str`). The fast
//! path makes the same decisions without following member paths, which only
//! a refusal's message needs: a refused line goes to the slow path, which
//! explains it.

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use std::cell::RefCell;
use std::fmt;

/// Where a value is within the body, for messages: `body.citations[0]`.
#[derive(Clone, Copy)]
enum Path<'a> {
    /// The outermost value, named by `root` (and where a refusal is noted).
    Root {
        name: &'a str,
        refused: &'a RefCell<Option<String>>,
    },
    Member(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// Notes the refusal at the root, so the caller can report it in its own
    /// words (the error a deserializer carries may have a position appended).
    fn refuse(&self, message: String) {
        let mut p = self;
        loop {
            match p {
                Path::Root { refused, .. } => {
                    refused.borrow_mut().get_or_insert(message);
                    return;
                }
                Path::Member(parent, _) | Path::Index(parent, _) => p = parent,
            }
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root { name, .. } => f.write_str(name),
            Path::Member(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Why a value did not read as the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// An array where the type has a struct, with its path:
    /// `body.citations[0]: expected an object, found an array`.
    Array(String),
    /// Any other mismatch, in serde's words (`unknown field ...`).
    Other(String),
}

impl Mismatch {
    fn of(refused: &RefCell<Option<String>>, e: impl fmt::Display) -> Mismatch {
        match refused.take() {
            Some(m) => Mismatch::Array(m),
            None => Mismatch::Other(e.to_string()),
        }
    }
}

/// Reads a `T` from a parsed JSON value, refusing an array wherever `T` (at
/// any depth) has a struct. `root` names the value in messages (`body`).
pub fn from_value<'de, T: Deserialize<'de>>(
    root: &str,
    value: &'de serde_json::Value,
) -> Result<T, Mismatch> {
    let refused = RefCell::new(None);
    let path = Path::Root {
        name: root,
        refused: &refused,
    };
    T::deserialize(Strict::<_, true> { de: value, path }).map_err(|e| Mismatch::of(&refused, e))
}

/// [`from_value`] for JSON text (the whole text must be one value).
pub fn from_str<'de, T: Deserialize<'de>>(root: &str, text: &'de str) -> Result<T, Mismatch> {
    text_with_path::<T, true>(root, text)
}

/// [`from_str`] without the path in a refusal's message (it says only
/// `root`): the same decisions with less work per member, for verify's fast
/// path, which explains nothing and leaves a refusal to the slow path.
pub fn from_str_unexplained<'de, T: Deserialize<'de>>(text: &'de str) -> Option<T> {
    text_with_path::<T, false>("body", text).ok()
}

fn text_with_path<'de, T: Deserialize<'de>, const TRACK: bool>(
    root: &str,
    text: &'de str,
) -> Result<T, Mismatch> {
    let refused = RefCell::new(None);
    let path = Path::Root {
        name: root,
        refused: &refused,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    T::deserialize(Strict::<_, TRACK> { de: &mut de, path })
        .and_then(|t| de.end().map(|()| t))
        .map_err(|e| Mismatch::of(&refused, e))
}

/// A deserializer that refuses an array where a struct is wanted (see the
/// module docs). With `TRACK`, it follows the path of every value, for the
/// message; without, the path stays at the root.
struct Strict<'a, D, const TRACK: bool> {
    de: D,
    path: Path<'a>,
}

/// Forwards `deserialize_*` methods that take only a visitor.
macro_rules! forward {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method(Wrap::<_, TRACK>::new(visitor, self.path))
        }
    )*};
}

impl<'a, 'de, D: Deserializer<'de>, const TRACK: bool> Deserializer<'de> for Strict<'a, D, TRACK> {
    type Error = D::Error;

    forward! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_unit_struct(name, Wrap::<_, TRACK>::new(visitor, self.path))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_newtype_struct(name, Wrap::<_, TRACK>::new(visitor, self.path))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_tuple(len, Wrap::<_, TRACK>::new(visitor, self.path))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_tuple_struct(name, len, Wrap::<_, TRACK>::new(visitor, self.path))
    }

    /// The one place a struct is asked for: its visitor refuses an array.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_struct(
            name,
            fields,
            Wrap::<_, TRACK>::object(visitor, self.path, fields),
        )
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_enum(name, variants, Wrap::<_, TRACK>::new(visitor, self.path))
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

/// A visitor that wraps whatever it is handed; with `fields`, it stands for a
/// struct and refuses an array.
struct Wrap<'a, V, const TRACK: bool> {
    visitor: V,
    path: Path<'a>,
    fields: Option<&'static [&'static str]>,
}

impl<'a, V, const TRACK: bool> Wrap<'a, V, TRACK> {
    fn new(visitor: V, path: Path<'a>) -> Self {
        Wrap {
            visitor,
            path,
            fields: None,
        }
    }

    fn object(visitor: V, path: Path<'a>, fields: &'static [&'static str]) -> Self {
        Wrap {
            visitor,
            path,
            fields: Some(fields),
        }
    }
}

/// Forwards `visit_*` methods that carry a plain value.
macro_rules! forward_visit {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.visitor.$method(v)
        }
    )*};
}

impl<'a, 'de, V: Visitor<'de>, const TRACK: bool> Visitor<'de> for Wrap<'a, V, TRACK> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visit! {
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64)
        visit_i128(i128) visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64)
        visit_u128(u128) visit_f32(f32) visit_f64(f64) visit_char(char)
        visit_str(&str) visit_borrowed_str(&'de str) visit_string(String)
        visit_bytes(&[u8]) visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Strict::<_, TRACK> {
            de: d,
            path: self.path,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(Strict::<_, TRACK> {
            de: d,
            path: self.path,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if self.fields.is_some() {
            let message = format!("{}: expected an object, found an array", self.path);
            self.path.refuse(message.clone());
            return Err(de::Error::custom(message));
        }
        self.visitor.visit_seq(Seq::<_, TRACK> {
            seq,
            path: self.path,
            index: 0,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Map::<_, TRACK> {
            map,
            path: self.path,
            fields: self.fields,
            key: None,
        })
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(Enum::<_, TRACK> {
            data,
            path: self.path,
        })
    }
}

/// The elements of an array, each read through [`Strict`] at `path[i]`.
struct Seq<'a, A, const TRACK: bool> {
    seq: A,
    path: Path<'a>,
    index: usize,
}

impl<'a, 'de, A: SeqAccess<'de>, const TRACK: bool> SeqAccess<'de> for Seq<'a, A, TRACK> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        if !TRACK {
            let path = self.path;
            return self.seq.next_element_seed(Seed::<_, TRACK> { seed, path });
        }
        let path = Path::Index(&self.path, self.index);
        self.index += 1;
        self.seq.next_element_seed(Seed::<_, TRACK> { seed, path })
    }

    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

/// The members of an object, each value read through [`Strict`] at
/// `path.name`. The name is kept from reading the key: borrowed from the
/// input when it can be (no copy), else matched against the struct's field
/// names.
struct Map<'a, 'de, A, const TRACK: bool> {
    map: A,
    path: Path<'a>,
    fields: Option<&'static [&'static str]>,
    key: Option<&'de str>,
}

impl<'a, 'de, A: MapAccess<'de>, const TRACK: bool> MapAccess<'de> for Map<'a, 'de, A, TRACK> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if !TRACK {
            // A key is a string: nothing in it can be refused.
            return self.map.next_key_seed(seed);
        }
        self.key = None;
        self.map.next_key_seed(KeySeed {
            seed,
            fields: self.fields,
            key: &mut self.key,
        })
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        if !TRACK {
            let path = self.path;
            return self.map.next_value_seed(Seed::<_, TRACK> { seed, path });
        }
        let name = self.key.take().unwrap_or("?");
        let path = Path::Member(&self.path, name);
        self.map.next_value_seed(Seed::<_, TRACK> { seed, path })
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A seed whose deserializer is wrapped in [`Strict`].
struct Seed<'a, T, const TRACK: bool> {
    seed: T,
    path: Path<'a>,
}

impl<'a, 'de, T: DeserializeSeed<'de>, const TRACK: bool> DeserializeSeed<'de>
    for Seed<'a, T, TRACK>
{
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T::Value, D::Error> {
        self.seed.deserialize(Strict::<_, TRACK> {
            de: d,
            path: self.path,
        })
    }
}

/// A map key's seed: the key is read as it would be, and its text noted for
/// the path of the value that follows.
struct KeySeed<'k, 'de, K> {
    seed: K,
    fields: Option<&'static [&'static str]>,
    key: &'k mut Option<&'de str>,
}

impl<'k, 'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'k, 'de, K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<K::Value, D::Error> {
        self.seed.deserialize(KeyDe {
            de: d,
            fields: self.fields,
            key: self.key,
        })
    }
}

/// The deserializer of a map key, passing every request through with a
/// visitor that notes the key's text.
struct KeyDe<'k, 'de, D> {
    de: D,
    fields: Option<&'static [&'static str]>,
    key: &'k mut Option<&'de str>,
}

macro_rules! forward_key {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method(KeyVisitor { visitor, fields: self.fields, key: self.key })
        }
    )*};
}

impl<'k, 'de, D: Deserializer<'de>> Deserializer<'de> for KeyDe<'k, 'de, D> {
    type Error = D::Error;

    forward_key! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

/// Notes a key's text: borrowed from the input as it is, or, when only a
/// transient copy is offered, as the struct field name it matches.
struct KeyVisitor<'k, 'de, V> {
    visitor: V,
    fields: Option<&'static [&'static str]>,
    key: &'k mut Option<&'de str>,
}

impl<'k, 'de, V: Visitor<'de>> KeyVisitor<'k, 'de, V> {
    fn note(&mut self, s: &str) {
        *self.key = self
            .fields
            .and_then(|f| f.iter().copied().find(|name| *name == s));
    }
}

impl<'k, 'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'k, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        *self.key = Some(v);
        self.visitor.visit_borrowed_str(v)
    }

    fn visit_str<E: de::Error>(mut self, v: &str) -> Result<V::Value, E> {
        self.note(v);
        self.visitor.visit_str(v)
    }

    fn visit_string<E: de::Error>(mut self, v: String) -> Result<V::Value, E> {
        self.note(&v);
        self.visitor.visit_string(v)
    }

    forward_visit! {
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64)
        visit_i128(i128) visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64)
        visit_u128(u128) visit_f32(f32) visit_f64(f64) visit_char(char)
        visit_bytes(&[u8]) visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.visitor.visit_some(d)
    }

    fn visit_newtype_struct<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.visitor.visit_newtype_struct(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(map)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(data)
    }
}

/// An enum's variant, its content read through [`Strict`]; a struct variant
/// refuses an array like a struct.
struct Enum<'a, A, const TRACK: bool> {
    data: A,
    path: Path<'a>,
}

impl<'a, 'de, A: EnumAccess<'de>, const TRACK: bool> EnumAccess<'de> for Enum<'a, A, TRACK> {
    type Error = A::Error;
    type Variant = Variant<'a, A::Variant, TRACK>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        let (value, variant) = self.data.variant_seed(seed)?;
        Ok((
            value,
            Variant {
                variant,
                path: self.path,
            },
        ))
    }
}

struct Variant<'a, A, const TRACK: bool> {
    variant: A,
    path: Path<'a>,
}

impl<'a, 'de, A: VariantAccess<'de>, const TRACK: bool> VariantAccess<'de>
    for Variant<'a, A, TRACK>
{
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.variant.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.variant.newtype_variant_seed(Seed::<_, TRACK> {
            seed,
            path: self.path,
        })
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.variant
            .tuple_variant(len, Wrap::<_, TRACK>::new(visitor, self.path))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.variant
            .struct_variant(fields, Wrap::<_, TRACK>::object(visitor, self.path, fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        a: String,
        #[serde(default)]
        b: Option<u32>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        list: Vec<Inner>,
        one: Option<Inner>,
        pair: [u32; 2],
        free: Option<serde_json::Value>,
        tagged: Option<Tagged>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "kebab-case")]
    enum Tagged {
        Unit,
        Wrapped(Inner),
        Shaped { a: String },
    }

    fn both(text: &str) -> (Result<Outer, Mismatch>, Result<Outer, Mismatch>) {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        (from_value("body", &value), from_str("body", text))
    }

    #[test]
    fn objects_read_as_before_and_arrays_stay_arrays() {
        let text = r#"{"free":[[1],{"x":[2]}],"list":[{"a":"x"},{"a":"y","b":2}],"one":{"a":"z"},"pair":[1,2],"tagged":{"wrapped":{"a":"w"}}}"#;
        let (v, s) = both(text);
        let want = Outer {
            list: vec![
                Inner {
                    a: "x".into(),
                    b: None,
                },
                Inner {
                    a: "y".into(),
                    b: Some(2),
                },
            ],
            one: Some(Inner {
                a: "z".into(),
                b: None,
            }),
            pair: [1, 2],
            free: Some(json!([[1], {"x": [2]}])),
            tagged: Some(Tagged::Wrapped(Inner {
                a: "w".into(),
                b: None,
            })),
        };
        assert_eq!(v.as_ref(), Ok(&want));
        assert_eq!(from_str_unexplained::<Outer>(text).as_ref(), Some(&want));
        assert_eq!(s, Ok(want));
    }

    #[test]
    fn an_array_for_a_struct_is_refused_at_any_depth_with_its_path() {
        for (text, path) in [
            (r#"["x",null,[1,2],null,null]"#, "body"),
            (
                r#"{"list":[{"a":"x"},["y",2]],"one":null,"pair":[1,2],"free":null,"tagged":null}"#,
                "body.list[1]",
            ),
            (r#"{"list":[],"one":["z"],"pair":[1,2]}"#, "body.one"),
            (
                r#"{"list":[],"pair":[1,2],"tagged":{"wrapped":["w"]}}"#,
                "body.tagged",
            ),
        ] {
            let (v, s) = both(text);
            let want = Mismatch::Array(format!("{path}: expected an object, found an array"));
            assert_eq!(v, Err(want.clone()), "{text}");
            assert_eq!(s, Err(want), "{text}");
            assert_eq!(from_str_unexplained::<Outer>(text), None, "{text}");
        }
        // A struct variant: serde_json's tree refuses an array itself; from
        // text it is the adapter that does.
        let text = r#"{"list":[],"pair":[1,2],"tagged":{"shaped":["w"]}}"#;
        let (v, s) = both(text);
        assert!(v.is_err(), "{v:?}");
        assert_eq!(from_str_unexplained::<Outer>(text), None);
        assert_eq!(
            s,
            Err(Mismatch::Array(
                "body.tagged: expected an object, found an array".into()
            ))
        );
    }

    #[test]
    fn other_errors_are_serdes_own() {
        let (v, _) = both(r#"{"list":[{"a":"x","c":1}],"pair":[1,2]}"#);
        assert!(
            matches!(&v, Err(Mismatch::Other(m)) if m.starts_with("unknown field `c`")),
            "{v:?}"
        );
    }
}
