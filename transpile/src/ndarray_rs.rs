//! The ndarray target: one `pub fn` over `ndarray::ArrayD`, with private helpers after it.
//!
//! Each node mirrors what the ndarray backend runs for it: its primary
//! (backends/ndarray/src/*.rs) or, where it has none, the core's fallback as the backend
//! computes it (`mean` is a pairwise sum divided by the count, `softmax` subtracts the lane's
//! maximum, …). The tests run the emitted code against eager execution on the conformance
//! cases (transpile/tests/ops_ndarray.rs), so a change on either side shows.

use crate::common::{self, float_lit, info, int_lit, is_signed, output, rust_type, unsupported};
use crate::{Constants, Options, Result};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;
use std::collections::BTreeSet;
use tensorswitch::trace::{Args, Graph, Node, ValueId};
use tensorswitch::{DType, Op};

const TARGET: &str = "ndarray";

/// The emitted code's helpers, each emitted once when some node uses it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Helper {
    Check,
    Bcast,
    Zip2,
    Zip3,
    Lanes,
    PairwiseSum,
    Extremum,
    ArgExtremum,
    Softmax,
    Matmul,
}

struct Emitter<'g> {
    g: &'g Graph,
    opts: &'g Options,
    names: common::Names,
    helpers: BTreeSet<Helper>,
    /// How many times each value is read (by nodes and as an output).
    reads: std::collections::HashMap<ValueId, usize>,
}

