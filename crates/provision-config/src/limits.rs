//! Limits that keep evaluation bounded. A configuration that builds a value of a billion elements
//! (`[for i in range(1000) : [for j in range(1000) : ...]]`, locals that double a list thirty
//! times) or nests values thousands deep (30,000 locals each wrapping the previous one in a list)
//! is refused at the expression that does it, instead of exhausting memory or overflowing the stack.
//! The limits are documented in docs/configuration.md ("Limits").

use provision_core::Value;

/// The most elements one value may hold, nested ones included; a string counts one element per
/// [`BYTES_PER_ELEMENT`] bytes. A value at the limit takes some tens of megabytes.
pub const MAX_VALUE_SIZE: usize = 1 << 20;

/// How many bytes of a string count as one element.
pub const BYTES_PER_ELEMENT: usize = 16;

/// The longest string a value may hold: 16 MiB.
pub const MAX_STRING_BYTES: usize = MAX_VALUE_SIZE * BYTES_PER_ELEMENT;

/// How deep values may nest (a list in a list in a list ...).
pub const MAX_VALUE_DEPTH: usize = 256;

/// The summary of every diagnostic about a value over a limit.
pub const VALUE_TOO_LARGE: &str = "Value too large";

/// Which limit a value exceeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    Size,
    Depth,
}

impl Exceeded {
    /// What to tell the user.
    pub(crate) fn message(self) -> String {
        match self {
            Exceeded::Size => format!(
                "this value would hold more than {MAX_VALUE_SIZE} elements (or {} MiB of text), the most provision allows in one value",
                MAX_STRING_BYTES >> 20
            ),
            Exceeded::Depth => format!(
                "this value would nest more than {MAX_VALUE_DEPTH} levels deep (lists or objects inside each other), the most provision allows"
            ),
        }
    }
}

/// The size of a value in elements, if it is within `budget` and [`MAX_VALUE_DEPTH`]. Walks the
/// value with an explicit stack, so a value too deep to recurse into is measured safely, and stops
/// as soon as a limit is passed.
pub(crate) fn measure(v: &Value, budget: usize) -> Result<usize, Exceeded> {
    let mut size = 0usize;
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, depth)) = stack.pop() {
        if depth > MAX_VALUE_DEPTH {
            return Err(Exceeded::Depth);
        }
        size += match v {
            Value::String(s) => 1 + s.len() / BYTES_PER_ELEMENT,
            _ => 1,
        };
        if size > budget {
            return Err(Exceeded::Size);
        }
        match v {
            Value::List(items) | Value::Set(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            Value::Map(m) => stack.extend(m.values().map(|i| (i, depth + 1))),
            Value::Sensitive(inner) => stack.push((inner, depth)),
            _ => {}
        }
    }
    Ok(size)
}

/// Adds one more part of a value being built (an element, an argument, an iteration's result) to
/// what it has so far; refuses once the whole would pass a limit.
pub(crate) fn charge(used: &mut usize, part: &Value) -> Result<(), Exceeded> {
    let budget = MAX_VALUE_SIZE.saturating_sub(*used);
    *used += measure(part, budget)?;
    Ok(())
}

/// Refuses a string of `len` bytes before it is built.
pub(crate) fn string_fits(len: usize) -> Result<(), String> {
    if len > MAX_STRING_BYTES {
        Err(format!(
            "the result would be {} MiB of text, more than the {} MiB provision allows in one value",
            len >> 20,
            MAX_STRING_BYTES >> 20
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_without_recursing() {
        let mut v = Value::Null;
        for _ in 0..100_000 {
            v = Value::List(vec![v]);
        }
        assert_eq!(measure(&v, MAX_VALUE_SIZE), Err(Exceeded::Depth));
        // Take it apart without recursing either.
        while let Value::List(mut items) = v {
            v = items.pop().unwrap_or_default();
        }
        let wide = Value::List(vec![Value::Bool(true); MAX_VALUE_SIZE]);
        assert_eq!(measure(&wide, MAX_VALUE_SIZE), Err(Exceeded::Size));
        assert_eq!(measure(&Value::String("x".repeat(32)), MAX_VALUE_SIZE), Ok(3));
    }
}
