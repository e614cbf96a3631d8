//! C layout of the spec's structs for each Windows architecture, from the metadata's field types.

use crate::Error;
use crate::metadata::Metadata;
use windows_metadata::Type;
use windows_metadata::reader::{TypeCategory, TypeDef};

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

fn lay_out(metadata: &Metadata, def: TypeDef, arch: Arch) -> Result<(usize, usize, Vec<FieldLayout>), Error> {
    let pack = def.class_layout().map(|l| l.packing_size() as usize).filter(|&p| p != 0);
    let mut offset: usize = 0;
    let mut max_align = 1;
    let mut fields = Vec::new();
    for field in def.fields().filter(|f| f.constant().is_none()) {
        let (size, align) = size_align(metadata, &field.ty(), arch)
            .map_err(|e| Error::new(format!("{}.{}: {}", def.name(), field.name(), e.message)))?;
        let align = pack.map_or(align, |p| align.min(p));
        offset = offset.next_multiple_of(align);
        fields.push(FieldLayout { name: field.name().to_owned(), offset, size });
        offset += size;
        max_align = max_align.max(align);
    }
    Ok((offset.next_multiple_of(max_align), max_align, fields))
}

fn size_align(metadata: &Metadata, ty: &Type, arch: Arch) -> Result<(usize, usize), Error> {
    let pointer = (arch.pointer_size(), arch.pointer_size());
    Ok(match ty {
        Type::Bool | Type::I8 | Type::U8 => (1, 1),
        Type::Char | Type::I16 | Type::U16 => (2, 2),
        Type::I32 | Type::U32 | Type::F32 => (4, 4),
        Type::I64 | Type::U64 | Type::F64 => (8, 8),
        Type::ISize | Type::USize | Type::PtrMut(..) | Type::PtrConst(..) => pointer,
        Type::ArrayFixed(element, len) => {
            let (size, align) = size_align(metadata, element, arch)?;
            (size * len, align)
        }
        Type::ValueName(name) | Type::ClassName(name) => {
            let def =
                metadata.index.get(&name.namespace, &name.name).next().ok_or_else(|| {
                    Error::new(format!("type '{}.{}' is not in the metadata", name.namespace, name.name))
                })?;
            match def.category() {
                TypeCategory::Delegate | TypeCategory::Interface | TypeCategory::Class => pointer,
                TypeCategory::Enum => {
                    let underlying = def
                        .underlying_type()
                        .ok_or_else(|| Error::new(format!("enum '{}' has no underlying type", name.name)))?;
                    size_align(metadata, &underlying, arch)?
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
