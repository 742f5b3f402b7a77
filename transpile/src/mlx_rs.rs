//! The mlx-rs target: one `pub fn` over `mlx_rs::Array`, with a `check` helper and a private
//! module `kernels` after it.
//!
//! Each node is what the MLX backend runs for it: its primary (backends/mlx/src/*.rs) or, where
//! it has none, the core's fallback composed of the backend's primaries (`mean` is `sum`
//! divided by the count, `softmax` subtracts the lane's maximum and calls the backend's `exp`,
//! …). The fix-ups the primaries make are not re-written here: they are functions of
//! backends/mlx/src/kernels.rs, which the backend compiles and this emitter copies, as text,
//! into the emitted module `kernels` (only those a graph uses, with what they call). One source,
//! read by both. What can still differ — which MLX op or kernel a node maps to, and the
//! special cases the primaries decide from shapes — is checked by running the emitted code of
//! every conformance case against eager MLX (backends/mlx/tests/transpiled.rs).

use crate::common::{self, info, is_signed, output, unsupported};
use crate::{Constants, Options, Result};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;
use std::collections::{BTreeSet, HashMap};
use tensorswitch::trace::{Args, Graph, Node, ValueId};
use tensorswitch::{DType, HostData, Op, Scalar};

const TARGET: &str = "mlx-rs";

/// The MLX backend's fix-ups, shared with the backend (see the module documentation).
pub(crate) const KERNELS: &str = include_str!("../../backends/mlx/src/kernels.rs");

struct Emitter<'g> {
    g: &'g Graph,
    opts: &'g Options,
    names: common::Names,
    /// The functions of kernels.rs the code calls.
    kernels: BTreeSet<&'static str>,
}

/// mlx-rs's dtype.
fn dtype(d: DType) -> TokenStream {
    match d {
        DType::Bool => quote!(mlx_rs::Dtype::Bool),
        DType::Int8 => quote!(mlx_rs::Dtype::Int8),
        DType::Int16 => quote!(mlx_rs::Dtype::Int16),
        DType::Int32 => quote!(mlx_rs::Dtype::Int32),
        DType::Int64 => quote!(mlx_rs::Dtype::Int64),
        DType::UInt8 => quote!(mlx_rs::Dtype::Uint8),
        DType::UInt16 => quote!(mlx_rs::Dtype::Uint16),
        DType::UInt32 => quote!(mlx_rs::Dtype::Uint32),
        DType::UInt64 => quote!(mlx_rs::Dtype::Uint64),
        DType::Float16 => quote!(mlx_rs::Dtype::Float16),
        DType::BFloat16 => quote!(mlx_rs::Dtype::Bfloat16),
        DType::Float32 => quote!(mlx_rs::Dtype::Float32),
        DType::Float64 => quote!(mlx_rs::Dtype::Float64),
    }
}

/// `i32` literals (MLX's shapes and axes are `int`).
fn i32s(v: &[usize]) -> Vec<Literal> {
    v.iter().map(|&d| Literal::i32_suffixed(d as i32)).collect()
}

