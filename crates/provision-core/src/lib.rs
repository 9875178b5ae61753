//! The shared vocabulary of provision: everything the configuration reader, the engine, the state
//! backends and the AWS provider must agree on, and nothing that does I/O.
//!
//! Deliberately absent: any AWS SDK type, any file or network access, any printing.

pub mod address;
pub mod diagnostic;
pub mod layer;
pub mod plan;
pub mod provider;
pub mod providers;
pub mod regional;
pub mod schema;
pub mod state;
pub mod value;

pub use address::{Address, InstanceKey, Mode, ModuleStep, ProviderRef};
pub use diagnostic::{Diagnostic, Diagnostics, Label, Severity, SourceFile, Sources, Span};
pub use layer::{Layer, LayerInfo, LayerOrigin};
pub use provider::{
    DataSourceType, DeleteNote, FindQuery, Found, Identity, IdentityStrategy, OpContext, Owner, PlannedDelete,
    Provider, ProviderError, ProviderErrorKind, ReadContext, ResourceType, StatusSink, Timeouts,
};
pub use providers::Providers;
pub use schema::{AttrMode, AttributeSchema, BlockSchema, Nesting, Schema, Type};
pub use value::{Attrs, Value};

/// System tag keys that provision puts on every object it creates. They identify the stack and the
/// address, so an object created by an interrupted run can always be found again.
pub mod tags {
    /// The stack's identity: the lineage of its state.
    pub const STACK: &str = "provision:stack";
    /// The resource address the object was created for, e.g. `aws_subnet.public[0]`.
    pub const ADDRESS: &str = "provision:address";
    /// Every system tag starts with this prefix; they are never shown as user tags.
    pub const PREFIX: &str = "provision:";

    use crate::Address;

    /// True for the characters every service accepts in a tag value. ELBv2, IAM, RDS, ECS and
    /// Secrets Manager allow only letters, digits, spaces and `_ . : / = + - @`; `=` is kept for
    /// escapes and spaces are escaped too (AWS refuses them leading or trailing).
    fn plain(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '+' | '-' | '@')
    }

    /// The [`ADDRESS`] tag's value for `address`: every other character (the `[`, `]` and `"` of
    /// instance keys, anything in a `for_each` key) written as `=HH`, the hex of each UTF-8 byte,
    /// so that services with strict tag values accept it: `aws_lb.web["a"]` is
    /// `aws_lb.web=5B=22a=22=5D`. An address without instance keys is written as it is.
    pub fn address_value(address: &Address) -> String {
        let text = address.to_string();
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if plain(c) {
                out.push(c);
            } else {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("={b:02X}"));
                }
            }
        }
        out
    }

    /// The address an [`ADDRESS`] tag's value names, as text (for messages). A value written
    /// before escaping existed (it holds `[`) is the address itself.
    pub fn address_text(value: &str) -> String {
        if value.contains('[') {
            return value.to_string();
        }
        let bytes = value.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                (b'=', Some(b)) => {
                    out.push(b);
                    i += 3;
                }
                (b, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// True when an [`ADDRESS`] tag's value names `address` (escaped, or written before escaping
    /// existed).
    pub fn names_address(value: &str, address: &Address) -> bool {
        value == address_value(address) || value == address.to_string()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn addr(s: &str) -> Address {
            s.parse().expect("address")
        }

        #[test]
        fn address_values_hold_only_what_every_service_accepts() {
            for (address, value) in [
                ("aws_vpc.main", "aws_vpc.main"),
                ("aws_subnet.public[0]", "aws_subnet.public=5B0=5D"),
                ("module.svc[\"a=b c\"].aws_lb.this", "module.svc=5B=22a=3Db=20c=22=5D.aws_lb.this"),
                ("aws_lb.web[\"é\"]", "aws_lb.web=5B=22=C3=A9=22=5D"),
            ] {
                let a = addr(address);
                let v = address_value(&a);
                assert_eq!(v, value);
                // ELBv2's, IAM's and RDS's pattern: letters, digits, spaces and `_.:/=+-@`.
                assert!(v.chars().all(|c| c.is_alphanumeric() || "_.:/=+-@".contains(c)), "{v}");
                assert_eq!(address_text(&v), address);
                assert!(names_address(&v, &a));
            }
        }

        #[test]
        fn values_written_before_escaping_still_name_their_address() {
            let a = addr("aws_subnet.public[1]");
            assert!(names_address("aws_subnet.public[1]", &a));
            assert_eq!(address_text("aws_subnet.public[1]"), "aws_subnet.public[1]");
            assert!(!names_address("aws_subnet.public[0]", &a));
            assert!(!names_address("aws_subnet.public=5B0=5D", &a));
        }
    }
}
