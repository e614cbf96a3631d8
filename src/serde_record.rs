//! Serialize and Deserialize for the crate's plain structs (`PackageInfo`, `gssapi::Mechanism`)
//! without serde_derive, so that the `serde` feature compiles no serde_derive.
//!
//! Everything a derived impl does is written here once, as generic code: the field-name visitor,
//! unknown fields skipped, a duplicate field refused, a missing field refused (an `Option` field
//! is `None`), a struct read from a map or from a sequence of its fields in order. The macro
//! [`serde_record!`] only names a struct's fields, in declaration order, and emits the two impls
//! that forward here. The forms, the error texts included, are serde_derive's, with one
//! exception: a missing `Option` field read `with` a seed (`Mechanism::sspi_name`) is `None`,
//! as every other missing `Option` field, where serde_derive refused it.

use serde_core::de::{self, DeserializeSeed, Deserializer, Expected, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_core::forward_to_deserialize_any;
use std::fmt;
use std::marker::PhantomData;

/// A struct whose serde form is a record of its fields, as serde_derive writes one.
/// [`serde_record!`] implements it; [`deserialize`] reads it.
pub(crate) trait Record: Sized {
    /// The struct's name, given to the format and named by errors.
    const NAME: &'static str;
    /// Its fields, in declaration order: their keys in a map, their order in a sequence.
    const FIELDS: &'static [&'static str];
    /// The struct from a map of its fields.
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
    /// The struct from a sequence of its fields in order.
    fn from_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error>;
}

/// What a record's `Deserialize` impl forwards to.
pub(crate) fn deserialize<'de, R: Record, D: Deserializer<'de>>(deserializer: D) -> Result<R, D::Error> {
    deserializer.deserialize_struct(R::NAME, R::FIELDS, RecordVisitor(PhantomData))
}

struct RecordVisitor<R>(PhantomData<fn() -> R>);

impl<'de, R: Record> Visitor<'de> for RecordVisitor<R> {
    type Value = R;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", R::NAME)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<R, A::Error> {
        R::from_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<R, A::Error> {
        R::from_seq(seq)
    }
}

/// Reads a map's keys: `Some` of the field a key names (by name, or by index as serde_derive
/// also accepts), `None` for a key that names no field, whose value is then skipped.
pub(crate) fn next_field<'de, A: MapAccess<'de>>(
    map: &mut A,
    fields: &'static [&'static str],
) -> Result<Option<Option<&'static str>>, A::Error> {
    let key = map.next_key_seed(FieldKey(fields))?;
    if let Some(None) = key {
        map.next_value::<IgnoredAny>()?;
    }
    Ok(key)
}

#[derive(Clone, Copy)]
struct FieldKey(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldKey {
    type Value = Option<&'static str>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldKey {
    type Value = Option<&'static str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }
    fn visit_u64<E: de::Error>(self, index: u64) -> Result<Self::Value, E> {
        Ok(usize::try_from(index).ok().and_then(|index| self.0.get(index)).copied())
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().find(|field| **field == key).copied())
    }
    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Self::Value, E> {
        Ok(self.0.iter().find(|field| field.as_bytes() == key).copied())
    }
}

/// One field of a record being read from a map: its name, how its value is read (`PhantomData`
/// for its type's `Deserialize`, or a seed of the record's choosing), and the value once read.
pub(crate) struct Slot<T, S> {
    name: &'static str,
    seed: S,
    value: Option<T>,
}

impl<T, S: Copy> Slot<T, S> {
    pub(crate) fn new(name: &'static str, seed: S) -> Self {
        Slot { name, seed, value: None }
    }

    /// Reads the field's value, after its key: a second value for the same field is an error.
    pub(crate) fn read<'de, A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<(), A::Error>
    where
        S: DeserializeSeed<'de, Value = T>,
    {
        if self.value.is_some() {
            return Err(de::Error::duplicate_field(self.name));
        }
        self.value = Some(map.next_value_seed(self.seed)?);
        Ok(())
    }

    /// The value read, else the field is missing: the seed is given the absent value, which an
    /// `Option` reads as `None` and anything else refuses, naming the field.
    pub(crate) fn take<'de, E: de::Error>(self) -> Result<T, E>
    where
        S: DeserializeSeed<'de, Value = T>,
    {
        match self.value {
            Some(value) => Ok(value),
            None => self.seed.deserialize(Missing(self.name, PhantomData)),
        }
    }
}

/// The value of a missing field: `None` to an `Option`, the error "missing field" to any other.
struct Missing<E>(&'static str, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
    type Error = E;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }
    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// A record's fields read from a sequence, in order: a missing one is an error naming how many
/// the sequence had and how many the record needs.
pub(crate) struct Elements<R> {
    read: usize,
    record: PhantomData<fn() -> R>,
}

impl<R: Record> Elements<R> {
    pub(crate) fn new() -> Self {
        Elements { read: 0, record: PhantomData }
    }

    pub(crate) fn next<'de, A: SeqAccess<'de>, S: DeserializeSeed<'de>>(
        &mut self,
        seq: &mut A,
        seed: S,
    ) -> Result<S::Value, A::Error> {
        match seq.next_element_seed(seed)? {
            Some(value) => {
                self.read += 1;
                Ok(value)
            }
            None => Err(de::Error::invalid_length(self.read, &*self)),
        }
    }
}

impl<R: Record> Expected for Elements<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = R::FIELDS.len();
        write!(f, "struct {} with {count} element{}", R::NAME, if count == 1 { "" } else { "s" })
    }
}

/// `Serialize` and `Deserialize` for a struct, from its fields named in declaration order (each
/// read with its type's `Deserialize`, or with `field with SEED`, a `Copy` `DeserializeSeed`).
/// The struct literals make a field left out, or one the struct lacks, a compile error.
macro_rules! serde_record {
    ($name:ident { $($field:ident $(with $seed:expr)?),* $(,)? }) => {
        impl serde_core::Serialize for $name {
            fn serialize<S: serde_core::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde_core::ser::SerializeStruct;
                let fields = <Self as $crate::serde_record::Record>::FIELDS;
                let mut record = serializer.serialize_struct(stringify!($name), fields.len())?;
                $(record.serialize_field(stringify!($field), &self.$field)?;)*
                record.end()
            }
        }

        impl<'de> serde_core::Deserialize<'de> for $name {
            fn deserialize<D: serde_core::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::serde_record::deserialize(deserializer)
            }
        }

        impl $crate::serde_record::Record for $name {
            const NAME: &'static str = stringify!($name);
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            fn from_map<'de, A: serde_core::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
                use $crate::serde_record::Slot;
                $(let mut $field = Slot::new(stringify!($field), $crate::serde_record::serde_record!(@seed $($seed)?));)*
                while let Some(key) = $crate::serde_record::next_field(&mut map, Self::FIELDS)? {
                    match key {
                        $(Some(stringify!($field)) => $field.read(&mut map)?,)*
                        _ => {}
                    }
                }
                Ok($name { $($field: $field.take()?),* })
            }

            fn from_seq<'de, A: serde_core::de::SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
                let mut elements = $crate::serde_record::Elements::<Self>::new();
                Ok($name { $($field: elements.next(&mut seq, $crate::serde_record::serde_record!(@seed $($seed)?))?),* })
            }
        }
    };
    (@seed) => { std::marker::PhantomData };
    (@seed $seed:expr) => { $seed };
}
pub(crate) use serde_record;