fn shape_lit(v: &[usize]) -> TokenStream {
    let d = i32s(v);
    quote!(&[#(#d),*] as &[i32])
}

/// A 0-d array of dtype `d` holding `value`, as the backend's `full` makes it: the value
/// converted with Rust's `as` rules on the host (float16/bfloat16: rounded by MLX from
/// float64).
fn scalar(d: DType, value: Scalar) -> TokenStream {
    if matches!(d, DType::Float16 | DType::BFloat16) {
        let v = Literal::f64_suffixed(value.as_f64());
        let t = dtype(d);
        return quote!(mlx_rs::Array::from_f64(#v).as_dtype(#t)?);
    }
    let lit = common::scalar_lit(d, value);
    if d == DType::Float64 {
        // mlx-rs takes float64 data through its own constructor.
        return quote!(mlx_rs::Array::from_f64(#lit));
    }
    quote!(mlx_rs::Array::from_slice(&[#lit], &[]))
}

/// `mlx_rs::Array::from_slice(&[..], &[..])`.
fn from_host(h: &HostData, shape: &[usize]) -> TokenStream {
    let lits = common::host_lits(h);
    let t = common::rust_type(h.dtype()).unwrap_or_else(|| quote!(f32));
    let dims = shape_lit(shape);
    if h.dtype() == DType::Float64 {
        return quote!(mlx_rs::Array::from_slice_f64(&[#(#lits),*], #dims));
    }
    quote!(mlx_rs::Array::from_slice::<#t>(&[#(#lits),*], #dims))
}

pub fn emit(g: &Graph, opts: &Options) -> Result<String> {
    let mut e = Emitter {
        g,
        opts,
        names: common::Names::new(g),
        kernels: BTreeSet::new(),
    };
    let name = Ident::new(&opts.name, Span::call_site());
    let mut params = Vec::new();
    let mut checks = Vec::new();
    let mut body = Vec::new();
    let mut args: Vec<ValueId> = g.inputs().to_vec();
    if opts.constants == Constants::Arguments {
        args.extend(g.constants().iter().map(|c| c.value));
    }
    for v in &args {
        let (d, shape) = info(g, *v)?;
        let id = e.names.ident(*v);
        params.push(quote!(#id: &mlx_rs::Array));
        let (dims, t) = (shape_lit(&shape), dtype(d));
        checks.push(quote!(check(#id, #dims, #t)?;));
    }
    if opts.constants == Constants::Embedded {
        for c in g.constants() {
            let h = c
                .tensor
                .to_host()
                .map_err(|err| crate::Error::Unsupported {
                    target: TARGET,
                    op: "constant".into(),
                    reason: format!("the constant `{}` cannot be read: {err}", c.name),
                })?;
            let (_, shape) = info(g, c.value)?;
            let id = e.names.ident(c.value);
            let made = from_host(&h, &shape);
            body.push(quote!(let #id = #made;));
        }
    }
    for n in g.nodes() {
        let expr = e.node(n)?;
        let id = e.names.ident(output(n));
        body.push(quote!(let #id = #expr;));
    }
    let outs = g.outputs();
    let mut results = Vec::new();
    for (i, v) in outs.iter().enumerate() {
        let id = e.names.ident(*v);
        let later = outs[i + 1..].contains(v);
        results.push(if common::is_argument(g, opts, *v) || later {
            quote!(#id.clone())
        } else {
            quote!(#id)
        });
    }
    let (ret_t, ret) = if outs.len() == 1 {
        (quote!(mlx_rs::Array), results[0].clone())
    } else {
        let ts = outs.iter().map(|_| quote!(mlx_rs::Array));
        (quote!((#(#ts),*)), quote!((#(#results),*)))
    };
    let kernels = kernels_module(&e.kernels)?;
    let doc = format!(
        " The traced graph as mlx-rs code: inputs and results as `mlx_rs::Array`, results \
         unevaluated (MLX is lazy: they compute when read or evaluated); an error when an \
         argument's shape or dtype differs from the traced one ({} nodes).",
        g.nodes().len()
    );
    let items = quote! {
        #[doc = #doc]
        #[allow(clippy::all, unused_parens, unused_variables)]
        pub fn #name(#(#params),*) -> Result<#ret_t, mlx_rs::error::Exception> {
            #(#checks)*
            #(#body)*
            Ok(#ret)
        }

        /// An error unless the array has the traced shape and dtype.
        #[allow(dead_code)]
        fn check(a: &mlx_rs::Array, shape: &[i32], dtype: mlx_rs::Dtype) -> Result<(), mlx_rs::error::Exception> {
            if a.shape() != shape {
                return Err(mlx_rs::error::Exception::custom(format!(
                    "expected shape {shape:?}, got {:?}",
                    a.shape()
                )));
            }
            if a.dtype() != dtype {
                return Err(mlx_rs::error::Exception::custom(format!(
                    "expected {dtype:?}, got {:?}",
                    a.dtype()
                )));
            }
            Ok(())
        }

        #kernels
    };
    common::format_rust(&common::header(g, TARGET), items)
}

/// The items of kernels.rs (`use`s, functions, constants, type aliases) by name.
/// The `use` items of kernels.rs, and its named items with their names.
type KernelItems = (Vec<syn::Item>, Vec<(String, syn::Item)>);

fn kernel_items() -> Result<KernelItems> {
    let file: syn::File = syn::parse_str(KERNELS).map_err(|e| {
        crate::Error::Internal(format!("backends/mlx/src/kernels.rs does not parse: {e}"))
    })?;
    let mut uses = Vec::new();
    let mut named = Vec::new();
    for item in file.items {
        let name = match &item {
            syn::Item::Use(_) => {
                uses.push(item);
                continue;
            }
            syn::Item::Fn(f) => f.sig.ident.to_string(),
            syn::Item::Const(c) => c.ident.to_string(),
            syn::Item::Type(t) => t.ident.to_string(),
            _ => continue,
        };
        named.push((name, item));
    }
    Ok((uses, named))
}

/// `mod kernels { … }`: the functions `roots` of kernels.rs and every item they use, in the
/// file's order; nothing when `roots` is empty.
fn kernels_module(roots: &BTreeSet<&'static str>) -> Result<TokenStream> {
    if roots.is_empty() {
        return Ok(quote!());
    }
    let (uses, named) = kernel_items()?;
    let index: HashMap<&str, usize> = named
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.as_str(), i))
        .collect();
    let mut keep = vec![false; named.len()];
    let mut todo: Vec<usize> = Vec::new();
    for r in roots {
        let i = *index.get(r).ok_or_else(|| {
            crate::Error::Internal(format!("backends/mlx/src/kernels.rs has no `{r}`"))
        })?;
        todo.push(i);
    }
    while let Some(i) = todo.pop() {
        if keep[i] {
            continue;
        }
        keep[i] = true;
        let item = &named[i].1;
        let mut idents = Vec::new();
        collect_idents(quote!(#item), &mut idents);
        for id in idents {
            if let Some(&j) = index.get(id.as_str()) {
                if !keep[j] {
                    todo.push(j);
                }
            }
        }
    }
    let items = named
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|((_, item), _)| item);
    Ok(quote! {
        /// The MLX backend's fix-ups (copied from tensorswitch's backends/mlx/src/kernels.rs,
        /// which the backend itself runs).
        #[allow(dead_code, unused_imports, clippy::all)]
        mod kernels {
            #(#uses)*
            #(#items)*
        }
    })
}

/// The identifiers of `ts` that are not the tail of a path (`m::remainder` names MLX's op,
/// not the kernel `remainder`).
fn collect_idents(ts: TokenStream, out: &mut Vec<String>) {
    let mut colons = 0;
    for t in ts {
        match t {
            proc_macro2::TokenTree::Ident(i) => {
                if colons < 2 {
                    out.push(i.to_string());
                }
                colons = 0;
            }
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' => colons += 1,
            proc_macro2::TokenTree::Group(g) => {
                collect_idents(g.stream(), out);
                colons = 0;
            }
            _ => colons = 0,
        }
    }
}

impl Emitter<'_> {
    /// The value as an expression of type `&Array`.
    fn r(&self, v: ValueId) -> TokenStream {
        let id = self.names.ident(v);
        if common::is_argument(self.g, self.opts, v) {
            quote!(#id)
        } else {
            quote!(&#id)
        }
    }

    fn input(&self, n: &Node, i: usize) -> Result<ValueId> {
        n.inputs
            .get(i)
            .copied()
            .ok_or_else(|| unsupported(TARGET, n, format!("expected input {i}")))
    }

    fn kernel(&mut self, name: &'static str) -> TokenStream {
        self.kernels.insert(name);
        let id = Ident::new(name, Span::call_site());
        quote!(kernels::#id)
    }

    /// The backend's reduction primary (`sum`, `prod`, `max`, `min`, `all`, `any`) of `x`
    /// (an expression of type `&Array`, of dtype `d` and shape `s`).
    fn reduce(
        &self,
        op: Op,
        x: TokenStream,
        d: DType,
        s: &[usize],
        axes: &[usize],
        keepdims: bool,
    ) -> TokenStream {
        if axes.is_empty() {
            return quote!((#x).clone());
        }
        if s.iter().product::<usize>() == 0 {
            // MLX's CPU reduction loops forever over a zero-size axis: the identity, broadcast.
            let identity = match op {
                Op::prod | Op::all => Literal::f64_suffixed(1.0),
                _ => Literal::f64_suffixed(0.0),
            };
            let t = dtype(d);
            let fill = quote!(mlx_rs::Array::from_f64(#identity).as_dtype(#t)?);
            let shape = shape_lit(&reduced_shape(s, axes, keepdims));
            return quote!(mlx_rs::ops::broadcast_to(&#fill, #shape)?);
        }
        let method = Ident::new(
            match op {
                Op::sum => "sum_axes",
                Op::prod => "prod_axes",
                Op::max => "max_axes",
                Op::min => "min_axes",
                Op::all => "all_axes",
                _ => "any_axes",
            },
            Span::call_site(),
        );
        let ax = shape_lit(axes);
        quote!((#x).#method(#ax, #keepdims)?)
    }

    fn node(&mut self, n: &Node) -> Result<TokenStream> {
        let op = common::catalogue_op(TARGET, n)?;
        let g = self.g;
        let (od, oshape) = info(g, output(n))?;
        match (&n.args, n.inputs.len()) {
            (Args::None, 1) => {
                let a = self.input(n, 0)?;
                let (d, s) = info(g, a)?;
                let x = self.r(a);
                let m = |name: &str| {
                    let id = Ident::new(name, Span::call_site());
                    Ok(quote!(mlx_rs::ops::#id(#x)?))
                };
                match op {
                    Op::negative => m("negative"),
                    Op::abs => m("abs"),
                    Op::exp => {
                        let k = self.kernel("exp_guarded");
                        Ok(quote!(#k(#x)?))
                    }
                    Op::sin => {
                        let k = self.kernel("sin_precise");
                        Ok(quote!(#k(#x)?))
                    }
                    Op::cos => {
                        let k = self.kernel("cos_precise");
                        Ok(quote!(#k(#x)?))
                    }
                    Op::log => m("log"),
                    Op::log1p => m("log1p"),
                    Op::expm1 => m("expm1"),
                    Op::sqrt => m("sqrt"),
                    Op::square => m("square"),
                    Op::tanh => m("tanh"),
                    Op::tan => m("tan"),
                    Op::sinh => m("sinh"),
                    Op::cosh => m("cosh"),
                    Op::asin => m("asin"),
                    Op::acos => m("acos"),
                    Op::atan => m("atan"),
                    Op::asinh => m("asinh"),
                    Op::acosh => m("acosh"),
                    Op::atanh => m("atanh"),
                    Op::log2 => m("log2"),
                    Op::log10 => m("log10"),
                    Op::floor => m("floor"),
                    Op::ceil => m("ceil"),
                    Op::round => Ok(quote!(mlx_rs::ops::round(#x, None)?)),
                    Op::trunc => Ok(quote!((#x).trunc()?)),
                    Op::positive => Ok(quote!((#x).clone())),
                    Op::isnan => m("is_nan"),
                    Op::isinf => m("is_inf"),
                    Op::isfinite => Ok(quote!((#x).is_finite()?)),
                    Op::signbit => {
                        let k = self.kernel("signbit");
                        Ok(quote!(#k(#x)?))
                    }
                    Op::sign => {
                        let k = self.kernel("sign_nan");
                        Ok(quote!(#k(#x)?))
                    }
                    Op::logical_not => m("logical_not"),
                    // Integers go to mlx-c's bitwise ops, which mlx-rs does not expose.
                    Op::bitwise_invert if d == DType::Bool => m("logical_not"),
                    Op::bitwise_invert => Err(unsupported(
                        TARGET,
                        n,
                        "integer bitwise ops are mlx-c calls mlx-rs 0.33 does not expose",
                    )),
                    // The core's fallback: the last two axes swapped by `permute_dims`.
                    Op::matrix_transpose => {
                        let k = s.len();
                        let mut perm: Vec<usize> = (0..k).collect();
                        perm.swap(k - 1, k - 2);
                        let p = shape_lit(&perm);
                        Ok(quote!(mlx_rs::ops::transpose_axes(#x, #p)?))
                    }
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            (Args::None, 2) => {
                let (a, b) = (self.input(n, 0)?, self.input(n, 1)?);
                let (d, sa) = info(g, a)?;
                let (_, sb) = info(g, b)?;
                let (x, y) = (self.r(a), self.r(b));
                let m = |name: &str| {
                    let id = Ident::new(name, Span::call_site());
                    Ok(quote!(mlx_rs::ops::#id(#x, #y)?))
                };
                match op {
                    Op::add => m("add"),
                    Op::subtract => m("subtract"),
                    Op::multiply => m("multiply"),
                    Op::divide => m("divide"),
                    Op::maximum => m("maximum"),
                    Op::minimum => m("minimum"),
                    Op::atan2 => m("atan2"),
                    Op::equal => m("eq"),
                    Op::not_equal => m("ne"),
                    Op::less => m("lt"),
                    Op::less_equal => m("le"),
                    Op::greater => m("gt"),
                    Op::greater_equal => m("ge"),
                    Op::logical_and => m("logical_and"),
                    Op::logical_or => m("logical_or"),
                    // The core's fallback: `not_equal`.
                    Op::logical_xor => m("ne"),
                    Op::bitwise_and if d == DType::Bool => m("logical_and"),
                    Op::bitwise_or if d == DType::Bool => m("logical_or"),
                    Op::bitwise_xor if d == DType::Bool => m("ne"),
                    Op::bitwise_and | Op::bitwise_or | Op::bitwise_xor => Err(unsupported(
                        TARGET,
                        n,
                        "integer bitwise ops are mlx-c calls mlx-rs 0.33 does not expose",
                    )),
                    Op::floor_divide => {
                        let k = self.kernel("floor_divide");
                        Ok(quote!(#k(#x, #y)?))
                    }
                    Op::remainder => {
                        let k = self.kernel("remainder");
                        Ok(quote!(#k(#x, #y)?))
                    }
                    Op::pow => {
                        let (e, _) = info(g, b)?;
                        if d.is_integer() && is_signed(e) && sb.iter().product::<usize>() > 0 {
                            let k = self.kernel("any_negative");
                            let msg = format!(
                                "pow: an integer ({d}) raised to a negative integer power has no \
                                 integer result; convert the base to a float dtype first"
                            );
                            Ok(quote!({
                                let negative = #k(#y)?;
                                negative.eval()?;
                                let negative = negative
                                    .try_item_exact::<bool>()
                                    .map_err(|e| mlx_rs::error::Exception::custom(e.to_string()))?;
                                if negative {
                                    return Err(mlx_rs::error::Exception::custom(#msg));
                                }
                                mlx_rs::ops::power(#x, #y)?
                            }))
                        } else {
                            m("power")
                        }
                    }
                    Op::linalg_outer => m("outer"),
                    Op::matmul if d.is_float() => m("matmul"),
                    Op::matmul if sa.last().copied().unwrap_or(0) == 0 => {
                        // Summing over the empty inner dimension would hang MLX: zeros.
                        let (shape, t) = (shape_lit(&oshape), dtype(od));
                        Ok(quote!(mlx_rs::ops::zeros_dtype(#shape, #t)?))
                    }
                    Op::matmul => {
                        let k = self.kernel("int_matmul");
                        Ok(quote!(#k(#x, #y)?))
                    }
                    // The core's fallback: `max(a, b) + log1p(exp(-|a - b|))`, `a + ln 2` where
                    // `a == b`.
                    Op::logaddexp => {
                        let k = self.kernel("exp_guarded");
                        let ln2 = scalar(d, Scalar::Float(std::f64::consts::LN_2));
                        Ok(quote!({
                            let gap = mlx_rs::ops::negative(&mlx_rs::ops::abs(&mlx_rs::ops::subtract(#x, #y)?)?)?;
                            let general = mlx_rs::ops::add(
                                &mlx_rs::ops::maximum(#x, #y)?,
                                &mlx_rs::ops::log1p(&#k(&gap)?)?,
                            )?;
                            let twice = mlx_rs::ops::add(#x, &#ln2)?;
                            mlx_rs::ops::select(&mlx_rs::ops::eq(#x, #y)?, &twice, &general)?
                        }))
                    }
                    // The core's fallback: `m · sqrt(1 + (n/m)²)` of the larger and smaller
                    // magnitudes; 0 where both are 0, infinity where either is infinite.
                    Op::hypot => {
                        let (one, zero, inf) = (
                            scalar(d, Scalar::Float(1.0)),
                            scalar(d, Scalar::Float(0.0)),
                            scalar(d, Scalar::Float(f64::INFINITY)),
                        );
                        Ok(quote!({
                            let (a, b) = (mlx_rs::ops::abs(#x)?, mlx_rs::ops::abs(#y)?);
                            let (m, n) = (mlx_rs::ops::maximum(&a, &b)?, mlx_rs::ops::minimum(&a, &b)?);
                            let r = mlx_rs::ops::divide(&n, &m)?;
                            let h = mlx_rs::ops::multiply(
                                &m,
                                &mlx_rs::ops::sqrt(&mlx_rs::ops::add(&#one, &mlx_rs::ops::multiply(&r, &r)?)?)?,
                            )?;
                            let h = mlx_rs::ops::select(&mlx_rs::ops::eq(&m, &#zero)?, &m, &h)?;
                            let inf = #inf;
                            let either = mlx_rs::ops::logical_or(&mlx_rs::ops::eq(&a, &inf)?, &mlx_rs::ops::eq(&b, &inf)?)?;
                            mlx_rs::ops::select(&either, &inf, &h)?
                        }))
                    }
                    // The core's fallback: the sign bit of `b` on the magnitude of `a`.
                    Op::copysign => {
                        let k = self.kernel("signbit");
                        Ok(quote!({
                            let magnitude = mlx_rs::ops::abs(#x)?;
                            mlx_rs::ops::select(&#k(#y)?, &mlx_rs::ops::negative(&magnitude)?, &magnitude)?
                        }))
                    }
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            (Args::None, 3) if op == Op::where_ => {
                let (c, a, b) = (self.input(n, 0)?, self.input(n, 1)?, self.input(n, 2)?);
                let (c, x, y) = (self.r(c), self.r(a), self.r(b));
                Ok(quote!(mlx_rs::ops::select(#c, #x, #y)?))
            }
            // The core's fallback: `maximum` with the lower bound, then `minimum`.
            (Args::Clip { min, max }, _) => {
                let x = self.r(self.input(n, 0)?);
                if !min && !max {
                    return Ok(quote!((#x).clone()));
                }
                let mut cur = x;
                let mut i = 1;
                for (present, f) in [(*min, quote!(maximum)), (*max, quote!(minimum))] {
                    if present {
                        let b = self.r(self.input(n, i)?);
                        i += 1;
                        cur = quote!(&mlx_rs::ops::#f(#cur, #b)?);
                    }
                }
                // `cur` is `&expr`: the expression itself.
                let mut tokens: Vec<proc_macro2::TokenTree> = cur.into_iter().collect();
                tokens.remove(0);
                Ok(tokens.into_iter().collect())
            }
            (Args::Cast(to), 1) => {
                let a = self.input(n, 0)?;
                let (from, _) = info(g, a)?;
                let x = self.r(a);
                let t = dtype(*to);
                if from.is_float() && to.is_integer() {
                    let (lo, hi) = to
                        .integer_range()
                        .ok_or_else(|| unsupported(TARGET, n, "no integer range"))?;
                    let wide = if from == DType::Float64 {
                        DType::Float64
                    } else {
                        DType::Float32
                    };
                    let hi_f = wide.largest_float_at_most(hi);
                    let over = if hi_f as i128 != hi {
                        let limit = Literal::f64_suffixed((hi + 1) as f64);
                        let max = Literal::u64_suffixed(hi as u64);
                        quote!(Some((#limit, #max)))
                    } else {
                        quote!(None)
                    };
                    let k = self.kernel("float_to_int");
                    let (lo, hi) = (
                        Literal::f64_suffixed(lo as f64),
                        Literal::f64_suffixed(hi_f),
                    );
                    let w = dtype(wide);
                    return Ok(quote!(#k(#x, #w, #t, #lo, #hi, #over)?));
                }
                Ok(quote!((#x).as_dtype(#t)?))
            }
            (Args::Reduce { axes, keepdims }, 1) => {
                let a = self.input(n, 0)?;
                let (d, s) = info(g, a)?;
                let x = self.r(a);
                match op {
                    Op::sum | Op::prod | Op::max | Op::min | Op::all | Op::any => {
                        Ok(self.reduce(op, x, d, &s, axes, *keepdims))
                    }
                    Op::count_nonzero => {
                        if s.iter().product::<usize>() == 0 {
                            let shape = shape_lit(&reduced_shape(&s, axes, *keepdims));
                            return Ok(
                                quote!(mlx_rs::ops::zeros_dtype(#shape, mlx_rs::Dtype::Int64)?),
                            );
                        }
                        let ones = quote!((#x).as_dtype(mlx_rs::Dtype::Int64)?);
                        if axes.is_empty() {
                            return Ok(ones);
                        }
                        let ax = shape_lit(axes);
                        Ok(quote!(#ones.sum_axes(#ax, #keepdims)?))
                    }
                    // The core's fallback: `sum` divided by the count.
                    Op::mean => {
                        let sum = self.reduce(Op::sum, x, d, &s, axes, *keepdims);
                        let count = axes.iter().map(|&i| s[i]).product::<usize>() as f64;
                        let c = scalar(d, Scalar::Float(count));
                        Ok(quote!(mlx_rs::ops::divide(&#sum, &#c)?))
                    }
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            // The core's fallback: the two-pass `sum((x - mean)²) / max(N - correction, 0)`.
            (
                Args::Stat {
                    axes,
                    correction,
                    keepdims,
                },
                1,
            ) => {
                let a = self.input(n, 0)?;
                let (d, s) = info(g, a)?;
                let x = self.r(a);
                let count = axes.iter().map(|&i| s[i]).product::<usize>() as f64;
                let sum = self.reduce(Op::sum, x.clone(), d, &s, axes, true);
                let c = scalar(d, Scalar::Float(count));
                let ss = self.reduce(Op::sum, quote!(&dd), d, &s, axes, *keepdims);
                let dof = scalar(d, Scalar::Float((count - correction).max(0.0)));
                let root = if op == Op::std {
                    quote!(let var = mlx_rs::ops::sqrt(&var)?;)
                } else {
                    quote!()
                };
                Ok(quote!({
                    let mean = mlx_rs::ops::divide(&#sum, &#c)?;
                    let d = mlx_rs::ops::subtract(#x, &mean)?;
                    let dd = mlx_rs::ops::multiply(&d, &d)?;
                    let var = mlx_rs::ops::divide(&#ss, &#dof)?;
                    #root
                    var
                }))
            }
            (Args::ArgReduce { axis, keepdims }, 1) => {
                let a = self.input(n, 0)?;
                let (_, s) = info(g, a)?;
                let x = self.r(a);
                if s.iter().product::<usize>() == 0 || s.is_empty() {
                    // An empty input has an empty result (the core refuses empty reduced
                    // axes); a 0-d one has its only element at index 0.
                    let shape = shape_lit(&oshape);
                    return Ok(quote!(mlx_rs::ops::zeros_dtype(#shape, mlx_rs::Dtype::Int64)?));
                }
                let ax = match axis {
                    Some(k) => {
                        let k = Literal::i32_suffixed(*k as i32);
                        quote!(Some(#k))
                    }
                    None => quote!(None),
                };
                let largest = op == Op::argmax;
                let k = self.kernel("arg_extremum");
                Ok(quote!(#k(#x, #ax, #keepdims, #largest)?))
            }
            (Args::Axis(k), _) => {
                let kl = Literal::i32_suffixed(*k as i32);
                match op {
                    // The core's fallback: `exp(x - max) / sum(exp(x - max))`.
                    Op::softmax => {
                        let a = self.input(n, 0)?;
                        let (d, s) = info(g, a)?;
                        let x = self.r(a);
                        if s[*k] == 0 {
                            return Ok(quote!((#x).clone()));
                        }
                        let max = self.reduce(Op::max, x.clone(), d, &s, &[*k], true);
                        let sum = self.reduce(Op::sum, quote!(&e), d, &s, &[*k], true);
                        let exp = self.kernel("exp_guarded");
                        Ok(quote!({
                            let e = #exp(&mlx_rs::ops::subtract(#x, &#max)?)?;
                            mlx_rs::ops::divide(&e, &#sum)?
                        }))
                    }
                    Op::cumulative_sum => {
                        let a = self.input(n, 0)?;
                        let (_, s) = info(g, a)?;
                        let x = self.r(a);
                        if s.iter().product::<usize>() == 0 {
                            return Ok(quote!((#x).clone()));
                        }
                        Ok(quote!(mlx_rs::ops::cumsum(#x, #kl, false, true)?))
                    }
                    // The core's fallback: a reshape.
                    Op::expand_dims => {
                        let x = self.r(self.input(n, 0)?);
                        let shape = shape_lit(&oshape);
                        Ok(quote!(mlx_rs::ops::reshape(#x, #shape)?))
                    }
                    Op::take | Op::take_along_axis => {
                        let (x, i) = (self.r(self.input(n, 0)?), self.r(self.input(n, 1)?));
                        let f = if op == Op::take {
                            quote!(take_axis)
                        } else {
                            quote!(take_along_axis)
                        };
                        Ok(quote!((#x).#f(#i, #kl)?))
                    }
                    Op::concat => {
                        let refs: Vec<TokenStream> = n.inputs.iter().map(|v| self.r(*v)).collect();
                        Ok(quote!(mlx_rs::ops::concatenate(&[#(#refs),*], #kl)?))
                    }
                    // The core's fallback: each input reshaped with the new axis, concatenated.
                    Op::stack => {
                        let mut parts = Vec::new();
                        for v in &n.inputs {
                            let (_, s) = info(g, *v)?;
                            let mut shape = s.clone();
                            shape.insert(*k, 1);
                            let shape = shape_lit(&shape);
                            let x = self.r(*v);
                            parts.push(quote!(mlx_rs::ops::reshape(#x, #shape)?));
                        }
                        Ok(quote!(mlx_rs::ops::concatenate(&[#(#parts),*], #kl)?))
                    }
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            // The diagonal over the last two axes (and its sum, in the input's dtype); an
            // empty one is built as zeros (summing an empty axis hangs MLX).
            (Args::Int(offset), 1) if matches!(op, Op::linalg_diagonal | Op::linalg_trace) => {
                let a = self.input(n, 0)?;
                let (d, s) = info(g, a)?;
                let x = self.r(a);
                let (rows, cols) = (s[s.len() - 2], s[s.len() - 1]);
                let k = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
                let len = if *offset >= 0 {
                    rows.min(cols.saturating_sub(k))
                } else {
                    cols.min(rows.saturating_sub(k))
                };
                let t = dtype(d);
                if len == 0 || s.iter().product::<usize>() == 0 {
                    let shape = shape_lit(&oshape);
                    return Ok(quote!(mlx_rs::ops::zeros_dtype(#shape, #t)?));
                }
                let off = Literal::i32_suffixed(*offset as i32);
                let diag = quote!((#x).diagonal(#off, -2, -1)?);
                Ok(if op == Op::linalg_trace {
                    quote!(#diag.sum_axis(-1, false)?.as_dtype(#t)?)
                } else {
                    diag
                })
            }
            (Args::Sort { axis, descending }, 1) => {
                let a = self.input(n, 0)?;
                let (_, s) = info(g, a)?;
                let x = self.r(a);
                let ax = Literal::i32_suffixed(*axis as i32);
                // An empty input is its own result: MLX's sort kernels divide by the extent.
                let empty = s.iter().product::<usize>() == 0;
                match op {
                    Op::sort if empty => Ok(quote!((#x).clone())),
                    Op::sort => {
                        let k = self.kernel("sort");
                        Ok(quote!(#k(#x, #ax, #descending)?))
                    }
                    Op::argsort if empty => Ok(quote!((#x).as_dtype(mlx_rs::Dtype::Int64)?)),
                    Op::argsort => {
                        let k = self.kernel("argsort");
                        let extent = Literal::i32_suffixed(s[*axis] as i32);
                        Ok(quote!(#k(#x, #ax, #extent, #descending)?))
                    }
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            (Args::Sizes(sz), 1) => {
                let x = self.r(self.input(n, 0)?);
                let dims = shape_lit(sz);
                match op {
                    Op::reshape => Ok(quote!(mlx_rs::ops::reshape(#x, #dims)?)),
                    // The core's fallback: a reshape to the remaining sizes.
                    Op::squeeze => {
                        let shape = shape_lit(&oshape);
                        Ok(quote!(mlx_rs::ops::reshape(#x, #shape)?))
                    }
                    Op::permute_dims | Op::moveaxis => {
                        Ok(quote!(mlx_rs::ops::transpose_axes(#x, #dims)?))
                    }
                    Op::flip if sz.is_empty() => Ok(quote!((#x).clone())),
                    Op::flip => {
                        let d = i32s(sz);
                        Ok(quote!((#x).flip(mlx_rs::Axes::Axes(vec![#(#d),*]))?))
                    }
                    Op::broadcast_to => Ok(quote!(mlx_rs::ops::broadcast_to(#x, #dims)?)),
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            // The backend's `full`: a 0-d array of the value, broadcast.
            (Args::Full { value, .. }, _) => {
                let v = scalar(od, *value);
                let shape = shape_lit(&oshape);
                Ok(quote!(mlx_rs::ops::broadcast_to(&#v, #shape)?))
            }
            // `full` of 0 or 1 (`empty` is zeros).
            (Args::Fill { .. }, _) => {
                let one = matches!(op, Op::ones | Op::ones_like);
                let v = scalar(od, Scalar::Int(i64::from(one)));
                let shape = shape_lit(&oshape);
                Ok(quote!(mlx_rs::ops::broadcast_to(&#v, #shape)?))
            }
            (Args::FromHost { data, shape, .. }, 0) => Ok(from_host(data, shape)),
            _ => Err(unsupported(
                TARGET,
                n,
                "the mlx-rs emitter does not support this op (see supported_ops)",
            )),
        }
    }
}

/// The shape of a reduction's result: `axes` dropped, or kept as 1.
fn reduced_shape(shape: &[usize], axes: &[usize], keepdims: bool) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&i), keepdims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}
