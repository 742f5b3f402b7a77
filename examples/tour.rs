//! A tour of tensorswitch: create tensors, run ops (as functions, as methods and as data),
//! switch backends, push and pop the backend stack, let the backend be inferred, and read a
//! backend's coverage report.
//!
//! Run with `cargo run --release --example tour`. Set `TENSORSWITCH_BACKEND` to change the
//! implicit default backend.

use tensorswitch::call::AttrValue;
use tensorswitch::{
    self as ts, DType, HostData, Op, OpCall, Output, Reduction, Sorting, Statistic, Tensor,
};
use tensorswitch_ndarray as _; // links the ndarray backend into this program

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn show(label: &str, t: &Tensor) {
    println!("  {label:<40} {t:?}");
}

fn run() -> ts::Result<()> {
    println!("tensorswitch tour");
    println!(
        "backends compiled in and usable: {:?}",
        ts::available_backends()
    );
    for name in ts::available_backends() {
        println!("  {name}: framework version {}", ts::backend_version(name)?);
    }

    println!("\n1. Creating tensors (no backend set: the implicit default runs them)");
    println!(
        "  implicit default backend: {}",
        ts::implicit_default_backend()?
    );
    let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    let b = ts::arange(0, 3, 1, DType::Float32)?;
    show("a = from_slice(.., [2, 3])", &a);
    show("b = arange(0, 3, 1, float32)", &b);
    show(
        "eye(3, k=1) (a compositional op)",
        &ts::eye(3, None, 1, DType::Int32)?,
    );
    show(
        "linspace(0, 1, 5)",
        &ts::linspace(0, 1, 5, true, DType::Float64)?,
    );
    // A dtype known only at run time (read from a file, a flag, another library): the data
    // comes as `HostData`, whose variant is the dtype.
    let dtype = DType::from_name("int16").expect("a dtype name");
    let data = match dtype {
        DType::Int16 => HostData::Int16(vec![-1, 0, 1, 2]),
        _ => HostData::Float64(vec![-1.0, 0.0, 1.0, 2.0]),
    };
    let h = ts::from_host(data, &[2, 2])?;
    show("from_host(HostData::Int16(..), [2, 2])", &h);
    println!("  and back: h.to_host() = {:?}", h.to_host()?);

    println!("\n2. Ops with broadcasting, promotion and reductions");
    show("a + b (broadcast [2,3] with [3])", &ts::add(&a, &b)?);
    let i = Tensor::from_slice(&[1i8, 2, 3], &[3])?;
    let u = Tensor::from_slice(&[250u8, 251, 252], &[3])?;
    show("int8 + uint8 promotes to int16", &ts::add(&i, &u)?);
    show("softmax(a, axis=-1)", &ts::softmax(&a, -1)?);
    show("a @ a^T", &ts::matmul(&a, &ts::matrix_transpose(&a)?)?);
    show(
        "linalg.inv([[2,1],[1,1]])",
        &ts::linalg::inv(&Tensor::from_slice(&[2.0f64, 1.0, 1.0, 1.0], &[2, 2])?)?,
    );
    show("clip(a, 2, 5) (scalar bounds)", &ts::clip(&a, 2, 5)?);
    println!("  Axes are said one way everywhere: one axis, a list, or None for all.");
    show("sum(a, 1)", &ts::sum(&a, 1)?);
    show("sum(a, [0, 1])", &ts::sum(&a, [0, 1])?);
    show("sum(a, None)", &ts::sum(&a, None)?);
    show(
        "sum(a, Reduction::over(1).keepdims(..))",
        &ts::sum(&a, Reduction::over(1).keepdims(true))?,
    );
    show(
        "std(a, Statistic::..correction(1.0))",
        &ts::std(&a, Statistic::over(None).correction(1.0))?,
    );
    show(
        "argsort(a, Sorting::..descending(..))",
        &ts::argsort(&a, Sorting::along(-1).descending(true))?,
    );
    show("reshape(a, [3, -1])", &ts::reshape(&a, [3, -1])?);

    println!("\n3. Every op is also a method on Tensor");
    show(
        "a.matmul(&a.matrix_transpose()?)?",
        &a.matmul(&a.matrix_transpose()?)?,
    );
    show("a.add(&b)?.sum(1)?", &a.add(&b)?.sum(1)?);
    show("a.exp()?.log()?.max(None)?", &a.exp()?.log()?.max(None)?);

    println!("\n4. Op calls as data: the op and its attributes, inputs given when run");
    let call = OpCall::sum(Reduction::over(0).keepdims(true));
    println!("  call = {call}");
    println!("  call.attrs() = {:?}", call.attrs());
    let Output::Tensor(t) = ts::run(&call, &[&a])? else {
        unreachable!("sum returns a tensor")
    };
    show("run(&call, &[&a])", &t);
    // The same call built from attribute names, as a file reader or a tracer would.
    let read = OpCall::from_attrs(
        Op::sum,
        &[
            ("axes", AttrValue::Int(0)),
            ("keepdims", AttrValue::Bool(true)),
        ],
    )?;
    println!(
        "  OpCall::from_attrs(Op::sum, ..) == call: {}",
        read == call
    );
    // logaddexp has an ndarray primary and a compositional fallback: run the same call on
    // each (with_backend_masked serves every op that has a fallback by its fallback).
    let add_exp = OpCall::from_attrs(Op::logaddexp, &[])?;
    let x = Tensor::from_slice(&[0.0f64, 1.0, 100.0], &[3])?;
    let y = Tensor::from_slice(&[-1.0f64, 3.0, 99.0], &[3])?;
    let primary = ts::with_backend("ndarray", || ts::run(&add_exp, &[&x, &y]))??;
    let fallback = ts::with_backend_masked("ndarray", || ts::run(&add_exp, &[&x, &y]))??;
    show(
        &format!("{add_exp}: ndarray's primary"),
        &primary.into_tensor()?,
    );
    show(
        &format!("{add_exp}: the fallback"),
        &fallback.into_tensor()?,
    );

    println!("\n5. Bad input is an error, never a panic");
    let c = Tensor::from_slice(&[1.0f32, 2.0], &[2])?;
    println!("  a + [2 elements]:    {}", ts::add(&a, &c).unwrap_err());
    println!("  sum(a, 5):           {}", ts::sum(&a, 5).unwrap_err());
    println!(
        "  set_backend(tourch): {}",
        ts::set_backend("tourch").unwrap_err()
    );

    println!("\n6. The backend stack");
    println!(
        "  stack at start: {:?} (empty: the backend is inferred from the inputs)",
        ts::backend_stack()
    );
    ts::set_backend("ndarray")?;
    let old = ts::set_backend_to_specific_version("ndarray", "0.16.1")?;
    println!("  pushed {old}; stack: {:?}", ts::backend_stack());
    // ndarray 0.17 has a native expm1; on 0.16 the catalogue's (accurate) fallback serves it.
    let tiny = Tensor::from_slice(&[1e-10f64], &[1])?;
    show("expm1(1e-10), compositional on 0.16.1", &tiny.expm1()?);
    println!("  popped: {}", ts::previous_backend()?);
    show("expm1(1e-10), primary on 0.17", &tiny.expm1()?);
    println!("  popped: {}", ts::previous_backend()?);
    println!(
        "  previous_backend() on an empty stack: {}",
        ts::previous_backend().unwrap_err()
    );

    println!("\n7. A thread-scoped override (other threads are not affected)");
    let here = ts::with_backend("ndarray", || ts::current_backend().map(|b| b.to_string()))?;
    println!(
        "  inside with_backend: {here:?}; outside: {:?}",
        ts::current_backend()
    );

    println!("\n8. Dynamic tensors follow a converting switch");
    {
        use ts::dynamic;
        let x = Tensor::from_slice(&[1.0f32, 2.0], &[2])?; // dynamic by default, as in Ivy
        let y = dynamic::dynamic_backend_as(false, || Tensor::from_slice(&[3.0f32], &[1]))?;
        println!(
            "  x.dynamic_backend() = {}, y.dynamic_backend() = {}; live dynamic tensors: {}",
            x.dynamic_backend(),
            y.dynamic_backend(),
            dynamic::live_dynamic_tensors()
        );
        // With the torch backend linked, `set_backend_dynamic("torch")` would move x (sharing
        // its memory) and leave y; here both backends are ndarray, so nothing needs to move.
        let s = dynamic::switch_backend(
            dynamic::StackChange::Push("ndarray"),
            dynamic::Conversion::AllOrNothing,
        )?;
        println!(
            "  switch_backend(Push(ndarray)): now {}, {} live, {} converted",
            s.backend, s.live, s.converted
        );
        dynamic::unset_backend_dynamic()?;
        drop((x, y));
    }

    println!("\n9. Coverage: where each op of the catalogue comes from");
    let detected = ts::function_table_report("ndarray")?;
    println!("{detected}");
    let old = ts::function_table_report_for_version("ndarray", "0.15.6")?;
    println!("\n  on ndarray 0.15.6 (emulated) the variants differ:");
    for (op, source) in old
        .rows
        .iter()
        .filter(|(op, s)| detected.rows[op.index()].1 != *s)
    {
        println!(
            "    {:<10} {}  (detected version: {})",
            op.name(),
            source,
            detected.rows[op.index()].1
        );
    }
    Ok(())
}
