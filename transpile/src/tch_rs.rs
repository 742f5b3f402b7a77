//! The tch target: one `pub fn` over `tch::Tensor`, with private helpers after it.
//!
//! Each node is the libtorch call the torch backend's primary makes (backends/tch/src/*.rs),
//! with the same fix-ups: the sign of NaN, integer floor division and remainder by 0 and -1,
//! integers to negative powers, saturating float-to-integer casts, `argmax` of bool. The tests
//! run the emitted code against eager execution on the conformance cases
//! (backends/tch/tests/transpiled.rs), so a change on either side shows.

use crate::common::{self, info, is_signed, output, unsupported};
use crate::{Constants, Options, Result};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;
use std::collections::BTreeSet;
use tensorswitch::trace::{Args, Graph, Node, ValueId};
use tensorswitch::{DType, HostData, Op};

const TARGET: &str = "tch";

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Helper {
    Check,
    Scalar,
    I64,
    DivMod,
    FloatToInt,
    CoshF64,
}

struct Emitter<'g> {
    g: &'g Graph,
    opts: &'g Options,
    names: common::Names,
    helpers: BTreeSet<Helper>,
}

/// libtorch's kind of a dtype (`None` for the unsigned types above 8 bits, which libtorch
/// lacks).
fn kind(d: DType) -> Option<TokenStream> {
    Some(match d {
        DType::Bool => quote!(tch::Kind::Bool),
        DType::Int8 => quote!(tch::Kind::Int8),
        DType::Int16 => quote!(tch::Kind::Int16),
        DType::Int32 => quote!(tch::Kind::Int),
        DType::Int64 => quote!(tch::Kind::Int64),
        DType::UInt8 => quote!(tch::Kind::Uint8),
        DType::Float32 => quote!(tch::Kind::Float),
        DType::Float64 => quote!(tch::Kind::Double),
        _ => return None,
    })
}

fn kind_of(g: &Graph, v: ValueId, n: Option<&Node>) -> Result<TokenStream> {
    let (d, _) = info(g, v)?;
    kind(d).ok_or_else(|| crate::Error::Unsupported {
        target: TARGET,
        op: n
            .map(|n| n.op.name().to_string())
            .unwrap_or_else(|| format!("value {v}")),
        reason: format!("{d} is not emitted for libtorch"),
    })
}

