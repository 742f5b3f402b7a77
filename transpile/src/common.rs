//! What the emitters share: names of values, literals, dtype spellings, formatting.

use crate::{Constants, Error, Options, Result};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;
use std::collections::HashMap;
use tensorswitch::trace::{Graph, Node, ValueId};
use tensorswitch::{DType, HostData, Op, Scalar};

/// The value a node produces. The one place that reads `Node::output`, so a node with several
/// results (a later change of the graph) touches one line here.
pub fn output(n: &Node) -> ValueId {
    n.output
}

/// Rust's and Python's keywords and a few names the emitted code uses itself.
pub fn is_reserved(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
        "gen", "and", "or", "not", "is", "def", "del", "elif", "except", "from", "global",
        "import", "lambda", "None", "nonlocal", "pass", "raise", "with", "True", "False", "np",
        "ndarray", "tch", "std",
    ];
    WORDS.contains(&s)
}

/// How the emitted code names each value: inputs `x` (one) or `x0`, `x1`, …; constants by
/// their graph name made an identifier; node results `v<n>`.
pub struct Names {
    names: HashMap<ValueId, String>,
}

impl Names {
    pub fn new(g: &Graph) -> Names {
        let mut names = HashMap::new();
        let mut taken = std::collections::HashSet::new();
        let single = g.inputs().len() == 1;
        for (i, v) in g.inputs().iter().enumerate() {
            let n = if single {
                "x".to_string()
            } else {
                format!("x{i}")
            };
            taken.insert(n.clone());
            names.insert(*v, n);
        }
        for c in g.constants() {
            let mut n: String = c
                .name
                .chars()
                .map(|ch| {
                    if ch.is_ascii_alphanumeric() {
                        ch.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            if n.is_empty()
                || n.starts_with(|ch: char| ch.is_ascii_digit())
                || is_reserved(&n)
                || n.starts_with('v')
                || n.starts_with('x') && n[1..].chars().all(|ch| ch.is_ascii_digit())
            {
                n = format!("c_{n}");
            }
            while taken.contains(&n) {
                n.push('_');
            }
            taken.insert(n.clone());
            names.insert(c.value, n);
        }
        Names { names }
    }

    pub fn get(&self, v: ValueId) -> String {
        self.names
            .get(&v)
            .cloned()
            .unwrap_or_else(|| format!("v{}", v.0))
    }

    pub fn ident(&self, v: ValueId) -> Ident {
        Ident::new(&self.get(v), Span::call_site())
    }
}

/// Whether the value is passed in by reference (an input, or a constant passed as an
/// argument) rather than made in the body.
pub fn is_argument(g: &Graph, opts: &Options, v: ValueId) -> bool {
    g.inputs().contains(&v)
        || (opts.constants == Constants::Arguments && g.constants().iter().any(|c| c.value == v))
}

pub fn info(g: &Graph, v: ValueId) -> Result<(DType, Vec<usize>)> {
    g.info(v)
        .map(|i| (i.dtype, i.shape.clone()))
        .ok_or_else(|| Error::Internal(format!("the graph has no value {v}")))
}

/// The Rust element type of a dtype (`None` for float16/bfloat16).
pub fn rust_type(d: DType) -> Option<TokenStream> {
    Some(match d {
        DType::Bool => quote!(bool),
        DType::Int8 => quote!(i8),
        DType::Int16 => quote!(i16),
        DType::Int32 => quote!(i32),
        DType::Int64 => quote!(i64),
        DType::UInt8 => quote!(u8),
        DType::UInt16 => quote!(u16),
        DType::UInt32 => quote!(u32),
        DType::UInt64 => quote!(u64),
        DType::Float32 => quote!(f32),
        DType::Float64 => quote!(f64),
        _ => return None,
    })
}

pub fn is_signed(d: DType) -> bool {
    matches!(d, DType::Int8 | DType::Int16 | DType::Int32 | DType::Int64)
}

/// A Rust literal of type `d` for a value given as f64 (finite or not).
pub fn float_lit(d: DType, v: f64) -> TokenStream {
    let t = if d == DType::Float32 {
        quote!(f32)
    } else {
        quote!(f64)
    };
    if v.is_nan() {
        quote!(#t::NAN)
    } else if v == f64::INFINITY {
        quote!(#t::INFINITY)
    } else if v == f64::NEG_INFINITY {
        quote!(#t::NEG_INFINITY)
    } else if d == DType::Float32 {
        let l = Literal::f32_suffixed(v as f32);
        quote!(#l)
    } else {
        let l = Literal::f64_suffixed(v);
        quote!(#l)
    }
}

/// A Rust literal of dtype `d` holding the scalar `s` (converted with `as` rules).
pub fn scalar_lit(d: DType, s: Scalar) -> TokenStream {
    let as_f64 = match s {
        Scalar::Bool(b) => f64::from(u8::from(b)),
        Scalar::Int(i) => i as f64,
        Scalar::UInt(u) => u as f64,
        Scalar::Float(x) => x,
    };
    let as_i128 = match s {
        Scalar::Bool(b) => i128::from(b),
        Scalar::Int(i) => i128::from(i),
        Scalar::UInt(u) => i128::from(u),
        // Rust's `as` from a float saturates at the target type's bounds (NaN gives 0).
        Scalar::Float(x) => match d {
            DType::Int8 => i128::from(x as i8),
            DType::Int16 => i128::from(x as i16),
            DType::Int32 => i128::from(x as i32),
            DType::Int64 => i128::from(x as i64),
            DType::UInt8 => i128::from(x as u8),
            DType::UInt16 => i128::from(x as u16),
            DType::UInt32 => i128::from(x as u32),
            _ => i128::from(x as u64),
        },
    };
    match d {
        DType::Bool => {
            let b = match s {
                Scalar::Bool(b) => b,
                Scalar::Float(x) => x != 0.0,
                _ => as_i128 != 0,
            };
            quote!(#b)
        }
        DType::Float32 | DType::Float64 => float_lit(d, as_f64),
        _ => int_lit(d, as_i128),
    }
}

/// An integer literal of dtype `d`, wrapped into its range as `as` does.
pub fn int_lit(d: DType, v: i128) -> TokenStream {
    let l = match d {
        DType::Int8 => Literal::i8_suffixed(v as i8),
        DType::Int16 => Literal::i16_suffixed(v as i16),
        DType::Int32 => Literal::i32_suffixed(v as i32),
        DType::Int64 => Literal::i64_suffixed(v as i64),
        DType::UInt8 => Literal::u8_suffixed(v as u8),
        DType::UInt16 => Literal::u16_suffixed(v as u16),
        DType::UInt32 => Literal::u32_suffixed(v as u32),
        _ => Literal::u64_suffixed(v as u64),
    };
    // Negative literals are a unary minus and a literal; parenthesised so that method calls
    // bind to the whole number.
    if v < 0 {
        quote!((#l))
    } else {
        quote!(#l)
    }
}

/// The elements of host data as Rust literals of their own type.
pub fn host_lits(h: &HostData) -> Vec<TokenStream> {
    let d = h.dtype();
    match h {
        HostData::Bool(v) => v.iter().map(|b| quote!(#b)).collect(),
        HostData::Float32(v) => v.iter().map(|&x| float_lit(d, f64::from(x))).collect(),
        HostData::Float64(v) => v.iter().map(|&x| float_lit(d, x)).collect(),
        HostData::Int8(v) => v.iter().map(|&x| int_lit(d, x.into())).collect(),
        HostData::Int16(v) => v.iter().map(|&x| int_lit(d, x.into())).collect(),
        HostData::Int32(v) => v.iter().map(|&x| int_lit(d, x.into())).collect(),
        HostData::Int64(v) => v.iter().map(|&x| int_lit(d, x.into())).collect(),
        HostData::UInt8(v) => v.iter().map(|&x| int_lit(d, x.into())).collect(),
        HostData::UInt16(v) => v.iter().map(|&x| int_lit(d, x.into())).collect(),
        HostData::UInt32(v) => v.iter().map(|&x| int_lit(d, x.into())).collect(),
        HostData::UInt64(v) => v.iter().map(|&x| int_lit(d, x.into())).collect(),
    }
}

/// `usize` literals.
pub fn usizes(v: &[usize]) -> Vec<Literal> {
    v.iter().map(|&d| Literal::usize_unsuffixed(d)).collect()
}

/// `i64` literals.
pub fn i64s(v: &[usize]) -> Vec<Literal> {
    v.iter().map(|&d| Literal::i64_suffixed(d as i64)).collect()
}

/// Formats a file of items with prettyplease, under a header comment.
pub fn format_rust(header: &str, items: TokenStream) -> Result<String> {
    let file: syn::File = syn::parse2(items).map_err(|e| Error::Internal(e.to_string()))?;
    let mut s = String::new();
    for line in header.lines() {
        s += "// ";
        s += line;
        s += "\n";
    }
    s += &prettyplease::unparse(&file);
    Ok(s)
}

/// The header comment of emitted code: what it was traced from and the graph's signature.
pub fn header(g: &Graph, target: &str) -> String {
    let mut s = format!(
        "Emitted by tensorswitch-transpile for {target} from a graph traced on {}.\n",
        g.backend()
    );
    for (i, v) in g.inputs().iter().enumerate() {
        if let Some(info) = g.info(*v) {
            s += &format!("input {i}: {info}\n");
        }
    }
    for c in g.constants() {
        if let Some(info) = g.info(c.value) {
            s += &format!("constant {}: {info}\n", c.name);
        }
    }
    for (i, v) in g.outputs().iter().enumerate() {
        if let Some(info) = g.info(*v) {
            s += &format!("output {i}: {info}\n");
        }
    }
    s
}

/// The catalogue op of a node; a custom op ([`tensorswitch::custom_op!`]) is not transpiled.
pub fn catalogue_op(target: &'static str, n: &Node) -> Result<Op> {
    n.op.catalogue()
        .ok_or_else(|| custom_unsupported(target, n))
}

/// The error of a custom node: custom ops are not transpiled (docs/transpile.md).
pub fn custom_unsupported(target: &'static str, n: &Node) -> Error {
    unsupported(
        target,
        n,
        "it is a custom op (`tensorswitch::custom_op!`), and custom ops are not transpiled: \
         the emitted code uses the framework alone, without tensorswitch; trace the function \
         with the custom op's composition inlined (call `<op>::composition` in it) to emit \
         its catalogue ops",
    )
}

pub fn unsupported(target: &'static str, n: &Node, reason: impl Into<String>) -> Error {
    Error::Unsupported {
        target,
        op: n.op.name().to_string(),
        reason: reason.into(),
    }
}

/// How many times each value is read (by nodes and as an output), to know when a value can be
/// moved instead of copied.
pub fn reads(g: &Graph) -> HashMap<ValueId, usize> {
    let mut r = HashMap::new();
    for n in g.nodes() {
        for i in &n.inputs {
            *r.entry(*i).or_insert(0) += 1;
        }
    }
    for o in g.outputs() {
        *r.entry(*o).or_insert(0) += 1;
    }
    r
}