pub fn emit(g: &Graph, opts: &Options) -> Result<String> {
    let mut e = Emitter {
        g,
        opts,
        names: common::Names::new(g),
        helpers: BTreeSet::new(),
        reads: common::reads(g),
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
        let t = elem(d, g, *v)?;
        let id = e.names.ident(*v);
        params.push(quote!(#id: &ndarray::ArrayD<#t>));
        let dims = common::usizes(&shape);
        checks.push(quote!(check(#id, &[#(#dims),*])?;));
        e.helpers.insert(Helper::Check);
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
            let (d, shape) = info(g, c.value)?;
            let t = elem(d, g, c.value)?;
            let id = e.names.ident(c.value);
            let dims = common::usizes(&shape);
            let lits = common::host_lits(&h);
            body.push(quote! {
                let #id: ndarray::ArrayD<#t> =
                    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[#(#dims),*]), vec![#(#lits),*])?;
            });
        }
    }
    for n in g.nodes() {
        let expr = e.node(n)?;
        let out = output(n);
        let (d, _) = info(g, out)?;
        let t = elem(d, g, out)?;
        let id = e.names.ident(out);
        body.push(quote!(let #id: ndarray::ArrayD<#t> = #expr;));
    }
    // Outputs: a local moves at its last use, earlier uses and arguments clone.
    let outs = g.outputs();
    let mut results = Vec::new();
    let mut types = Vec::new();
    for (i, v) in outs.iter().enumerate() {
        let (d, _) = info(g, *v)?;
        let t = elem(d, g, *v)?;
        types.push(quote!(ndarray::ArrayD<#t>));
        let id = e.names.ident(*v);
        let later = outs[i + 1..].contains(v);
        results.push(if common::is_argument(g, opts, *v) || later {
            quote!(#id.clone())
        } else {
            quote!(#id)
        });
    }
    let (ret_t, ret) = if outs.len() == 1 {
        (types[0].clone(), results[0].clone())
    } else {
        (quote!((#(#types),*)), quote!((#(#results),*)))
    };
    let helpers: Vec<TokenStream> = e.helpers.iter().map(|h| helper(*h)).collect();
    let doc = format!(
        " The traced graph as ndarray code: inputs and results as `ndarray::ArrayD`, \
         an error when an argument's shape differs from the traced one ({} nodes).",
        g.nodes().len()
    );
    let items = quote! {
        #[doc = #doc]
        #[allow(clippy::all, unused_parens, unused_variables, unused_assignments)]
        pub fn #name(#(#params),*) -> Result<#ret_t, ndarray::ShapeError> {
            #(#checks)*
            #(#body)*
            Ok(#ret)
        }
        #(#helpers)*
    };
    common::format_rust(&common::header(g, TARGET), items)
}

fn elem(d: DType, g: &Graph, v: ValueId) -> Result<TokenStream> {
    rust_type(d).ok_or_else(|| crate::Error::Unsupported {
        target: TARGET,
        op: format!("value {v}"),
        reason: format!(
            "ndarray has no {d} element type (graph traced on {})",
            g.backend()
        ),
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Class {
    Bool,
    SInt,
    UInt,
    Float,
}

fn class(d: DType) -> Class {
    match d {
        DType::Bool => Class::Bool,
        DType::Float32 | DType::Float64 => Class::Float,
        _ if is_signed(d) => Class::SInt,
        _ => Class::UInt,
    }
}

impl Emitter<'_> {
    /// The value as an expression to call methods on (`x` or `v3`).
    /// Whether the node may take the value by move: a result of an earlier node that nothing
    /// else reads (then an elementwise op updates it in place, as hand-written code would).
    fn consumable(&self, v: ValueId) -> bool {
        !common::is_argument(self.g, self.opts, v)
            && !self.g.constants().iter().any(|c| c.value == v)
            && self.reads.get(&v) == Some(&1)
            && !self.g.outputs().contains(&v)
    }

    fn val(&self, v: ValueId) -> TokenStream {
        let id = self.names.ident(v);
        quote!(#id)
    }

    /// The value as a `&ArrayD` (`x` or `&v3`).
    fn refr(&self, v: ValueId) -> TokenStream {
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

    fn node(&mut self, n: &Node) -> Result<TokenStream> {
        let op = common::catalogue_op(TARGET, n)?;
        let g = self.g;
        let (od, oshape) = info(g, output(n))?;
        let odims = common::usizes(&oshape);
        let ot = elem(od, g, output(n))?;
        match (&n.args, n.inputs.len()) {
            (Args::None, 1) if op != Op::matrix_transpose => {
                let a = self.input(n, 0)?;
                let (d, _) = info(g, a)?;
                let t = elem(d, g, a)?;
                let x = self.val(a);
                if op == Op::positive {
                    return Ok(quote!(#x.clone()));
                }
                let f = unary(op, d, &t)
                    .ok_or_else(|| unsupported(TARGET, n, format!("not emitted for {d} inputs")))?;
                if self.consumable(a) && d == od {
                    return Ok(quote!({
                        let mut o = #x;
                        o.mapv_inplace(|x: #t| #f);
                        o
                    }));
                }
                Ok(quote!(#x.mapv(|x: #t| #f)))
            }
            (Args::None, 2) if op == Op::matmul => {
                let (a, b) = (self.input(n, 0)?, self.input(n, 1)?);
                let (da, sa) = info(g, a)?;
                let (_, sb) = info(g, b)?;
                if class(da) != Class::Float || sa.len() > 2 || sb.len() > 2 {
                    return Err(unsupported(
                        TARGET,
                        n,
                        "emitted for float matrices and vectors only (no batches, no integers)",
                    ));
                }
                self.helpers.insert(Helper::Matmul);
                let (ra, rb) = (self.refr(a), self.refr(b));
                Ok(quote!(matmul(#ra, #rb, &[#(#odims),*])?))
            }
            (Args::None, 2) => {
                let (a, b) = (self.input(n, 0)?, self.input(n, 1)?);
                let (d, _) = info(g, a)?;
                let t = elem(d, g, a)?;
                let f = binary(op, d, &t)
                    .ok_or_else(|| unsupported(TARGET, n, format!("not emitted for {d} inputs")))?;
                let (ra, rb) = (self.refr(a), self.refr(b));
                let (_, sa) = info(g, a)?;
                if self.consumable(a) && d == od && sa == oshape {
                    // In place: `b` broadcasts to `a`'s shape, which is the result's.
                    let x = self.val(a);
                    return Ok(quote!({
                        let mut o = #x;
                        o.zip_mut_with(#rb, |x: &mut #t, &y: &#t| {
                            let x0 = *x;
                            *x = { let x = x0; #f };
                        });
                        o
                    }));
                }
                self.helpers.extend([Helper::Zip2, Helper::Bcast]);
                Ok(quote!(zip2(#ra, #rb, &[#(#odims),*], |x: #t, y: #t| #f)?))
            }
            (Args::None, 1) => {
                // matrix_transpose: the core's fallback, a permutation of the last two axes.
                let a = self.input(n, 0)?;
                let (_, s) = info(g, a)?;
                let k = s.len();
                let x = self.val(a);
                let (p, q) = (
                    Literal::usize_unsuffixed(k - 2),
                    Literal::usize_unsuffixed(k - 1),
                );
                Ok(quote!({
                    let mut w = #x.view();
                    w.swap_axes(#p, #q);
                    w.to_owned()
                }))
            }
            (Args::None, 3) if op == Op::where_ => {
                let (c, a, b) = (self.input(n, 0)?, self.input(n, 1)?, self.input(n, 2)?);
                let (d, _) = info(g, a)?;
                let t = elem(d, g, a)?;
                self.helpers.extend([Helper::Zip3, Helper::Bcast]);
                let (rc, ra, rb) = (self.refr(c), self.refr(a), self.refr(b));
                Ok(
                    quote!(zip3(#rc, #ra, #rb, &[#(#odims),*], |c: bool, x: #t, y: #t| if c { x } else { y })?),
                )
            }
            (Args::Clip { min, max }, _) => {
                // The core's fallback: maximum with the lower bound, then minimum with the upper.
                let x = self.input(n, 0)?;
                let (d, _) = info(g, x)?;
                let t = elem(d, g, x)?;
                let maxf = binary(Op::maximum, d, &t)
                    .ok_or_else(|| unsupported(TARGET, n, format!("{d}")))?;
                let minf = binary(Op::minimum, d, &t)
                    .ok_or_else(|| unsupported(TARGET, n, format!("{d}")))?;
                let rx = self.refr(x);
                if *min || *max {
                    self.helpers.insert(Helper::Bcast);
                }
                match (min, max) {
                    (true, true) => {
                        self.helpers.insert(Helper::Zip3);
                        let (lo, hi) = (self.refr(self.input(n, 1)?), self.refr(self.input(n, 2)?));
                        Ok(
                            quote!(zip3(#rx, #lo, #hi, &[#(#odims),*], |x: #t, lo: #t, hi: #t| {
                            let y = lo;
                            let x = #maxf;
                            let y = hi;
                            #minf
                        })?),
                        )
                    }
                    (true, false) | (false, true) => {
                        self.helpers.insert(Helper::Zip2);
                        let b = self.refr(self.input(n, 1)?);
                        let f = if *min { maxf } else { minf };
                        Ok(quote!(zip2(#rx, #b, &[#(#odims),*], |x: #t, y: #t| #f)?))
                    }
                    (false, false) => Ok(quote!(#rx.clone())),
                }
            }
            (Args::Cast(to), 1) => {
                let a = self.input(n, 0)?;
                let (from, _) = info(g, a)?;
                let ft = elem(from, g, a)?;
                let x = self.val(a);
                let f = cast(from, *to, &ot);
                Ok(quote!(#x.mapv(|x: #ft| #f)))
            }
            (Args::Reduce { axes, keepdims }, 1) => self.reduce(n, axes, *keepdims),
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
                if class(d) != Class::Float {
                    return Err(unsupported(TARGET, n, format!("not emitted for {d}")));
                }
                let t = elem(d, g, a)?;
                let count: f64 = axes.iter().map(|&i| s[i] as f64).product();
                let n_lit = float_lit(d, count);
                let dof = float_lit(d, (count - correction).max(0.0));
                let root = if op == Op::std {
                    quote!(.sqrt())
                } else {
                    quote!()
                };
                self.helpers.extend([Helper::Lanes, Helper::PairwiseSum]);
                let ra = self.refr(a);
                let ax = common::usizes(axes);
                // The core's fallback: the mean, the squared deviations, their sum over the
                // degrees of freedom (two passes), per lane in the same order.
                let zero = float_lit(d, 0.0);
                Ok(quote!(lanes(#ra, &[#(#ax),*], #keepdims, |l: &[#t]| {
                    let m = (pairwise_sum(l) + #zero) / #n_lit;
                    let d: Vec<#t> = l.iter().map(|&v| (v - m) * (v - m)).collect();
                    ((pairwise_sum(&d) + #zero) / #dof) #root
                })?))
            }
            (Args::ArgReduce { axis, keepdims }, 1) => {
                let a = self.input(n, 0)?;
                let (d, s) = info(g, a)?;
                let t = elem(d, g, a)?;
                let axes: Vec<usize> = match axis {
                    Some(i) => vec![*i],
                    None => (0..s.len()).collect(),
                };
                let ax = common::usizes(&axes);
                let largest = op == Op::argmax;
                self.helpers.extend([Helper::Lanes, Helper::ArgExtremum]);
                let ra = self.refr(a);
                Ok(
                    quote!(lanes(#ra, &[#(#ax),*], #keepdims, |l: &[#t]| arg_extremum(l, #largest))?),
                )
            }
            (Args::Axis(k), 1) if op == Op::softmax => {
                let a = self.input(n, 0)?;
                let (d, _) = info(g, a)?;
                if class(d) != Class::Float {
                    return Err(unsupported(TARGET, n, format!("not emitted for {d}")));
                }
                let t = elem(d, g, a)?;
                self.helpers
                    .extend([Helper::Softmax, Helper::Extremum, Helper::PairwiseSum]);
                let x = self.val(a);
                let owned = if self.consumable(a) {
                    quote!(#x)
                } else {
                    quote!(#x.to_owned())
                };
                let k = Literal::usize_unsuffixed(*k);
                Ok(quote!(softmax(#owned, #k, |x: #t| x.exp())))
            }
            (Args::Axis(k), 1) if op == Op::cumulative_sum => {
                let a = self.input(n, 0)?;
                let (d, _) = info(g, a)?;
                let t = elem(d, g, a)?;
                let x = self.val(a);
                let k = Literal::usize_unsuffixed(*k);
                let step = match class(d) {
                    Class::Float => quote!(*c += p),
                    Class::SInt | Class::UInt => quote!(*c = p.wrapping_add(*c)),
                    Class::Bool => {
                        return Err(unsupported(TARGET, n, "not emitted for bool"));
                    }
                };
                Ok(quote!({
                    let mut o = #x.to_owned();
                    o.accumulate_axis_inplace(ndarray::Axis(#k), |&p: &#t, c: &mut #t| #step);
                    o
                }))
            }
            (Args::Axis(k), 1) if op == Op::expand_dims => {
                let x = self.val(self.input(n, 0)?);
                let k = Literal::usize_unsuffixed(*k);
                Ok(quote!(#x.view().insert_axis(ndarray::Axis(#k)).to_owned()))
            }
            (Args::Axis(k), _) if op == Op::concat || op == Op::stack => {
                let views: Vec<TokenStream> = n
                    .inputs
                    .iter()
                    .map(|v| {
                        let x = self.val(*v);
                        quote!(#x.view())
                    })
                    .collect();
                let k = Literal::usize_unsuffixed(*k);
                let f = if op == Op::concat {
                    quote!(concatenate)
                } else {
                    quote!(stack)
                };
                Ok(quote!(ndarray::#f(ndarray::Axis(#k), &[#(#views),*])?))
            }
            (Args::Sizes(s), 1) => {
                let a = self.input(n, 0)?;
                let x = self.val(a);
                let dims = common::usizes(s);
                match op {
                    Op::reshape | Op::squeeze => {
                        Ok(quote!(#x.to_shape(ndarray::IxDyn(&[#(#odims),*]))?.into_owned()))
                    }
                    Op::permute_dims | Op::moveaxis => Ok(quote!(#x
                        .view()
                        .permuted_axes(ndarray::IxDyn(&[#(#dims),*]))
                        .to_owned())),
                    Op::broadcast_to => {
                        self.helpers.insert(Helper::Bcast);
                        let ra = self.refr(a);
                        Ok(quote!(bcast(#ra, &[#(#dims),*])?.to_owned()))
                    }
                    Op::flip => {
                        if s.is_empty() {
                            return Ok(quote!(#x.clone()));
                        }
                        Ok(quote!({
                            let mut w = #x.view();
                            #( w.invert_axis(ndarray::Axis(#dims)); )*
                            w.to_owned()
                        }))
                    }
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            (Args::Full { value, .. }, _) => {
                let v = common::scalar_lit(od, *value);
                Ok(quote!(ndarray::ArrayD::from_elem(ndarray::IxDyn(&[#(#odims),*]), #v)))
            }
            (Args::Fill { .. }, _) => {
                let one = matches!(op, Op::ones | Op::ones_like);
                let v = match class(od) {
                    Class::Bool => quote!(#one),
                    Class::Float => float_lit(od, if one { 1.0 } else { 0.0 }),
                    _ => int_lit(od, i128::from(one)),
                };
                Ok(quote!(ndarray::ArrayD::from_elem(ndarray::IxDyn(&[#(#odims),*]), #v)))
            }
            (Args::FromHost { data, .. }, 0) => {
                let lits = common::host_lits(data);
                Ok(quote!(ndarray::ArrayD::from_shape_vec(
                    ndarray::IxDyn(&[#(#odims),*]),
                    vec![#(#lits),*]
                )?))
            }
            _ => Err(unsupported(
                TARGET,
                n,
                "the ndarray emitter does not support this op (see supported_ops)",
            )),
        }
    }

    fn reduce(&mut self, n: &Node, axes: &[usize], keepdims: bool) -> Result<TokenStream> {
        let op = common::catalogue_op(TARGET, n)?;
        let g = self.g;
        let a = self.input(n, 0)?;
        let (d, s) = info(g, a)?;
        let t = elem(d, g, a)?;
        let x = self.val(a);
        let ra = self.refr(a);
        let c = class(d);
        // Reducing over no axes returns the input itself on the backend (count_nonzero
        // counts each element).
        if axes.is_empty() && op != Op::count_nonzero && op != Op::mean {
            return Ok(quote!(#x.clone()));
        }
        let f = match (op, c) {
            // `+ 0.0`: negative zeros sum to +0.0, as on the backend.
            (Op::sum, Class::Float) => {
                self.helpers.insert(Helper::PairwiseSum);
                let zero = float_lit(d, 0.0);
                quote!(pairwise_sum(l) + #zero)
            }
            (Op::sum, Class::SInt | Class::UInt) => {
                quote!(l.iter().fold(0, |s: #t, &v| s.wrapping_add(v)))
            }
            (Op::prod, Class::Float) => quote!(l.iter().fold(1.0, |p: #t, &v| p * v)),
            (Op::prod, Class::SInt | Class::UInt) => {
                quote!(l.iter().fold(1, |p: #t, &v| p.wrapping_mul(v)))
            }
            (Op::mean, Class::Float) => {
                self.helpers.insert(Helper::PairwiseSum);
                let count: f64 = axes.iter().map(|&i| s[i] as f64).product();
                let n_lit = float_lit(d, count);
                let zero = float_lit(d, 0.0);
                quote!((pairwise_sum(l) + #zero) / #n_lit)
            }
            (Op::max | Op::min, _) => {
                self.helpers.insert(Helper::Extremum);
                let largest = op == Op::max;
                quote!(extremum(l, #largest))
            }
            (Op::all, Class::Bool) => quote!(l.iter().all(|&v| v)),
            (Op::any, Class::Bool) => quote!(l.iter().any(|&v| v)),
            (Op::count_nonzero, Class::Bool) => quote!(l.iter().filter(|&&v| v).count() as i64),
            _ => return Err(unsupported(TARGET, n, format!("not emitted for {d}"))),
        };
        self.helpers.insert(Helper::Lanes);
        let ax = common::usizes(axes);
        Ok(quote!(lanes(#ra, &[#(#ax),*], #keepdims, |l: &[#t]| #f)?))
    }
}

/// The element function of a unary op on dtype `d` (the backend's closure), over `x: t`.
fn unary(op: Op, d: DType, t: &TokenStream) -> Option<TokenStream> {
    let c = class(d);
    let float = c == Class::Float;
    let int = matches!(c, Class::SInt | Class::UInt);
    let m = |name: &str| {
        let id = Ident::new(name, Span::call_site());
        Some(quote!(x.#id()))
    };
    match op {
        Op::exp if float => m("exp"),
        Op::log if float => m("ln"),
        Op::log1p if float => m("ln_1p"),
        Op::expm1 if float => m("exp_m1"),
        Op::sqrt if float => m("sqrt"),
        Op::sin if float => m("sin"),
        Op::cos if float => m("cos"),
        Op::tan if float => m("tan"),
        Op::tanh if float => m("tanh"),
        Op::sinh if float => m("sinh"),
        Op::cosh if float => m("cosh"),
        Op::asin if float => m("asin"),
        Op::acos if float => m("acos"),
        Op::atan if float => m("atan"),
        Op::asinh if float => m("asinh"),
        Op::acosh if float => m("acosh"),
        Op::atanh if float => m("atanh"),
        Op::log2 if float => m("log2"),
        Op::log10 if float => m("log10"),
        Op::floor if float => m("floor"),
        Op::ceil if float => m("ceil"),
        // Ties to even, as the Array API and NumPy round.
        Op::round if float => m("round_ties_even"),
        Op::trunc if float => m("trunc"),
        Op::abs if float => m("abs"),
        Op::abs if c == Class::SInt => m("wrapping_abs"),
        Op::abs if c == Class::UInt => Some(quote!(x)),
        Op::negative if float => Some(quote!(-x)),
        Op::negative if int => m("wrapping_neg"),
        // The core's fallback: multiply(x, x).
        Op::square if float => Some(quote!(x * x)),
        Op::square if int => Some(quote!(x.wrapping_mul(x))),
        // NumPy's sign: zeros give +0, NaN stays NaN.
        Op::sign if float => {
            let (one, zero) = (float_lit(d, 1.0), float_lit(d, 0.0));
            Some(
                quote!(if x > #zero { #one } else if x < #zero { -#one } else if x == #zero { #zero } else { x }),
            )
        }
        Op::sign if c == Class::SInt => m("signum"),
        Op::sign if c == Class::UInt => Some(quote!((x != 0) as #t)),
        Op::isnan if float => m("is_nan"),
        Op::isinf if float => m("is_infinite"),
        Op::isfinite if float => m("is_finite"),
        Op::isnan | Op::isinf if int => Some(quote!(false)),
        Op::isfinite if int => Some(quote!(true)),
        Op::signbit if float => m("is_sign_negative"),
        Op::signbit if c == Class::SInt => Some(quote!(x < 0)),
        Op::signbit if c == Class::UInt => Some(quote!(false)),
        Op::logical_not if c == Class::Bool => Some(quote!(!x)),
        Op::bitwise_invert if c != Class::Float => Some(quote!(!x)),
        _ => None,
    }
}

/// The element function of a binary op on dtype `d`, over `x: t, y: t`.
fn binary(op: Op, d: DType, t: &TokenStream) -> Option<TokenStream> {
    let c = class(d);
    let float = c == Class::Float;
    let int = matches!(c, Class::SInt | Class::UInt);
    let bits = quote!(#t::BITS);
    match op {
        Op::add if float => Some(quote!(x + y)),
        Op::add if int => Some(quote!(x.wrapping_add(y))),
        Op::subtract if float => Some(quote!(x - y)),
        Op::subtract if int => Some(quote!(x.wrapping_sub(y))),
        Op::multiply if float => Some(quote!(x * y)),
        Op::multiply if int => Some(quote!(x.wrapping_mul(y))),
        Op::divide if float => Some(quote!(x / y)),
        // NumPy's choices: the first operand wins ties, NaN in either gives NaN.
        Op::maximum if float => Some(quote!(if x >= y || x.is_nan() { x } else { y })),
        Op::minimum if float => Some(quote!(if x <= y || x.is_nan() { x } else { y })),
        Op::maximum if int => Some(quote!(x.max(y))),
        Op::minimum if int => Some(quote!(x.min(y))),
        Op::logaddexp if float => Some(quote!(if x == y {
            x + std::f64::consts::LN_2 as #t
        } else {
            let (hi, lo) = if x > y || y.is_nan() { (x, y) } else { (y, x) };
            hi + (lo - hi).exp().ln_1p()
        })),
        Op::atan2 if float => Some(quote!(x.atan2(y))),
        Op::hypot if float => Some(quote!(x.hypot(y))),
        Op::copysign if float => Some(quote!(x.copysign(y))),
        Op::pow if float => Some(quote!(x.powf(y))),
        // Unsigned integers only: a negative exponent of a signed one is an error on the
        // backend, which the emitted code does not raise.
        Op::pow if c == Class::UInt => Some(quote!({
            let (mut base, mut e, mut acc) = (x, y as u64, 1 as #t);
            while e > 0 {
                if e & 1 == 1 {
                    acc = acc.wrapping_mul(base);
                }
                base = base.wrapping_mul(base);
                e >>= 1;
            }
            acc
        })),
        Op::equal => Some(quote!(x == y)),
        // The core's fallbacks: not(equal), less with the operands swapped.
        Op::not_equal => Some(quote!(!(x == y))),
        Op::less => Some(quote!(x < y)),
        Op::less_equal => Some(quote!(x <= y)),
        Op::greater => Some(quote!(y < x)),
        Op::greater_equal => Some(quote!(y <= x)),
        Op::logical_and if c == Class::Bool => Some(quote!(x && y)),
        Op::logical_or if c == Class::Bool => Some(quote!(x || y)),
        Op::logical_xor if c == Class::Bool => Some(quote!(!(x == y))),
        Op::bitwise_and if !float => Some(quote!(x & y)),
        Op::bitwise_or if !float => Some(quote!(x | y)),
        Op::bitwise_xor if !float => Some(quote!(x ^ y)),
        // Shift counts outside 0..width shift every bit out, as NumPy.
        Op::bitwise_left_shift if int => Some(quote!(
            match u32::try_from(i128::from(y)).ok().filter(|&s| s < #bits) {
                Some(s) => x.wrapping_shl(s),
                None => 0,
            }
        )),
        Op::bitwise_right_shift if c == Class::SInt => Some(quote!(
            match u32::try_from(i128::from(y)).ok().filter(|&s| s < #bits) {
                Some(s) => x >> s,
                None => x >> (#bits - 1),
            }
        )),
        Op::bitwise_right_shift if c == Class::UInt => Some(quote!(
            match u32::try_from(i128::from(y)).ok().filter(|&s| s < #bits) {
                Some(s) => x >> s,
                None => 0,
            }
        )),
        // Python's `//` and `%` for integers (the quotient rounded down, the remainder with the
        // divisor's sign), 0 for a zero divisor, `MIN // -1` wrapping.
        Op::floor_divide | Op::remainder if c == Class::SInt => {
            let pick = if op == Op::floor_divide {
                quote!(q)
            } else {
                quote!(r)
            };
            Some(quote!(if y == 0 { 0 } else {
                let (q, r) = (x.wrapping_div(y), x.wrapping_rem(y));
                let (q, r) = if r != 0 && ((r < 0) != (y < 0)) { (q - 1, r + y) } else { (q, r) };
                #pick
            }))
        }
        Op::floor_divide if c == Class::UInt => Some(quote!(x.checked_div(y).unwrap_or(0))),
        Op::remainder if c == Class::UInt => Some(quote!(x.checked_rem(y).unwrap_or(0))),
        // NumPy's float divmod (`npy_divmod`): the remainder from fmod moved to the divisor's
        // sign, the quotient `(x - fmod) / y` snapped to a whole number.
        Op::floor_divide | Op::remainder if float => {
            let pick = if op == Op::floor_divide {
                quote!(q)
            } else {
                quote!(m)
            };
            let zero = float_lit(d, 0.0);
            Some(quote!({
                let fmod = x % y;
                if y == 0.0 {
                    let (q, m) = (x / y, fmod);
                    #pick
                } else {
                    let (mut div, mut m) = ((x - fmod) / y, fmod);
                    if m != 0.0 {
                        if (y < 0.0) != (m < 0.0) {
                            m += y;
                            div -= 1.0;
                        }
                    } else {
                        m = #zero.copysign(y);
                    }
                    let q = if div != 0.0 {
                        let f = div.floor();
                        if div - f > 0.5 { f + 1.0 } else { f }
                    } else {
                        #zero.copysign(x / y)
                    };
                    #pick
                }
            }))
        }
        _ => None,
    }
}

/// `x` converted from `from` to `to` with Rust's `as` rules (saturating float to integer, NaN
/// to 0); to bool, non-zero (and NaN) is true; from bool, 0 or 1.
fn cast(from: DType, to: DType, to_t: &TokenStream) -> TokenStream {
    match (class(from), class(to)) {
        _ if from == to => quote!(x),
        (Class::Bool, Class::Bool) => quote!(x),
        (_, Class::Bool) if class(from) == Class::Float => quote!(x != 0.0),
        (_, Class::Bool) => quote!(x != 0),
        (Class::Bool, _) => quote!(u8::from(x) as #to_t),
        _ => quote!(x as #to_t),
    }
}

fn helper(h: Helper) -> TokenStream {
    match h {
        Helper::Check => quote! {
            /// An error unless the array has the traced shape.
            fn check<T>(a: &ndarray::ArrayD<T>, shape: &[usize]) -> Result<(), ndarray::ShapeError> {
                if a.shape() == shape {
                    Ok(())
                } else {
                    Err(ndarray::ShapeError::from_kind(ndarray::ErrorKind::IncompatibleShape))
                }
            }
        },
        Helper::Bcast => quote! {
            /// The array broadcast to `shape`.
            fn bcast<'a, T>(
                a: &'a ndarray::ArrayD<T>,
                shape: &[usize],
            ) -> Result<ndarray::ArrayViewD<'a, T>, ndarray::ShapeError> {
                a.broadcast(ndarray::IxDyn(shape))
                    .ok_or_else(|| ndarray::ShapeError::from_kind(ndarray::ErrorKind::IncompatibleShape))
            }
        },
        Helper::Zip2 => quote! {
            /// `f` applied to the elements of `a` and `b` broadcast to `shape`.
            fn zip2<A: Copy, B: Copy, C>(
                a: &ndarray::ArrayD<A>,
                b: &ndarray::ArrayD<B>,
                shape: &[usize],
                f: impl Fn(A, B) -> C,
            ) -> Result<ndarray::ArrayD<C>, ndarray::ShapeError> {
                Ok(ndarray::Zip::from(&bcast(a, shape)?)
                    .and(&bcast(b, shape)?)
                    .map_collect(|&x, &y| f(x, y)))
            }
        },
        Helper::Zip3 => quote! {
            /// `f` applied to the elements of `a`, `b` and `c` broadcast to `shape`.
            fn zip3<A: Copy, B: Copy, C: Copy, D>(
                a: &ndarray::ArrayD<A>,
                b: &ndarray::ArrayD<B>,
                c: &ndarray::ArrayD<C>,
                shape: &[usize],
                f: impl Fn(A, B, C) -> D,
            ) -> Result<ndarray::ArrayD<D>, ndarray::ShapeError> {
                Ok(ndarray::Zip::from(&bcast(a, shape)?)
                    .and(&bcast(b, shape)?)
                    .and(&bcast(c, shape)?)
                    .map_collect(|&x, &y, &z| f(x, y, z)))
            }
        },
        Helper::Lanes => quote! {
            /// `f` of each lane of the reduced `axes` (its elements in row-major order), shaped as
            /// the kept axes (size 1 where reduced when `keepdims`).
            fn lanes<T: Copy, U>(
                a: &ndarray::ArrayD<T>,
                axes: &[usize],
                keepdims: bool,
                f: impl FnMut(&[T]) -> U,
            ) -> Result<ndarray::ArrayD<U>, ndarray::ShapeError> {
                let mut f = f;
                let shape = a.shape();
                let kept: Vec<usize> = (0..a.ndim()).filter(|i| !axes.contains(i)).collect();
                let out_shape: Vec<usize> = if keepdims {
                    (0..a.ndim())
                        .map(|i| if axes.contains(&i) { 1 } else { shape[i] })
                        .collect()
                } else {
                    kept.iter().map(|&i| shape[i]).collect()
                };
                let values: Vec<U> = if a.is_empty() {
                    let outer: usize = out_shape.iter().product();
                    (0..outer).map(|_| f(&[])).collect()
                } else {
                    let inner: usize = axes.iter().map(|&i| shape[i]).product();
                    let perm: Vec<usize> = kept.iter().chain(axes).copied().collect();
                    let moved = a.view().permuted_axes(ndarray::IxDyn(&perm));
                    let data: Vec<T> = moved.iter().copied().collect();
                    data.chunks_exact(inner).map(f).collect()
                };
                ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&out_shape), values)
            }
        },
        Helper::PairwiseSum => quote! {
            /// Pairwise summation (blocks of 128 summed with eight accumulators, halves added
            /// recursively), as NumPy and tensorswitch's ndarray backend sum floats.
            fn pairwise_sum<T: Copy + Default + std::ops::Add<Output = T>>(s: &[T]) -> T {
                if s.len() < 8 {
                    s.iter().copied().reduce(|a, b| a + b).unwrap_or_default()
                } else if s.len() <= 128 {
                    let mut r = [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]];
                    let mut chunks = s[8..].chunks_exact(8);
                    for c in &mut chunks {
                        for (acc, &x) in r.iter_mut().zip(c) {
                            *acc = *acc + x;
                        }
                    }
                    let mut total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
                    for &x in chunks.remainder() {
                        total = total + x;
                    }
                    total
                } else {
                    let half = s.len() / 2;
                    let half = half - half % 8;
                    pairwise_sum(&s[..half]) + pairwise_sum(&s[half..])
                }
            }
        },
        Helper::Extremum => quote! {
            /// The maximum (or minimum) of a non-empty lane; the first NaN if there is one.
            fn extremum<T: Copy + PartialOrd>(lane: &[T], largest: bool) -> T {
                let nan = |v: T| v.partial_cmp(&v).is_none();
                let mut best = lane[0];
                for &x in &lane[1..] {
                    if nan(best) {
                        break;
                    }
                    let better = if largest { x > best } else { x < best };
                    if better || nan(x) {
                        best = x;
                    }
                }
                best
            }
        },
        Helper::ArgExtremum => quote! {
            /// The index of the first maximum (or minimum) of a lane; the first NaN wins.
            fn arg_extremum<T: Copy + PartialOrd>(lane: &[T], largest: bool) -> i64 {
                let nan = |v: T| v.partial_cmp(&v).is_none();
                let mut best = 0;
                for (i, &x) in lane.iter().enumerate().skip(1) {
                    let b = lane[best];
                    if nan(b) {
                        break;
                    }
                    let better = if largest { x > b } else { x < b };
                    if better || nan(x) {
                        best = i;
                    }
                }
                best as i64
            }
        },
        Helper::Softmax => quote! {
            /// `exp(x - max) / sum(exp(x - max))` along `axis`, lane by lane, in place.
            fn softmax<T>(a: ndarray::ArrayD<T>, axis: usize, exp: impl Fn(T) -> T) -> ndarray::ArrayD<T>
            where
                T: Copy + Default + PartialOrd + std::ops::Add<Output = T> + std::ops::Sub<Output = T> + std::ops::Div<Output = T>,
            {
                let mut out = a;
                if out.shape()[axis] == 0 {
                    return out;
                }
                let mut scratch: Vec<T> = Vec::new();
                for mut lane in out.lanes_mut(ndarray::Axis(axis)) {
                    let update = |l: &mut [T]| {
                        let m = extremum(l, true);
                        for v in l.iter_mut() {
                            *v = exp(*v - m);
                        }
                        let s = pairwise_sum(l) + T::default();
                        for v in l.iter_mut() {
                            *v = *v / s;
                        }
                    };
                    match lane.as_slice_mut() {
                        Some(l) => update(l),
                        None => {
                            scratch.clear();
                            scratch.extend(lane.iter().copied());
                            update(&mut scratch);
                            for (o, &v) in lane.iter_mut().zip(&scratch) {
                                *o = v;
                            }
                        }
                    }
                }
                out
            }
        },
        Helper::Matmul => quote! {
            /// The matrix product of two matrices or vectors (a vector is a row on the left, a
            /// column on the right), shaped `out`.
            fn matmul<T: ndarray::LinalgScalar>(
                a: &ndarray::ArrayD<T>,
                b: &ndarray::ArrayD<T>,
                out: &[usize],
            ) -> Result<ndarray::ArrayD<T>, ndarray::ShapeError> {
                let a = if a.ndim() == 1 { a.view().insert_axis(ndarray::Axis(0)) } else { a.view() };
                let b = if b.ndim() == 1 { b.view().insert_axis(ndarray::Axis(1)) } else { b.view() };
                let p = a.into_dimensionality::<ndarray::Ix2>()?.dot(&b.into_dimensionality::<ndarray::Ix2>()?);
                p.into_dyn().into_shape_with_order(ndarray::IxDyn(out))
            }
        },
    }
}