pub fn emit(g: &Graph, opts: &Options) -> Result<String> {
    let mut e = Emitter {
        g,
        opts,
        names: common::Names::new(g),
        helpers: BTreeSet::new(),
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
        let (_, shape) = info(g, *v)?;
        let k = kind_of(g, *v, None)?;
        let id = e.names.ident(*v);
        params.push(quote!(#id: &tch::Tensor));
        let dims = common::i64s(&shape);
        checks.push(quote!(check(#id, &[#(#dims),*], #k)?;));
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
            let (_, shape) = info(g, c.value)?;
            kind_of(g, c.value, None)?;
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
            quote!(#id.shallow_clone())
        } else {
            quote!(#id)
        });
    }
    let (ret_t, ret) = if outs.len() == 1 {
        (quote!(tch::Tensor), results[0].clone())
    } else {
        let ts = outs.iter().map(|_| quote!(tch::Tensor));
        (quote!((#(#ts),*)), quote!((#(#results),*)))
    };
    let helpers: Vec<TokenStream> = e.helpers.iter().map(|h| helper(*h)).collect();
    let doc = format!(
        " The traced graph as tch code: inputs and results as `tch::Tensor` on the CPU, an \
         error when an argument's shape or kind differs from the traced one ({} nodes).",
        g.nodes().len()
    );
    let items = quote! {
        #[doc = #doc]
        #[allow(clippy::all, unused_parens, unused_variables, unused_assignments)]
        pub fn #name(#(#params),*) -> Result<#ret_t, tch::TchError> {
            #(#checks)*
            #(#body)*
            Ok(#ret)
        }
        #(#helpers)*
    };
    common::format_rust(&common::header(g, TARGET), items)
}

/// `tch::Tensor::f_from_slice(&[..])?.f_reshape(..)?`.
fn from_host(h: &HostData, shape: &[usize]) -> TokenStream {
    let lits = common::host_lits(h);
    let dims = common::i64s(shape);
    let t = common::rust_type(h.dtype()).unwrap_or_else(|| quote!(f32));
    quote!(tch::Tensor::f_from_slice::<#t>(&[#(#lits),*])?.f_reshape(&[#(#dims),*] as &[i64])?)
}

impl Emitter<'_> {
    fn val(&self, v: ValueId) -> TokenStream {
        let id = self.names.ident(v);
        quote!(#id)
    }

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
        let ok = kind_of(g, output(n), Some(n))?;
        let odims = common::i64s(&oshape);
        for v in &n.inputs {
            kind_of(g, *v, Some(n))?;
        }
        match (&n.args, n.inputs.len()) {
            (Args::None, 1) => {
                let a = self.input(n, 0)?;
                let (d, _) = info(g, a)?;
                let x = self.val(a);
                let m = |name: &str| {
                    let id = Ident::new(name, Span::call_site());
                    Ok(quote!(#x.#id()?))
                };
                match op {
                    Op::negative => m("f_neg"),
                    // Already non-negative; libtorch lacks an unsigned abs kernel here and there.
                    Op::abs if d == DType::UInt8 => Ok(quote!(#x.shallow_clone())),
                    Op::abs => m("f_abs"),
                    Op::exp => m("f_exp"),
                    Op::log => m("f_log"),
                    Op::log1p => m("f_log1p"),
                    Op::expm1 => m("f_expm1"),
                    Op::sqrt => m("f_sqrt"),
                    Op::square => m("f_square"),
                    Op::sin => m("f_sin"),
                    Op::cos => m("f_cos"),
                    Op::tan => m("f_tan"),
                    Op::sinh => m("f_sinh"),
                    // The backend's float64 `cosh`, finite up to the last finite argument.
                    Op::cosh if d == DType::Float64 => {
                        self.helpers.extend([Helper::CoshF64, Helper::Scalar]);
                        Ok(quote!(cosh_f64(&#x)?))
                    }
                    Op::cosh => m("f_cosh"),
                    Op::asin => m("f_asin"),
                    Op::acos => m("f_acos"),
                    Op::atan => m("f_atan"),
                    Op::asinh => m("f_asinh"),
                    Op::acosh => m("f_acosh"),
                    Op::atanh => m("f_atanh"),
                    Op::log2 => m("f_log2"),
                    Op::log10 => m("f_log10"),
                    Op::tanh => m("f_tanh"),
                    Op::floor => m("f_floor"),
                    Op::ceil => m("f_ceil"),
                    // libtorch rounds halfway cases to even already.
                    Op::round => m("f_round"),
                    Op::trunc => m("f_trunc"),
                    Op::isnan => m("f_isnan"),
                    Op::isinf => m("f_isinf"),
                    Op::isfinite => m("f_isfinite"),
                    Op::signbit => m("f_signbit"),
                    Op::positive => m("f_positive"),
                    Op::logical_not => m("f_logical_not"),
                    Op::bitwise_invert => m("f_bitwise_not"),
                    // libtorch's sign of NaN is 0; the Array API's is NaN.
                    Op::sign if d.is_float() => {
                        Ok(quote!(#x.f_where_self(&#x.f_isnan()?, &#x.f_sign()?)?))
                    }
                    Op::sign => m("f_sign"),
                    Op::matrix_transpose => Ok(quote!(#x.f_transpose(-2, -1)?)),
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            (Args::None, 2) => {
                let (a, b) = (self.input(n, 0)?, self.input(n, 1)?);
                let (d, _) = info(g, a)?;
                let x = self.val(a);
                let y = self.refr(b);
                let m = |name: &str| {
                    let id = Ident::new(name, Span::call_site());
                    Ok(quote!(#x.#id(#y)?))
                };
                match op {
                    Op::add => m("f_add"),
                    Op::subtract => m("f_sub"),
                    Op::multiply => m("f_mul"),
                    Op::divide => m("f_div"),
                    Op::maximum => m("f_maximum"),
                    Op::minimum => m("f_minimum"),
                    Op::logaddexp => m("f_logaddexp"),
                    Op::atan2 => m("f_atan2"),
                    Op::hypot => m("f_hypot"),
                    Op::copysign => m("f_copysign"),
                    Op::equal => m("f_eq_tensor"),
                    Op::not_equal => m("f_ne_tensor"),
                    Op::less => m("f_lt_tensor"),
                    Op::less_equal => m("f_le_tensor"),
                    Op::greater => m("f_gt_tensor"),
                    Op::greater_equal => m("f_ge_tensor"),
                    Op::logical_and => m("f_logical_and"),
                    Op::logical_or => m("f_logical_or"),
                    Op::logical_xor => m("f_logical_xor"),
                    Op::bitwise_and => m("f_bitwise_and_tensor"),
                    Op::bitwise_or => m("f_bitwise_or_tensor"),
                    Op::bitwise_xor => m("f_bitwise_xor_tensor"),
                    Op::bitwise_left_shift => m("f_bitwise_left_shift"),
                    Op::bitwise_right_shift => m("f_bitwise_right_shift"),
                    Op::matmul => m("f_matmul"),
                    // libtorch raises integers to negative powers; the Array API refuses.
                    Op::pow if is_signed(d) => {
                        self.helpers.insert(Helper::I64);
                        Ok(quote!({
                            let negative = #y.f_lt_tensor(&i64_scalar(0, #y.device())?)?.f_any()?.f_int64_value(&[])?;
                            if negative != 0 {
                                return Err(tch::TchError::Kind(
                                    "pow: integers to negative integer powers are not allowed".into(),
                                ));
                            }
                            #x.f_pow(#y)?
                        }))
                    }
                    Op::pow => m("f_pow"),
                    Op::floor_divide | Op::remainder => {
                        let quotient = op == Op::floor_divide;
                        if d.is_integer() {
                            self.helpers.extend([Helper::DivMod, Helper::I64]);
                            let signed = is_signed(d);
                            let xr = self.refr(a);
                            Ok(quote!(int_divmod(#xr, #y, #quotient, #signed)?))
                        } else if quotient {
                            Ok(quote!(#x.f_div_tensor_mode(#y, "floor")?))
                        } else {
                            m("f_remainder_tensor")
                        }
                    }
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            (Args::None, 3) if op == Op::where_ => {
                let (c, a, b) = (self.input(n, 0)?, self.input(n, 1)?, self.input(n, 2)?);
                let (x, rc, rb) = (self.val(a), self.refr(c), self.refr(b));
                Ok(quote!(#x.f_where_self(#rc, #rb)?))
            }
            (Args::Clip { min, max }, _) => {
                let x = self.val(self.input(n, 0)?);
                let mut i = 1;
                let mut bound = |present: bool| -> Result<TokenStream> {
                    if present {
                        let r = self.refr(self.input(n, i)?);
                        i += 1;
                        Ok(quote!(Some(#r)))
                    } else {
                        Ok(quote!(None::<&tch::Tensor>))
                    }
                };
                let (lo, hi) = (bound(*min)?, bound(*max)?);
                if !min && !max {
                    return Ok(quote!(#x.shallow_clone()));
                }
                Ok(quote!(#x.f_clamp_tensor(#lo, #hi)?))
            }
            (Args::Cast(to), 1) => {
                let a = self.input(n, 0)?;
                let (from, _) = info(g, a)?;
                let x = self.val(a);
                if from == *to {
                    return Ok(quote!(#x.shallow_clone()));
                }
                if from.is_float() && to.is_integer() {
                    let (lo, hi) = to
                        .integer_range()
                        .ok_or_else(|| unsupported(TARGET, n, "no integer range"))?;
                    let lo_f = lo as f64;
                    let hi_f = from.largest_float_at_most(hi);
                    let over = if hi_f as i128 != hi {
                        let limit = Literal::f64_suffixed((hi + 1) as f64);
                        let max = Literal::i64_suffixed(hi as i64);
                        quote!(Some((#limit, #max)))
                    } else {
                        quote!(None)
                    };
                    self.helpers
                        .extend([Helper::FloatToInt, Helper::Scalar, Helper::I64]);
                    let (lo_l, hi_l) = (Literal::f64_suffixed(lo_f), Literal::f64_suffixed(hi_f));
                    let xr = self.refr(a);
                    return Ok(quote!(float_to_int(#xr, #ok, #lo_l, #hi_l, #over)?));
                }
                Ok(quote!(#x.f_to_kind(#ok)?))
            }
            (Args::Reduce { axes, keepdims }, 1) => {
                let x = self.val(self.input(n, 0)?);
                let dims = common::i64s(axes);
                let dims = quote!(&[#(#dims),*][..]);
                if axes.is_empty() && op != Op::count_nonzero {
                    return Ok(quote!(#x.shallow_clone()));
                }
                match op {
                    Op::sum => {
                        Ok(quote!(#x.f_sum_dim_intlist(#dims, #keepdims, None::<tch::Kind>)?))
                    }
                    Op::mean => Ok(quote!(#x.f_mean_dim(#dims, #keepdims, None::<tch::Kind>)?)),
                    Op::max => Ok(quote!(#x.f_amax(#dims, #keepdims)?)),
                    Op::min => Ok(quote!(#x.f_amin(#dims, #keepdims)?)),
                    Op::all => Ok(quote!(#x.f_all_dims(#dims, #keepdims)?)),
                    Op::any => Ok(quote!(#x.f_any_dims(#dims, #keepdims)?)),
                    Op::count_nonzero if axes.is_empty() => {
                        Ok(quote!(#x.f_to_kind(tch::Kind::Int64)?))
                    }
                    Op::count_nonzero => {
                        Ok(quote!(#x.f_sum_dim_intlist(#dims, #keepdims, tch::Kind::Int64)?))
                    }
                    Op::prod => {
                        let steps = axes.iter().rev().map(|&a| {
                            let a = Literal::i64_suffixed(a as i64);
                            quote!(.f_prod_dim_int(#a, #keepdims, None::<tch::Kind>)?)
                        });
                        Ok(quote!(#x #(#steps)*))
                    }
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            (
                Args::Stat {
                    axes,
                    correction,
                    keepdims,
                },
                1,
            ) => {
                let a = self.input(n, 0)?;
                let (_, s) = info(g, a)?;
                let x = self.val(a);
                let root = if op == Op::std {
                    quote!(.f_sqrt()?)
                } else {
                    quote!()
                };
                if axes.is_empty() {
                    self.helpers.insert(Helper::Scalar);
                    let dof = Literal::f64_suffixed((1.0 - correction).max(0.0));
                    return Ok(quote!(#x.f_sub(#x)?.f_square()?.f_div(&scalar(#dof, #x)?)? #root));
                }
                let count: f64 = axes.iter().map(|&i| s[i] as f64).product();
                let dims = common::i64s(axes);
                let dims = quote!(&[#(#dims),*][..]);
                if count - correction > 0.0 {
                    if *correction == 1.0 || *correction == 0.0 {
                        let unbiased = *correction == 1.0;
                        return Ok(if op == Op::std {
                            quote!(#x.f_std_dim(#dims, #unbiased, #keepdims)?)
                        } else {
                            quote!(#x.f_var_dim(#dims, #unbiased, #keepdims)?)
                        });
                    }
                    self.helpers.insert(Helper::Scalar);
                    let scale = Literal::f64_suffixed(count / (count - correction));
                    return Ok(
                        quote!(#x.f_var_dim(#dims, false, #keepdims)?.f_mul(&scalar(#scale, #x)?)? #root),
                    );
                }
                self.helpers.insert(Helper::Scalar);
                Ok(quote!({
                    let d = #x.f_sub(&#x.f_mean_dim(#dims, true, None::<tch::Kind>)?)?.f_square()?;
                    d.f_sum_dim_intlist(#dims, #keepdims, None::<tch::Kind>)?.f_div(&scalar(0.0, #x)?)? #root
                }))
            }
            (Args::ArgReduce { axis, keepdims }, 1) => {
                let a = self.input(n, 0)?;
                let (d, s) = info(g, a)?;
                let x = self.val(a);
                let t = if d == DType::Bool {
                    quote!(#x.f_to_kind(tch::Kind::Uint8)?)
                } else {
                    quote!(#x)
                };
                let f = if op == Op::argmax {
                    quote!(f_argmax)
                } else {
                    quote!(f_argmin)
                };
                Ok(match axis {
                    Some(k) => {
                        let k = Literal::i64_suffixed(*k as i64);
                        quote!(#t.#f(#k, #keepdims)?)
                    }
                    None if *keepdims => {
                        let ones = common::i64s(&vec![1; s.len()]);
                        quote!(#t.#f(None::<i64>, false)?.f_reshape(&[#(#ones),*][..])?)
                    }
                    None => quote!(#t.#f(None::<i64>, false)?),
                })
            }
            (Args::Axis(k), _) => {
                let kl = Literal::i64_suffixed(*k as i64);
                match op {
                    Op::softmax => {
                        let x = self.val(self.input(n, 0)?);
                        Ok(quote!(#x.f_softmax(#kl, None::<tch::Kind>)?))
                    }
                    Op::cumulative_sum => {
                        let x = self.val(self.input(n, 0)?);
                        Ok(quote!(#x.f_cumsum(#kl, None::<tch::Kind>)?))
                    }
                    Op::expand_dims => {
                        let x = self.val(self.input(n, 0)?);
                        Ok(quote!(#x.f_unsqueeze(#kl)?))
                    }
                    Op::concat | Op::stack => {
                        let refs: Vec<TokenStream> =
                            n.inputs.iter().map(|v| self.refr(*v)).collect();
                        let f = if op == Op::concat {
                            quote!(f_cat)
                        } else {
                            quote!(f_stack)
                        };
                        Ok(quote!(tch::Tensor::#f(&[#(#refs),*], #kl)?))
                    }
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            (Args::Sizes(s), 1) => {
                let x = self.val(self.input(n, 0)?);
                let dims = common::i64s(s);
                let dims = quote!(&[#(#dims),*][..]);
                match op {
                    Op::reshape => Ok(quote!(#x.f_reshape(#dims)?)),
                    Op::permute_dims | Op::moveaxis => Ok(quote!(#x.f_permute(#dims)?)),
                    Op::squeeze | Op::flip if s.is_empty() => Ok(quote!(#x.shallow_clone())),
                    Op::squeeze => Ok(quote!(#x.f_squeeze_dims(#dims)?)),
                    Op::flip => Ok(quote!(#x.f_flip(#dims)?)),
                    Op::broadcast_to => Ok(quote!(#x.f_expand(#dims, false)?)),
                    _ => Err(unsupported(TARGET, n, "not emitted")),
                }
            }
            (Args::Full { value, .. }, _) => {
                // The backend's `full`: a 0-d tensor of the value converted with `as` rules,
                // expanded and made contiguous.
                let v = common::scalar_lit(od, *value);
                Ok(quote!(tch::Tensor::f_from_slice(&[#v])?
                    .f_reshape(&[] as &[i64])?
                    .f_expand(&[#(#odims),*][..], false)?
                    .f_contiguous()?))
            }
            (Args::Fill { .. }, _) => {
                let f = if matches!(op, Op::ones | Op::ones_like) {
                    quote!(f_ones)
                } else {
                    quote!(f_zeros)
                };
                Ok(quote!(tch::Tensor::#f(&[#(#odims),*][..], (#ok, tch::Device::Cpu))?))
            }
            (Args::FromHost { data, shape, .. }, 0) => Ok(from_host(data, shape)),
            _ => Err(unsupported(
                TARGET,
                n,
                "the tch emitter does not support this op (see supported_ops)",
            )),
        }
    }
}

fn helper(h: Helper) -> TokenStream {
    match h {
        Helper::Check => quote! {
            /// An error unless the tensor has the traced shape and kind.
            fn check(t: &tch::Tensor, shape: &[i64], kind: tch::Kind) -> Result<(), tch::TchError> {
                if t.size() != shape {
                    return Err(tch::TchError::Shape(format!(
                        "expected shape {shape:?}, got {:?}",
                        t.size()
                    )));
                }
                let k = t.f_kind()?;
                if k != kind {
                    return Err(tch::TchError::Kind(format!("expected {kind:?}, got {k:?}")));
                }
                Ok(())
            }
        },
        Helper::Scalar => quote! {
            /// A 0-d tensor of `like`'s kind and device holding `v`.
            fn scalar(v: f64, like: &tch::Tensor) -> Result<tch::Tensor, tch::TchError> {
                tch::Tensor::f_from_slice(&[v])?
                    .f_reshape(&[] as &[i64])?
                    .f_to_kind(like.f_kind()?)?
                    .f_to_device(like.device())
            }
        },
        Helper::I64 => quote! {
            /// A 0-d int64 tensor on `device`.
            fn i64_scalar(v: i64, device: tch::Device) -> Result<tch::Tensor, tch::TchError> {
                tch::Tensor::f_from_slice(&[v])?
                    .f_reshape(&[] as &[i64])?
                    .f_to_device(device)
            }
        },
        Helper::DivMod => quote! {
            /// Integer floor division or remainder, Python's signs: divisors 0 and (signed) -1
            /// are replaced by 1 and their results set afterwards (0 for 0, `-x` wrapping and 0
            /// for -1), since libtorch raises on 0 and `MIN / -1` overflows.
            fn int_divmod(
                x: &tch::Tensor,
                y: &tch::Tensor,
                quotient: bool,
                signed: bool,
            ) -> Result<tch::Tensor, tch::TchError> {
                let is_zero = y.f_eq_tensor(&i64_scalar(0, y.device())?)?;
                let is_minus_one = if signed {
                    Some(y.f_eq_tensor(&i64_scalar(-1, y.device())?)?)
                } else {
                    None
                };
                let special = match &is_minus_one {
                    Some(m) => is_zero.f_logical_or(m)?,
                    None => is_zero.shallow_clone(),
                };
                let safe = y.f_ones_like()?.f_where_self(&special, y)?;
                if !quotient {
                    return x.f_remainder_tensor(&safe);
                }
                let q = x.f_div_tensor_mode(&safe, "floor")?;
                let q = match &is_minus_one {
                    Some(m) => x.f_neg()?.f_where_self(m, &q)?,
                    None => q,
                };
                q.f_zeros_like()?.f_where_self(&is_zero, &q)
            }
        },
        Helper::CoshF64 => quote! {
            /// `cosh` in float64, finite up to `acosh(f64::MAX)` = 710.4758…: libtorch's AVX2
            /// kernel overflows above about 709.78, so infinite results of smaller arguments
            /// are recomputed as `exp(|x| - 1) * e/2` (`|x| - 1` is exact there).
            fn cosh_f64(x: &tch::Tensor) -> Result<tch::Tensor, tch::TchError> {
                let y = x.f_cosh()?;
                let a = x.f_abs()?;
                let last = scalar(710.475_860_073_943_9, x)?;
                let wrong = y.f_isinf()?.f_logical_and(&a.f_le_tensor(&last)?)?;
                a.f_sub(&scalar(1.0, x)?)?
                    .f_exp()?
                    .f_mul(&scalar(std::f64::consts::E / 2.0, x)?)?
                    .f_where_self(&wrong, &y)
            }
        },
        Helper::FloatToInt => quote! {
            /// Float to integer with Rust's `as` rules (truncating, saturating, NaN to 0): libtorch
            /// leaves out-of-range values undefined, so they are clamped first. `over`: where the
            /// integer maximum is not a float of the input's kind, the threshold at which inputs
            /// saturate to it.
            fn float_to_int(
                t: &tch::Tensor,
                kind: tch::Kind,
                lo: f64,
                hi: f64,
                over: Option<(f64, i64)>,
            ) -> Result<tch::Tensor, tch::TchError> {
                let (lo_t, hi_t) = (scalar(lo, t)?, scalar(hi, t)?);
                let out = t
                    .f_nan_to_num(0.0, hi, lo)?
                    .f_clamp_tensor(Some(&lo_t), Some(&hi_t))?
                    .f_to_kind(kind)?;
                match over {
                    Some((limit, max)) => {
                        let max = i64_scalar(max, t.device())?.f_to_kind(kind)?;
                        max.f_where_self(&t.f_ge_tensor(&scalar(limit, t)?)?, &out)
                    }
                    None => Ok(out),
                }
            }
        },
    }
}
