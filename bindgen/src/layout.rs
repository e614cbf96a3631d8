//! C layout of the spec's structs for each Windows architecture, from the metadata's field types.

use crate::Error;
use crate::metadata::{IntKind, Metadata};
use windows_metadata::reader::{TypeCategory, TypeDef};
use windows_metadata::{Type, TypeAttributes};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    X86,
    X64,
    Arm64,
}

impl Arch {
    pub const ALL: [Arch; 3] = [Arch::X86, Arch::X64, Arch::Arm64];

    fn pointer_size(self) -> usize {
        match self {
            Arch::X86 => 4,
            Arch::X64 | Arch::Arm64 => 8,
        }
    }

    /// The variant name in secpkg-sys's `layout::Arch`.
    pub fn variant(self) -> &'static str {
        match self {
            Arch::X86 => "X86",
            Arch::X64 => "X64",
            Arch::Arm64 => "Arm64",
        }
    }

    /// `x86`, `x64` or `arm64`, as in secpkg-sys's `Arch::name`.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86 => "x86",
            Arch::X64 => "x64",
            Arch::Arm64 => "arm64",
        }
    }

    /// The Rust `target_arch` the facts hold for.
    pub fn target_arch(self) -> &'static str {
        match self {
            Arch::X86 => "x86",
            Arch::X64 => "x86_64",
            Arch::Arm64 => "aarch64",
        }
    }
}

pub struct FieldLayout {
    pub name: String,
    pub offset: usize,
    pub size: usize,
}

pub struct StructLayout {
    pub name: String,
    pub arch: Arch,
    pub size: usize,
    pub align: usize,
    pub fields: Vec<FieldLayout>,
}

/// Lays out `name` with the C rules: each field at the next multiple of its alignment (capped by
/// the struct's packing, if the metadata gives one), the size rounded up to the largest alignment.
pub fn struct_layout(metadata: &Metadata, name: &str, arch: Arch) -> Result<StructLayout, Error> {
    let def = type_def(metadata, name)?;
    let (size, align, fields) = lay_out(metadata, def, arch)?;
    Ok(StructLayout { name: name.to_owned(), arch, size, align, fields })
}

fn type_def<'m>(metadata: &'m Metadata, name: &str) -> Result<TypeDef<'m>, Error> {
    let namespace = metadata
        .namespace_of(name)
        .ok_or_else(|| Error::new(format!("type '{name}' is not in {}", metadata.source)))?;
    metadata.index.get(namespace, name).next().ok_or_else(|| Error::new(format!("'{namespace}.{name}' is not a type")))
}

/// The size and alignment of the metadata's union `name` on `arch`, if the metadata has a type of
/// that name: an error unless it is a union with a member of type `integer` (LARGE_INTEGER and its
/// QuadPart).
pub fn union_of_integer(
    metadata: &Metadata,
    name: &str,
    integer: IntKind,
    arch: Arch,
) -> Result<Option<(usize, usize)>, Error> {
    if metadata.namespace_of(name).is_none() {
        return Ok(None);
    }
    let def = type_def(metadata, name)?;
    if def.category() != TypeCategory::Struct || !def.flags().contains(TypeAttributes::ExplicitLayout) {
        return Err(Error::new(format!("'{name}' is not a union in {}", metadata.source)));
    }
    let integer_type = match (integer.bits, integer.signed) {
        (8, true) => Type::I8,
        (8, false) => Type::U8,
        (16, true) => Type::I16,
        (16, false) => Type::U16,
        (32, true) => Type::I32,
        (32, false) => Type::U32,
        (64, true) => Type::I64,
        _ => Type::U64,
    };
    if !def.fields().any(|f| f.constant().is_none() && f.ty() == integer_type) {
        return Err(Error::new(format!(
            "in {}, the union '{name}' has no member of type {}{}: it is no such integer",
            metadata.source,
            if integer.signed { "i" } else { "u" },
            integer.bits
        )));
    }
    let (size, align, _) = lay_out(metadata, def, arch)?;
    Ok(Some((size, align)))
}

fn lay_out(metadata: &Metadata, def: TypeDef, arch: Arch) -> Result<(usize, usize, Vec<FieldLayout>), Error> {
    let pack = def.class_layout().map(|l| l.packing_size() as usize).filter(|&p| p != 0);
    // A union (explicit layout, every member at 0) is as large as its largest member.
    let is_union = def.flags().contains(TypeAttributes::ExplicitLayout);
    let mut offset: usize = 0;
    let mut max_align = 1;
    let mut fields = Vec::new();
    for field in def.fields().filter(|f| f.constant().is_none()) {
        let (size, align) = size_align(metadata, def, &field.ty(), arch)
            .map_err(|e| Error::new(format!("{}.{}: {}", def.name(), field.name(), e.message)))?;
        let align = pack.map_or(align, |p| align.min(p));
        if is_union {
            fields.push(FieldLayout { name: field.name().to_owned(), offset: 0, size });
            offset = offset.max(size);
        } else {
            offset = offset.next_multiple_of(align);
            fields.push(FieldLayout { name: field.name().to_owned(), offset, size });
            offset += size;
        }
        max_align = max_align.max(align);
    }
    Ok((offset.next_multiple_of(max_align), max_align, fields))
}

/// `ty`, a field type of `outer`: a nested type (LARGE_INTEGER's anonymous struct) is found among
/// `outer`'s nested types, as the metadata names it without a namespace.
fn size_align(metadata: &Metadata, outer: TypeDef, ty: &Type, arch: Arch) -> Result<(usize, usize), Error> {
    let pointer = (arch.pointer_size(), arch.pointer_size());
    Ok(match ty {
        Type::Bool | Type::I8 | Type::U8 => (1, 1),
        Type::Char | Type::I16 | Type::U16 => (2, 2),
        Type::I32 | Type::U32 | Type::F32 => (4, 4),
        Type::I64 | Type::U64 | Type::F64 => (8, 8),
        Type::ISize | Type::USize | Type::PtrMut(..) | Type::PtrConst(..) => pointer,
        Type::ArrayFixed(element, len) => {
            let (size, align) = size_align(metadata, outer, element, arch)?;
            (size * len, align)
        }
        Type::ValueName(name) | Type::ClassName(name) => {
            let def = metadata
                .index
                .get(&name.namespace, &name.name)
                .next()
                .or_else(|| metadata.index.nested(outer).find(|nested| nested.name() == name.name))
                .ok_or_else(|| Error::new(format!("type '{}.{}' is not in the metadata", name.namespace, name.name)))?;
            match def.category() {
                TypeCategory::Delegate | TypeCategory::Interface | TypeCategory::Class => pointer,
                TypeCategory::Enum => {
                    let underlying = def
                        .underlying_type()
                        .ok_or_else(|| Error::new(format!("enum '{}' has no underlying type", name.name)))?;
                    size_align(metadata, def, &underlying, arch)?
                }
                TypeCategory::Struct => {
                    let (size, align, _) = lay_out(metadata, def, arch)?;
                    (size, align)
                }
                TypeCategory::Attribute => {
                    return Err(Error::new(format!("'{}' is an attribute, not a field type", name.name)));
                }
            }
        }
        other => {
            return Err(Error::new(format!("no C layout for the metadata type {other:?}")));
        }
    })
}
