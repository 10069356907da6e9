//! `documented!`: a struct of the template context declared with the text of each field, so
//! that the Rust type minijinja renders, the native builders read and the reference page of
//! `docs/reference/` all come from one declaration.

/// One field of the template context, as its reference lists it.
pub struct Field {
    /// The Rust name; templates see it in camelCase (serde's `rename_all`).
    pub ident: &'static str,
    pub kind: &'static str,
    /// Whether the value may be null (an `Option`).
    pub nullable: bool,
    pub about: &'static str,
    /// The fields of a block; empty for a value.
    pub fields: &'static [Field],
    /// A block whose fields sit beside this struct's own (serde's `flatten`).
    pub flatten: bool,
}

impl Field {
    /// The name a template reads: `space_id` → `spaceId`.
    #[must_use]
    pub fn name(&self) -> String {
        let mut out = String::with_capacity(self.ident.len());
        let mut upper = false;
        for c in self.ident.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.push(c.to_ascii_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// What the reference says of a type: its kind, and its fields when it is a block.
pub trait Documented {
    const KIND: &'static str;
    const NULLABLE: bool = false;
    const FIELDS: &'static [Field] = &[];
}

macro_rules! leaf {
    ($($ty:ty => $kind:literal),* $(,)?) => {
        $(impl Documented for $ty {
            const KIND: &'static str = $kind;
        })*
    };
}

leaf! {
    String => "string",
    &'static str => "string",
    bool => "boolean",
    u16 => "integer",
    u32 => "integer",
    u64 => "integer",
    serde_json::Value => "value",
    Vec<String> => "list of strings",
    Vec<serde_json::Value> => "list",
    crate::model::RunTarget => "`standalone` or `operator`",
    crate::model::Engine => "`hpa`, `keda` or `operator`",
}

impl<T: Documented> Documented for Option<T> {
    const KIND: &'static str = T::KIND;
    const NULLABLE: bool = true;
    const FIELDS: &'static [Field] = T::FIELDS;
}

/// The kind a field declares with `#[kind = ".."]`, else its type's.
macro_rules! kind {
    ($ty:ty) => {
        <$ty as $crate::render::documented::Documented>::KIND
    };
    ($ty:ty, $kind:literal) => {
        $kind
    };
}

/// Whether a field is declared `#[serde(flatten)]`.
macro_rules! flatten {
    () => {
        false
    };
    ($flatten:ident) => {
        true
    };
}

/// A context struct: `Serialize` in camelCase, and its fields' documentation as
/// `Documented::FIELDS`. Each field: its doc comment, optionally `#[kind = ".."]` (for a
/// `serde_json::Value`, what it holds) or `#[serde(flatten)]`, then `name: Type`.
macro_rules! documented {
    ($(
        $(#[doc = $about:literal])*
        pub struct $name:ident {
            $(
                $(#[doc = $field_about:literal])*
                $(#[kind = $kind:literal])?
                $(#[serde($flatten:ident)])?
                pub $field:ident: $ty:ty,
            )*
        }
    )*) => {$(
        $(#[doc = $about])*
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $(
                $(#[doc = $field_about])*
                $(#[serde($flatten)])?
                pub $field: $ty,
            )*
        }

        impl $crate::render::documented::Documented for $name {
            const KIND: &'static str = "block";
            const FIELDS: &'static [$crate::render::documented::Field] = &[$(
                $crate::render::documented::Field {
                    ident: stringify!($field),
                    kind: $crate::render::documented::kind!($ty $(, $kind)?),
                    nullable: <$ty as $crate::render::documented::Documented>::NULLABLE,
                    about: concat!($($field_about, "\n"),*),
                    fields: <$ty as $crate::render::documented::Documented>::FIELDS,
                    flatten: $crate::render::documented::flatten!($($flatten)?),
                },
            )*];
        }
    )*};
}

pub(crate) use {documented, flatten, kind};
